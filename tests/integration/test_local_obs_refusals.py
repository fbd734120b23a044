"""What the local OBS refuses: unsigned, forged, mis-dated, token-less requests and other accounts' buckets."""

from __future__ import annotations

import datetime as _dt
import json
import pathlib
import xml.etree.ElementTree as ET
from typing import Iterator

import attrs
import pytest
import requests

from modelarts.local import Credentials, LocalService

from obs_helpers import client, client_signing, obs_mode_client, signed
from signing import sign_headers, temporary_credentials


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    with LocalService(tmp_path_factory.mktemp("obs-refusals"), kill_jobs_on_close=True) as running:
        main = client(running.obs_endpoint, running.credentials)
        assert main.createBucket("mine").status == 200
        assert main.putContent("mine", "secret.txt", "main's data").status == 200
        main.close()
        yield running


@pytest.fixture(scope="module")
def other(service: LocalService) -> Credentials:
    return service.add_account("obs-other")


def error_of(response: requests.Response) -> ET.Element:
    root = ET.fromstring(response.content)
    assert root.tag == "Error" and root.findtext("RequestId") == response.headers["x-obs-request-id"]
    return root


def test_unsigned_request_is_refused(service: LocalService) -> None:
    answer = requests.get(service.obs_endpoint + "/mine/secret.txt", timeout=10)
    assert answer.status_code == 403 and error_of(answer).findtext("Code") == "AccessDenied"
    put = requests.put(service.obs_endpoint + "/mine/new.txt", data=b"x", timeout=10)
    assert put.status_code == 403 and not (service.obs_root / "mine" / "new.txt").exists()


@pytest.mark.parametrize("scheme", ["v2", "obs"])
def test_signed_by_hand_both_schemes(service: LocalService, scheme: str) -> None:
    answer = signed("GET", "/mine/secret.txt", service.credentials, service.obs_endpoint, scheme=scheme)
    assert answer.status_code == 200 and answer.content == b"main's data"


@pytest.mark.parametrize("scheme", ["v2", "obs"])
def test_forged_signature_is_refused(service: LocalService, scheme: str) -> None:
    answer = signed("GET", "/mine/secret.txt", service.credentials, service.obs_endpoint, scheme=scheme,
                    secret="x" * 40)
    assert answer.status_code == 403 and error_of(answer).findtext("Code") == "SignatureDoesNotMatch"


def test_tampered_request_is_refused(service: LocalService) -> None:
    """A valid signature of one object does not open another."""
    good = signed("GET", "/mine/secret.txt", service.credentials, service.obs_endpoint)
    headers = {k: v for k, v in good.request.headers.items() if k in ("Date", "Authorization")}
    answer = requests.get(service.obs_endpoint + "/mine/other.txt", headers=headers, timeout=10)
    assert answer.status_code == 403 and error_of(answer).findtext("Code") == "SignatureDoesNotMatch"


def test_unknown_access_key(service: LocalService) -> None:
    ghost = attrs.evolve(service.credentials, access_key="NOSUCHKEY0000000000X")
    answer = signed("GET", "/mine/secret.txt", ghost, service.obs_endpoint)
    assert answer.status_code == 403 and error_of(answer).findtext("Code") == "InvalidAccessKeyId"


def test_v4_and_garbled_authorization_are_refused(service: LocalService) -> None:
    for header in ("AWS4-HMAC-SHA256 Credential=x/y, SignedHeaders=host, Signature=z", "Bearer abc", "AWS onlyak"):
        answer = requests.get(service.obs_endpoint + "/mine/secret.txt", timeout=10,
                              headers={"Authorization": header, "Date": "Sat, 01 Jan 2000 00:00:00 GMT"})
        assert answer.status_code == 400 and error_of(answer).findtext("Code") == "InvalidArgument"


@pytest.mark.parametrize("minutes, accepted", [(-14, True), (14, True), (-16, False), (16, False)])
def test_clock_skew_15_minutes(service: LocalService, minutes: int, accepted: bool) -> None:
    when = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(minutes=minutes)
    answer = signed("GET", "/mine/secret.txt", service.credentials, service.obs_endpoint, when=when)
    if accepted:
        assert answer.status_code == 200
    else:
        assert answer.status_code == 403 and error_of(answer).findtext("Code") == "RequestTimeTooSkewed"


