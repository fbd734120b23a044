"""The shared test helpers themselves: the one poll (tests/polling.py) and the one gateway signer (tests/signing.py)."""

from __future__ import annotations

import datetime as _dt
import itertools

import attrs
import pytest
from polling import describe, wait_for
from signing import GatewayClient, base_headers, login_body, sign_headers, signed_by

from modelarts import signer
from modelarts.local import Credentials

CREDS = Credentials(account="corp", username="corp", password="pw", access_key="AK1", secret_key="SK1",
                    project_id="p1", region_name="local-1", user_id="u1", domain_id="d1")
NOW = _dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=_dt.timezone.utc)


def test_wait_for_returns_the_first_truthy_value() -> None:
    answers = iter([None, 0, "", {"status": 8}])
    assert wait_for(lambda: next(answers), timeout=5, interval=0) == {"status": 8}


def test_wait_for_says_what_it_waited_for_and_the_last_value() -> None:
    calls = itertools.count()
    with pytest.raises(AssertionError) as info:
        wait_for(lambda: next(calls) < 0, timeout=-1)
    text = str(info.value)
    assert "next(calls) < 0" in text and "test_test_helpers.py:" in text and "last value False" in text
    with pytest.raises(AssertionError, match=r"waiting for the job to run \(last value None\)"):
        wait_for(lambda: None, timeout=-1, what="the job to run")
    with pytest.raises(AssertionError, match="waiting for log tail: boom"):
        wait_for(lambda: None, timeout=-1, what=lambda: "log tail: boom")


def test_describe_names_plain_functions_too() -> None:
    assert "def test_describe_names_plain_functions_too" in describe(test_describe_names_plain_functions_too)
    assert describe(len) == "len"


def test_sign_headers_is_the_sdk_signature_with_options() -> None:
    url = "http://127.0.0.1:1/v1/p1/training-jobs?per_page=1"
    headers = sign_headers("GET", url, "AK1", "SK1", headers=base_headers(CREDS), now=NOW)
    expected = dict(base_headers(CREDS), **signer.sign("GET", url, base_headers(CREDS), b"", "AK1", "SK1", now=NOW))
    assert headers == expected and headers["X-Sdk-Date"] == "20260102T030405Z"
    assert sign_headers("GET", url, "AK1", "SK1", headers=base_headers(CREDS), now=NOW.timestamp()) == expected
    lowered = sign_headers("GET", url, "AK1", "SK1", now=NOW, lower=True)
    assert set(lowered) == {"host", "x-sdk-date", "authorization"}
    only_host = sign_headers("GET", url, "AK1", "SK1", now=NOW, signed=["host"])
    assert "SignedHeaders=host," in only_host["Authorization"]


def test_base_headers_carry_a_temporary_keys_token() -> None:
    assert "X-Security-Token" not in base_headers(CREDS)
    assert base_headers(attrs.evolve(CREDS, security_token="STS"), {"X-Extra": "1"})["X-Security-Token"] == "STS"


@attrs.frozen
class _Received:
    method: str
    path: str
    headers: dict
    body: bytes


def test_signed_by_finds_the_key_that_signed_and_nothing_else() -> None:
    body = b'{"a": 1}'
    headers = sign_headers("POST", "http://h:1/v1/p1/x?q=1", "AK2", "SK2", headers={"Content-Type": "application/json"},
                           body=body)
    secrets = {"AK1": "SK1", "AK2": "SK2"}
    assert signed_by(_Received("POST", "/v1/p1/x?q=1", headers, body), secrets) == "AK2"
    assert signed_by(_Received("POST", "/v1/p1/x?q=1", headers, b"{}"), secrets) == ""  # another body
    assert signed_by(_Received("POST", "/v1/p1/x?q=1", headers, body), {"AK2": "wrong"}) == ""
    assert signed_by(_Received("GET", "/", {}, b""), secrets) == ""  # unsigned


def test_gateway_client_fills_in_the_project_and_leaves_other_braces() -> None:
    client = GatewayClient("http://127.0.0.1:1/", CREDS)
    assert client.url("/v1/{project_id}/training-jobs") == "http://127.0.0.1:1/v1/p1/training-jobs"
    assert client.url("/v1/{x}/a") == "http://127.0.0.1:1/v1/{x}/a"  # fuzzed paths go out as they are
    assert client.http.trust_env is False


def test_login_body_is_the_documented_password_login() -> None:
    assert login_body("alice", "pw") == {"auth": {"identity": {"methods": ["password"],
                                                               "password": {"user": {"name": "alice", "password": "pw"}}}}}
    scoped = login_body("alice", "pw", "corp", {"id": "p1"})["auth"]
    assert scoped["identity"]["password"]["user"]["domain"] == {"name": "corp"}
    assert scoped["scope"] == {"project": {"id": "p1"}}


def test_gateway_client_sends_the_project_a_test_switched_to() -> None:
    sent = []
    client = GatewayClient("http://127.0.0.1:1", CREDS)
    client.http.send = lambda prepared, **kw: sent.append(prepared)  # type: ignore[method-assign]
    client.project_id = "p2"
    client.get("/v1/{project_id}/training-jobs", headers={"X-Extra": "1"})
    assert sent[0].url == "http://127.0.0.1:1/v1/p2/training-jobs" and sent[0].headers["X-Project-Id"] == "p2"
    assert sent[0].headers["X-Extra"] == "1" and sent[0].headers["Authorization"].startswith("SDK-HMAC-SHA256 ")
