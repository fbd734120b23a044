"""``LocalService.advance``: the service's clock moves, and every time-dependent rule follows it.

Each test starts its own service, so the offsets added here never leak into
another test's signature window.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from modelarts.local import LocalService
from modelarts.local.app import ServiceConfig

from obs_helpers import client, client_signing, signed
from signing import temporary_credentials

ENGINES = "/v1/{project_id}/job/ai-engines"
WINDOW = 15 * 60


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LocalService]:
    with LocalService(tmp_path, queue_delay=1e6, temp_credential_ttl=60.0, kill_jobs_on_close=True) as running:
        main = client(running.obs_endpoint, running.credentials)
        assert main.createBucket("mine").status == 200
        assert main.putContent("mine", "data.txt", "payload").status == 200
        main.close()
        yield running


def _service_now(service: LocalService) -> _dt.datetime:
    assert service.app is not None
    return _dt.datetime.fromtimestamp(service.app.clock(), _dt.timezone.utc)


def test_gateway_signature_window_is_measured_on_the_service_clock(service: LocalService, helpers: Any) -> None:
    api = helpers.Api(service.endpoint, service.credentials)
    assert api.get(ENGINES).status_code == 200
    service.advance(WINDOW + 60)
    stale = api.get(ENGINES)  # signed with the real time, now 16 minutes behind the service
    assert stale.status_code == 401 and stale.json()["error_code"] == "APIGW.0301"
    assert "signature expired" in stale.json()["error_msg"]
    assert api.request("GET", ENGINES, now=_service_now(service)).status_code == 200


def test_obs_signature_window_is_measured_on_the_service_clock(service: LocalService) -> None:
    assert signed("GET", "/mine/data.txt", service.credentials, service.obs_endpoint).status_code == 200
    service.advance(WINDOW + 60)
    stale = signed("GET", "/mine/data.txt", service.credentials, service.obs_endpoint)
    assert stale.status_code == 403 and b"RequestTimeTooSkewed" in stale.content
    fresh = signed("GET", "/mine/data.txt", service.credentials, service.obs_endpoint, when=_service_now(service))
    assert fresh.status_code == 200 and fresh.content == b"payload"


@pytest.mark.parametrize("mode", ["v2", "obs"])
def test_obs_signed_url_expires_on_the_service_clock(service: LocalService, mode: str) -> None:
    maker = client_signing(mode, service.obs_endpoint, service.credentials)
    url = maker.createSignedUrl("GET", "mine", "data.txt", expires=300).signedUrl
    assert requests.get(url, timeout=10).content == b"payload"
    service.advance(290)
    assert requests.get(url, timeout=10).content == b"payload", "refused before its expiry"
    service.advance(15)
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 403 and b"expired" in answer.content


def test_obs_temporary_key_expires_on_the_service_clock(service: LocalService) -> None:
    temp = temporary_credentials(service.endpoint, service.credentials)  # capped at temp_credential_ttl = 60 s
    with_token = client(service.obs_endpoint, temp)
    assert with_token.getObject("mine", "data.txt", loadStreamInMemory=True).body.buffer == b"payload"
    service.advance(50)
    assert with_token.getObject("mine", "data.txt", loadStreamInMemory=True).body.buffer == b"payload"
    service.advance(15)
    assert with_token.getObject("mine", "data.txt", loadStreamInMemory=True).errorCode == "ExpiredToken"


def test_job_and_bucket_stamps_come_from_the_service_clock(service: LocalService, helpers: Any) -> None:
    assert service.app is not None
    api = helpers.Api(service.endpoint, service.credentials)
    service.advance(600)  # inside the signature window, far outside the tolerance below
    bucket = helpers.Bucket.owned_by(service, service.credentials.domain_id, "stamped")
    job = helpers.create_job(api, bucket, "print('hi')\n")
    created = api.detail(job["job_id"], job["version_id"])["create_time"]
    assert abs(created / 1000 - service.app.clock()) < 60  # ten minutes ahead of the real time, like the service
    stamped = service.app.db.scalar("SELECT created_at FROM obs_buckets WHERE name = ?", ("stamped",))
    assert abs(stamped - service.app.clock()) < 60


def test_advance_needs_a_clock_that_moves(tmp_path: Path) -> None:
    fixed = LocalService(tmp_path, clock=lambda: 1_700_000_000.0)
    with pytest.raises(TypeError, match="OffsetClock"):
        fixed.advance(1)
    moving = LocalService(tmp_path)
    with pytest.raises(ValueError):
        moving.advance(-1)
    assert isinstance(ServiceConfig(tmp_path).clock, type(moving.config.clock))
