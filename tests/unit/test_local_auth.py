"""Accounts, IAM and the gateway's signature checks, without HTTP (fixed clocks)."""

from __future__ import annotations

import datetime as _dt
import os
import stat
from pathlib import Path
from typing import Dict

import pytest

from modelarts.local.accounts import Directory, read_credentials_file, write_credentials_file
from modelarts.local.errors import IAMAuthenticationFailed, KeystoneUnauthorized, ProjectMismatch, TokenMustBeUpdated
from modelarts.local.gateway import Gateway, Principal
from modelarts.local.iam import IAM
from modelarts.local.store import Database
from signing import login_body, sign_headers

# The worked example of Huawei Cloud API Gateway's public "AK/SK signing" guide.
DOC_AK, DOC_SK = "QTWAOYTTINDUT2QVKYUC", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
DOC_PATH = "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs"
DOC_QUERY = "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0"
DOC_HEADERS = {
    "content-type": "application/json",
    "host": "service.region.example.com",
    "x-sdk-date": "20191115T033655Z",
    "authorization": "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, "
    "Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
}
DOC_TIME = _dt.datetime(2019, 11, 15, 3, 36, 55, tzinfo=_dt.timezone.utc).timestamp()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def directory() -> Directory:
    return Directory(Database(":memory:"))


@pytest.fixture
def clock() -> Clock:
    return Clock(DOC_TIME)


@pytest.fixture
def gateway(directory: Directory, clock: Clock) -> Gateway:
    creds = directory.create_account("acme", password="pw")
    directory.db.execute(
        "INSERT INTO access_keys(access_key, secret_key, user_id) VALUES (?, ?, ?)", (DOC_AK, DOC_SK, creds.user_id)
    )
    return Gateway(directory, IAM(directory, clock=clock), clock=clock)


def _check(gateway: Gateway, headers: Dict[str, str], query: str = DOC_QUERY) -> Principal:
    return gateway.authenticate("GET", DOC_PATH, query, headers, b"")


def test_the_documented_request_verifies(gateway: Gateway) -> None:
    principal = _check(gateway, DOC_HEADERS)
    assert principal.method == "aksk" and principal.access_key == DOC_AK and principal.project_id is None


@pytest.mark.parametrize(
    "change, words",
    [
        ({"host": "evil.example.com"}, "verify aksk signature fail"),
        ({"content-type": "text/plain"}, "verify aksk signature fail"),
        ({"x-sdk-date": "20191115T033656Z"}, "verify aksk signature fail"),
        ({"x-sdk-date": "2019-11-15"}, "signature expired"),
        ({"authorization": "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC"}, "malformed"),
        ({"authorization": DOC_HEADERS["authorization"].replace(DOC_AK, "UNKNOWNAK")}, "ak UNKNOWNAK not exist"),
    ],
)
def test_changed_requests_fail(gateway: Gateway, change: Dict[str, str], words: str) -> None:
    with pytest.raises(IAMAuthenticationFailed, match=words):
        _check(gateway, dict(DOC_HEADERS, **change))


def test_changed_query_fails(gateway: Gateway) -> None:
    with pytest.raises(IAMAuthenticationFailed):
        _check(gateway, DOC_HEADERS, query="limit=3&marker=13551d6b-755d-4757-b956-536f674975c0")


def test_missing_signed_header(gateway: Gateway) -> None:
    headers = {k: v for k, v in DOC_HEADERS.items() if k != "content-type"}
    with pytest.raises(IAMAuthenticationFailed, match="content-type is missing"):
        _check(gateway, headers)


@pytest.mark.parametrize("offset, ok", [(-901, False), (-899, True), (899, True), (901, False)])
def test_fifteen_minute_window(gateway: Gateway, clock: Clock, offset: float, ok: bool) -> None:
    clock.now = DOC_TIME - offset
    if ok:
        _check(gateway, DOC_HEADERS)
    else:
        with pytest.raises(IAMAuthenticationFailed, match="signature expired"):
            _check(gateway, DOC_HEADERS)


def test_lockout_expires(gateway: Gateway, clock: Clock) -> None:
    bad = dict(DOC_HEADERS, host="other")
    for _ in range(6):
        with pytest.raises(IAMAuthenticationFailed, match="verify"):
            _check(gateway, bad)
    with pytest.raises(IAMAuthenticationFailed, match="reach the limit"):
        _check(gateway, DOC_HEADERS)
    clock.now += 301
    _check(gateway, DOC_HEADERS)


def test_success_resets_the_failure_count(gateway: Gateway) -> None:
    bad = dict(DOC_HEADERS, host="other")
    for _ in range(2):
        for _ in range(5):
            with pytest.raises(IAMAuthenticationFailed):
                _check(gateway, bad)
        _check(gateway, DOC_HEADERS)


def test_tokens_and_temporary_keys(directory: Directory, clock: Clock) -> None:
    creds = directory.create_account("corp", password="pw")
    iam = IAM(directory, token_ttl=60, temp_credential_ttl=30, clock=clock)
    gateway = Gateway(directory, iam, clock=clock)
    login = login_body("corp", "pw", "corp", {"name": "local-1"})
    token, body = iam.password_login(login)
    assert body["token"]["project"]["id"] == creds.project_id
    principal = gateway.authenticate("GET", "/", "", {"x-auth-token": token}, b"")
    gateway.authorize_project(principal, creds.project_id, {})
    with pytest.raises(ProjectMismatch):
        gateway.authorize_project(principal, "0" * 32, {})
    temp = iam.temporary_credentials(token, {"auth": {"identity": {"methods": ["token"]}}})["credential"]
    url = "http://127.0.0.1:1/v1/x/training-jobs"
    sts = {"X-Security-Token": temp["securitytoken"]}
    lowered = sign_headers("GET", url, temp["access"], temp["secret"], headers=sts, now=clock.now, lower=True)
    assert gateway.authenticate("GET", "/v1/x/training-jobs", "", lowered, b"").user_id == creds.user_id
    clock.now += 31
    with pytest.raises(TokenMustBeUpdated):
        gateway.authenticate("GET", "/v1/x/training-jobs", "", lowered, b"")
    clock.now += 30
    with pytest.raises(TokenMustBeUpdated):
        gateway.authenticate("GET", "/", "", {"x-auth-token": token}, b"")
    with pytest.raises(KeystoneUnauthorized):
        iam.temporary_credentials(token, {"auth": {"identity": {"methods": ["token"]}}})


def test_wrong_password(directory: Directory) -> None:
    directory.create_account("corp", password="pw")
    iam = IAM(directory)
    login = login_body("corp", "nope", "corp")
    with pytest.raises(KeystoneUnauthorized):
        iam.password_login(login)


def test_credentials_file_round_trip_and_mode(tmp_path: Path, directory: Directory) -> None:
    creds = directory.create_account("corp")
    path = write_credentials_file(tmp_path / "creds.ini", creds)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert read_credentials_file(path) == creds
    text = path.read_text()
    for key in ("default_access_key_id", "default_secret_access_key", "default_security_token", "default_user_id"):
        assert f"{key} =" in text
    assert len(creds.access_key) == 20 and len(creds.secret_key) == 40 and len(creds.project_id) == 32


def test_reissue_gives_new_keys_and_password(directory: Directory) -> None:
    creds = directory.create_account("corp", password="old")
    again = directory.reissue(creds.user_id, "new")
    assert again.access_key != creds.access_key and again.project_id == creds.project_id
    assert directory.check_password("corp", "corp", "new") is not None
    assert directory.check_password("corp", "corp", "old") is None
