"""The gateway's cache of access keys and projects: hits, misses, invalidation, and that
cached keys keep every security check (expiry, security token, lockout)."""

from __future__ import annotations

from typing import Dict, List, Optional

import pytest

from modelarts.local.accounts import Directory
from modelarts.local.errors import IAMAuthenticationFailed, TokenMustBeUpdated
from modelarts.local.gateway import Gateway
from modelarts.local.iam import IAM
from modelarts.local.rowcache import RowCache
from modelarts.local.store import Database
from signing import login_body, sign_headers


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_rows_are_loaded_once_and_misses_are_not_kept() -> None:
    table: Dict[str, str] = {"a": "row-a"}
    loads: List[str] = []

    def load(key: str) -> Optional[str]:
        loads.append(key)
        return table.get(key)

    cache: RowCache[str, str] = RowCache(load)
    assert cache.get("a") == "row-a" and cache.get("a") == "row-a"
    assert cache.get("b") is None and cache.get("b") is None
    assert loads == ["a", "b", "b"]
    table["b"] = "row-b"  # created after a miss: found at once
    assert cache.get("b") == "row-b"
    table["a"] = "row-a2"
    cache.clear()
    assert cache.get("a") == "row-a2"


def test_a_read_racing_a_write_is_not_kept() -> None:
    cache: RowCache[str, str] = RowCache(lambda key: (cache.clear(), "old")[1])  # a write lands mid-read
    assert cache.get("a") == "old"
    assert len(cache) == 0


def test_the_cache_is_bounded() -> None:
    cache: RowCache[int, int] = RowCache(lambda key: key + 1, max_entries=3)
    for key in range(10):
        assert cache.get(key) == key + 1
    assert len(cache) <= 3


def _signed(url: str, ak: str, sk: str, now: float, token: str = "") -> Dict[str, str]:
    return sign_headers("GET", url, ak, sk, headers={"X-Security-Token": token} if token else {}, now=now, lower=True)


def test_cached_keys_keep_every_check() -> None:
    directory = Directory(Database(":memory:"))
    clock = Clock(1_700_000_000.0)
    iam = IAM(directory, temp_credential_ttl=900, clock=clock)
    gateway = Gateway(directory, iam, clock=clock)
    creds = directory.create_account("corp", password="pw")
    path = "/v1/x/training-jobs"
    url = "http://127.0.0.1:1" + path

    # permanent key: cached after the first request; a bad signature still locks it out
    good = _signed(url, creds.access_key, creds.secret_key, clock.now)
    gateway.authenticate("GET", path, "", good, b"")
    assert directory.access_key(creds.access_key) is not None
    bad = dict(good, host="elsewhere")
    for _ in range(6):
        with pytest.raises(IAMAuthenticationFailed, match="verify"):
            gateway.authenticate("GET", path, "", bad, b"")
    with pytest.raises(IAMAuthenticationFailed, match="reach the limit"):
        gateway.authenticate("GET", path, "", good, b"")

    # temporary key: needs its token and expires, cached or not
    token, _ = iam.password_login(login_body("corp", "pw"))
    temp = iam.temporary_credentials(token, {"auth": {"identity": {"methods": ["token"]}}})["credential"]
    with_token = _signed(url, temp["access"], temp["secret"], clock.now, temp["securitytoken"])
    assert gateway.authenticate("GET", path, "", with_token, b"").user_id == creds.user_id
    without = _signed(url, temp["access"], temp["secret"], clock.now)
    with pytest.raises(IAMAuthenticationFailed, match="X-Security-Token"):
        gateway.authenticate("GET", path, "", without, b"")
    clock.now += 901
    with pytest.raises(TokenMustBeUpdated):
        gateway.authenticate("GET", path, "", _signed(url, temp["access"], temp["secret"], clock.now, temp["securitytoken"]), b"")


def test_new_projects_and_keys_are_seen_at_once() -> None:
    directory = Directory(Database(":memory:"))
    creds = directory.create_account("corp", password="pw")
    assert directory.project_by_id(creds.project_id)["domain_id"] == creds.domain_id
    project_id = directory.add_project("second", account="corp")
    assert directory.project_by_id(project_id)["name"] == "second"
    user = directory.add_user("alice", account="corp")
    assert directory.access_key(user.access_key)["user_id"] == user.user_id
    again = directory.reissue(user.user_id, "new-password")
    assert directory.access_key(again.access_key)["secret_key"] == again.secret_key
