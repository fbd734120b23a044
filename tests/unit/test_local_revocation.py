"""Re-issued credentials revoke the old ones; password guesses lock a login out."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest

from modelarts.local.accounts import Directory
from modelarts.local.errors import IAMAuthenticationFailed, KeystoneUnauthorized
from modelarts.local.gateway import Gateway
from modelarts.local.iam import IAM
from modelarts.local.store import Database
from signing import login_body, sign_headers

NOW = _dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=_dt.timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = NOW.timestamp()

    def __call__(self) -> float:
        return self.now


def _signed(gateway: Gateway, access_key: str, secret_key: str) -> Any:
    path = "/v1/p/training-jobs"
    headers = sign_headers("GET", "http://127.0.0.1:1" + path, access_key, secret_key, now=NOW, lower=True)
    return gateway.authenticate("GET", path, "", headers, b"")


@pytest.fixture
def world() -> Any:
    directory = Directory(Database(":memory:"))
    clock = Clock()
    iam = IAM(directory, clock=clock, **({"lockout_threshold": 5, "lockout_seconds": 300.0}
                                          if "lockout_threshold" in IAM.__init__.__code__.co_varnames else {}))
    return directory, iam, Gateway(directory, iam, clock=clock), clock


def test_reissue_revokes_old_keys_and_tokens(world: Any) -> None:
    directory, iam, gateway, _ = world
    old = directory.create_account("acme", password="old-password")
    token, _ = iam.password_login(login_body("acme", "old-password", "acme"))
    assert _signed(gateway, old.access_key, old.secret_key).user_id == old.user_id
    assert gateway.authenticate("GET", "/", "", {"x-auth-token": token}, b"").user_id == old.user_id
    new = directory.reissue(old.user_id, "new-password")
    with pytest.raises(IAMAuthenticationFailed, match="not exist"):
        _signed(gateway, old.access_key, old.secret_key)
    with pytest.raises(IAMAuthenticationFailed):
        gateway.authenticate("GET", "/", "", {"x-auth-token": token}, b"")
    with pytest.raises(KeystoneUnauthorized):
        iam.password_login(login_body("acme", "old-password", "acme"))
    assert _signed(gateway, new.access_key, new.secret_key).user_id == old.user_id


def test_password_guesses_lock_the_login_then_it_lifts(world: Any) -> None:
    directory, iam, _, clock = world
    directory.create_account("acme", password="right-password")
    for _ in range(6):
        with pytest.raises(KeystoneUnauthorized, match="wrong"):
            iam.password_login(login_body("acme", "guess", "acme"))
    with pytest.raises(KeystoneUnauthorized, match="locked"):
        iam.password_login(login_body("acme", "right-password", "acme"))
    clock.now += 301
    token, _ = iam.password_login(login_body("acme", "right-password", "acme"))
    assert token


def test_a_success_resets_the_count(world: Any) -> None:
    directory, iam, _, _ = world
    directory.create_account("acme", password="right-password")
    for _ in range(3):
        for _ in range(5):
            with pytest.raises(KeystoneUnauthorized, match="wrong"):
                iam.password_login(login_body("acme", "guess", "acme"))
        assert iam.password_login(login_body("acme", "right-password", "acme"))[0]
