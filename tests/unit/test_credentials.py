"""Credential providers, the notebook file, endpoints and the IAM token cache."""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
from typing import List

import pytest
import requests

from modelarts.auth import TokenManager
from modelarts.credentials import AccessKey, NotebookCredentialsFile, Password, find_access_key
from modelarts.endpoints import normalize_endpoint, resolve_endpoints
from modelarts.exceptions import AuthenticationError, ConfigurationError

UTC = dt.timezone.utc


def test_access_key_repr_hides_secrets_and_knows_expiry() -> None:
    key = AccessKey("AK", "SECRET", security_token="TOKEN", expires_at=dt.datetime(2030, 1, 1, tzinfo=UTC))
    assert "SECRET" not in repr(key) and "TOKEN" not in repr(key) and key.is_temporary
    assert not key.expired(dt.datetime(2029, 12, 31, 23, 0, tzinfo=UTC))
    assert key.expired(dt.datetime(2029, 12, 31, 23, 56, tzinfo=UTC))  # within the 5 min margin
    assert "pw" not in repr(Password("u", "pw", "d"))


def test_profile_without_section_header_and_session_token_alias(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "cred"
    path.write_text("default_access_key_id=A1\ndefault_secret_access_key=S1\ndefault_session_token=T1\n")
    key = NotebookCredentialsFile(str(path))()
    assert (key.access_key, key.secret_key, key.security_token) == ("A1", "S1", "T1")


def test_expired_file_keys_are_reread(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "cred"
    path.write_text("[x]\ndefault_access_key_id=A1\ndefault_secret_access_key=S1\n"
                    "default_expires_at=2030-01-01T00:00:00Z\n")
    now = [dt.datetime(2029, 1, 1, tzinfo=UTC)]
    provider = NotebookCredentialsFile(str(path), clock=lambda: now[0])
    assert provider().access_key == "A1"
    stat = os.stat(path)
    path.write_text("[x]\ndefault_access_key_id=A2\ndefault_secret_access_key=S2\n")
    os.utime(path, (stat.st_atime, stat.st_mtime))  # same mtime: only expiry can trigger a re-read
    assert provider().access_key == "A1"
    now[0] = dt.datetime(2030, 1, 1, tzinfo=UTC)
    assert provider().access_key == "A2"
    assert provider.refresh() is False  # nothing new


@pytest.mark.parametrize("text, match", [
    ("[default]\ndefault_access_key_id=A\n", "no default_access_key_id"),
    ("not ini [[[\n= = =", "not a valid INI"),
])
def test_broken_profiles_are_configuration_errors(tmp_path: pathlib.Path, text: str, match: str) -> None:
    path = tmp_path / "cred"
    path.write_text(text)
    with pytest.raises(ConfigurationError, match=match):
        find_access_key({"CREDENTIAL_PROFILES_FILE": str(path)})


def test_incomplete_sdk_environment_is_reported() -> None:
    with pytest.raises(ConfigurationError, match="incomplete"):
        find_access_key({"HUAWEICLOUD_SDK_AK": "only-ak"})


def test_endpoint_normalisation() -> None:
    assert normalize_endpoint("modelarts.example.com/") == "https://modelarts.example.com"
    assert normalize_endpoint("http://localhost:9") == "http://localhost:9"
    assert normalize_endpoint("http://[::1]:9") == "http://[::1]:9"
    for bad in ["", "ftp://x", "https://u:p@x", "https://x?y=1", "http://10.0.0.1", "https://x:99999"]:
        with pytest.raises(ConfigurationError):
            normalize_endpoint(bad)


def test_region_table_special_cases_and_obs_derivation() -> None:
    assert resolve_endpoints("ap-southeast-1", {}, {}).modelarts.endswith(".myhuaweicloud.cn")
    assert resolve_endpoints("eu-west-101", {}, {}).iam == "https://iam.eu-west-101.myhuaweicloud.eu"
    derived = resolve_endpoints(None, {}, {"REGION_NAME": "xx-1", "S3_ENDPOINT": "https://obs.xx-1.example.com",
                                           "IAM_ENDPOINT": "https://iam.example.com"})
    assert derived.modelarts == "https://modelarts.xx-1.example.com"


class FakeIAM:
    def __init__(self, lifetime: dt.timedelta, now: List[dt.datetime], status: int = 201) -> None:
        self.lifetime, self.now, self.status, self.bodies = lifetime, now, status, []

    def __call__(self, url: str, body: dict) -> requests.Response:
        self.bodies.append(body)
        response = requests.Response()
        response.status_code = self.status
        expires = (self.now[0] + self.lifetime).isoformat().replace("+00:00", "Z")
        response._content = json.dumps({"token": {"expires_at": expires}}).encode()
        response.headers["X-Subject-Token"] = f"token-{len(self.bodies)}"
        return response


def test_token_is_cached_then_renewed_before_expiry() -> None:
    now = [dt.datetime(2030, 1, 1, tzinfo=UTC)]
    iam = FakeIAM(dt.timedelta(hours=24), now)
    manager = TokenManager("https://iam", Password("u", "pw-secret-9", "d"), "p1", None, iam, clock=lambda: now[0])
    assert manager.token() == "token-1" and manager.token() == "token-1"
    now[0] += dt.timedelta(hours=23, minutes=49)
    assert manager.token() == "token-1"
    now[0] += dt.timedelta(minutes=2)  # inside the 10 minute margin
    assert manager.token() == "token-2"
    manager.invalidate()
    assert manager.token() == "token-3"
    assert "pw-secret-9" not in repr(manager) and "token-3" not in repr(manager)
    assert iam.bodies[0]["auth"]["identity"]["password"]["user"]["password"] == "pw-secret-9"


def test_token_failure_is_typed() -> None:
    now = [dt.datetime(2030, 1, 1, tzinfo=UTC)]
    manager = TokenManager("https://iam", Password("u", "p", "d"), "p1", None, FakeIAM(dt.timedelta(1), now, 401))
    with pytest.raises(AuthenticationError):
        manager.token()