def test_temporary_credentials_need_their_token(service: LocalService) -> None:
    temp = temporary_credentials(service.endpoint, service.credentials)
    with_token = client(service.obs_endpoint, temp)
    assert with_token.getObject("mine", "secret.txt", loadStreamInMemory=True).body.buffer == b"main's data"
    obs_mode = obs_mode_client(service.obs_endpoint, temp)  # token travels as x-obs-security-token
    assert obs_mode.headObject("mine", "secret.txt").status == 200
    for token in ("", "not-the-token"):
        bad = client(service.obs_endpoint, attrs.evolve(temp, security_token=token))
        answer = bad.headObject("mine", "secret.txt")
        assert answer.status == 400, answer.errorCode
        refused = bad.getObject("mine", "secret.txt", loadStreamInMemory=True)
        assert refused.errorCode == "InvalidToken"


def test_temporary_credentials_expire(tmp_path: pathlib.Path) -> None:
    # Keys that live 60 s; the service's clock moves on 61 s (well inside the 15 min
    # of allowed skew, so it is the key's expiry that is refused, not the request's date).
    with LocalService(tmp_path, temp_credential_ttl=60, kill_jobs_on_close=True) as short:
        main = client(short.obs_endpoint, short.credentials)
        assert main.createBucket("mine").status == 200 and main.putContent("mine", "a.txt", "x").status == 200
        with_token = client(short.obs_endpoint, temporary_credentials(short.endpoint, short.credentials))
        assert with_token.getObject("mine", "a.txt", loadStreamInMemory=True).body.buffer == b"x"
        short.advance(59)
        assert with_token.headObject("mine", "a.txt").status == 200
        short.advance(2)
        expired = with_token.getObject("mine", "a.txt", loadStreamInMemory=True)
        assert expired.errorCode == "ExpiredToken"
        assert main.getObject("mine", "a.txt", loadStreamInMemory=True).body.buffer == b"x"  # long-lived keys still work


def test_another_account_gets_access_denied(service: LocalService, other: Credentials) -> None:
    theirs = client(service.obs_endpoint, other)
    for answer in (
        theirs.getObject("mine", "secret.txt", loadStreamInMemory=True),
        theirs.putContent("mine", "planted.txt", "x"),
        theirs.listObjects("mine"),
        theirs.deleteObject("mine", "secret.txt"),
        theirs.initiateMultipartUpload("mine", "planted.bin"),
    ):
        assert (answer.status, answer.errorCode) == (403, "AccessDenied")
    assert theirs.headBucket("mine").status == 403
    assert theirs.createBucket("mine").errorCode == "BucketAlreadyExists"
    assert theirs.createBucket("theirs").status == 200
    assert [b.name for b in theirs.listBuckets().body.buckets] == ["theirs"]
    assert "theirs" not in [b.name for b in client(service.obs_endpoint, service.credentials).listBuckets().body.buckets]
    assert (service.obs_root / "mine" / "secret.txt").read_text() == "main's data"
    assert not (service.obs_root / "mine" / "planted.txt").exists()


def test_bucket_without_owner_record_is_the_main_accounts(service: LocalService, other: Credentials) -> None:
    (service.obs_root / "legacy-bucket").mkdir()
    (service.obs_root / "legacy-bucket" / "old.txt").write_text("from an older data dir")
    main = client(service.obs_endpoint, service.credentials)
    assert main.getObject("legacy-bucket", "old.txt", loadStreamInMemory=True).body.buffer == b"from an older data dir"
    theirs = client(service.obs_endpoint, other)
    assert theirs.getObject("legacy-bucket", "old.txt", loadStreamInMemory=True).errorCode == "AccessDenied"


def _job_body(bucket: str) -> dict:
    return {"job_name": f"obs-{bucket}", "config": {
        "worker_server_num": 1, "app_url": f"/{bucket}/src/", "boot_file_url": f"/{bucket}/src/train.py",
        "data_url": f"/{bucket}/data/", "train_url": f"/{bucket}/out/", "spec_id": 1, "engine_id": 1}}


def _post_job(service: LocalService, creds: Credentials, body: dict, version: str = "v1") -> requests.Response:
    url = f"{service.endpoint}/{version}/{creds.project_id}/training-jobs"
    data = json.dumps(body).encode()
    headers = sign_headers("POST", url, creds.access_key, creds.secret_key, body=data,
                           headers={"Content-Type": "application/json"})
    return requests.post(url, data=data, headers=headers, timeout=30)


def test_job_creation_refuses_another_accounts_bucket(service: LocalService, other: Credentials) -> None:
    refused = _post_job(service, other, _job_body("mine"))
    assert refused.status_code == 403, refused.text
    assert refused.json()["error_code"] == "ModelArts.0105" and "mine" in refused.json()["error_message"]
    created = _post_job(service, other, _job_body("fresh-for-other"))
    assert created.status_code == 200 and created.json()["is_success"], created.text
    assert service.app is not None and service.app.buckets.owner("fresh-for-other") == other.domain_id


