"""The SDK never follows a redirect: credentials never reach another host."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from faultserver import Answer, FaultServer, token_answer
from modelarts import exceptions as exc
from modelarts.session import Session

JOBS = "/v1/p1/training-jobs"
REFUSED = getattr(exc, "RedirectRefusedError", exc.ModelArtsError)


@pytest.fixture
def servers() -> Iterator[Any]:
    with FaultServer() as endpoint, FaultServer() as elsewhere:
        yield endpoint, elsewhere


def _session(url: str, **kw: Any) -> Session:
    return Session(
        project_id="p1", region_name="cn-north-4", environ={"MA_ENDPOINT": url, "IAM_ENDPOINT": url},
        timeout=(1.0, 2.0), retries=1, backoff_factor=0.01, **kw,
    )


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_signed_call_redirect_is_refused(servers: Any, status: int, method: str) -> None:
    endpoint, elsewhere = servers
    endpoint.script(method, JOBS, Answer(status, "", headers={"Location": elsewhere.url + JOBS}))
    elsewhere.script(method, JOBS, Answer(200, {"is_success": True}))
    session = _session(endpoint.url, access_key="AK1", secret_key="SK1", security_token="ST-secret")
    with pytest.raises(REFUSED) as info:
        session.request(method, JOBS, json={"job_name": "x"} if method == "POST" else None)
    assert elsewhere.hits == [], "a redirected request reached the other host"
    assert str(status) in str(info.value) and elsewhere.url in str(info.value)


def test_password_login_redirect_is_refused(servers: Any) -> None:
    endpoint, elsewhere = servers
    endpoint.script("POST", "/v3/auth/tokens", Answer(307, "", headers={"Location": elsewhere.url + "/v3/auth/tokens"}))
    elsewhere.script("POST", "/v3/auth/tokens", token_answer("tok"))
    session = _session(endpoint.url, username="u", password="hunter2-password", account="acc")
    with pytest.raises(REFUSED):
        session.request("GET", JOBS)
    assert elsewhere.hits == []


def test_token_call_redirect_is_refused(servers: Any) -> None:
    endpoint, elsewhere = servers
    endpoint.script("POST", "/v3/auth/tokens", token_answer("tok-123"))
    endpoint.script("GET", JOBS, Answer(302, "", headers={"Location": elsewhere.url + JOBS}))
    session = _session(endpoint.url, username="u", password="pw", account="acc")
    with pytest.raises(REFUSED):
        session.request("GET", JOBS)
    assert elsewhere.hits == []