def _v2_job_body(name: str, code: str, output: str) -> dict:
    return {
        "kind": "job",
        "metadata": {"name": name},
        "algorithm": {
            "code_dir": f"obs://{code}/src/", "boot_file": "train.py", "engine": {"engine_id": "1"},
            "outputs": [{"name": "train_url", "remote": {"obs": {"obs_url": f"obs://{output}/out/"}}}],
        },
        "spec": {"resource": {"flavor_id": "modelarts.vm.cpu.2u"}},
    }


def test_v2_job_creation_refuses_another_accounts_bucket(service: LocalService, other: Credentials) -> None:
    for code, output in (("mine", "v2-fresh-a"), ("v2-fresh-b", "mine")):  # code dir, then an output
        refused = _post_job(service, other, _v2_job_body(f"v2-{code}-{output}", code, output), version="v2")
        assert refused.status_code == 403, refused.text
        body = refused.json()
        assert body["error_code"] == "ModelArts.0105" and "mine" in body["error_msg"] and body["error_solution"]
    assert service.app is not None and service.app.buckets.owner("v2-fresh-a") is None  # nothing claimed
    assert client(service.obs_endpoint, other).createBucket("v2-own").status == 200
    assert client(service.obs_endpoint, other).putContent("v2-own", "src/train.py", "print('ok')\n").status == 200
    created = _post_job(service, other, _v2_job_body("v2-own-job", "v2-own", "v2-own-out"), version="v2")
    assert created.status_code == 201, created.text
    assert service.app.buckets.owner("v2-own-out") == other.domain_id


def test_owners_survive_a_restart(tmp_path_factory: pytest.TempPathFactory) -> None:
    data_dir = tmp_path_factory.mktemp("obs-restart")
    with LocalService(data_dir) as first:
        stranger = first.add_account("restart-other")
        assert client(first.obs_endpoint, stranger).createBucket("kept").status == 200
        assert client(first.obs_endpoint, stranger).putContent("kept", "a.txt", "A").status == 200
    with LocalService(data_dir) as second:
        assert client(second.obs_endpoint, stranger).getObject("kept", "a.txt", loadStreamInMemory=True).body.buffer == b"A"
        assert client(second.obs_endpoint, second.credentials).headObject("kept", "a.txt").status == 403


def test_serve_prints_and_env_exports_the_obs_endpoint(tmp_path_factory: pytest.TempPathFactory) -> None:
    import subprocess
    import sys

    from modelarts.local import LocalServiceProcess

    data_dir = tmp_path_factory.mktemp("obs-serve")
    with LocalServiceProcess(data_dir) as served:
        assert served.obs_endpoint.startswith("http://127.0.0.1:") and served.obs_endpoint != served.endpoint
        assert any("OBS endpoint:" in line and served.obs_endpoint in line for line in served.output)
        exported = subprocess.run([sys.executable, "-m", "modelarts.local", "env", "--data-dir", str(data_dir)],
                                  capture_output=True, text=True, timeout=60, check=True).stdout
        assert f"export S3_ENDPOINT={served.obs_endpoint}" in exported
        env = served.env()
        assert env["S3_ENDPOINT"] == served.obs_endpoint
        c = client(env["S3_ENDPOINT"], served.credentials)
        assert c.createBucket("served-bucket").status == 200 and c.headBucket("served-bucket").status == 200


@pytest.mark.parametrize("mode", ["v2", "obs"])
def test_signed_urls(service: LocalService, mode: str) -> None:
    maker = client_signing(mode, service.obs_endpoint, service.credentials)
    url = maker.createSignedUrl("GET", "mine", "secret.txt", expires=300).signedUrl
    assert requests.get(url, timeout=10).content == b"main's data"
    other = url.replace("/mine/secret.txt", "/mine/other.txt")
    assert error_of(requests.get(other, timeout=10)).findtext("Code") == "SignatureDoesNotMatch"
    expired = maker.createSignedUrl("GET", "mine", "secret.txt", expires=-60).signedUrl
    answer = requests.get(expired, timeout=10)
    assert answer.status_code == 403 and "expired" in error_of(answer).findtext("Message")
    temp = temporary_credentials(service.endpoint, service.credentials)
    with_token = client(service.obs_endpoint, temp).createSignedUrl("GET", "mine", "secret.txt", expires=300)
    assert requests.get(with_token.signedUrl, timeout=10).content == b"main's data"
