"""The SDK over real HTTP against a server that misbehaves on purpose (loopback only).

Every transport failure must become a typed :mod:`modelarts.exceptions` error
(with the ``requests`` exception as ``__cause__``); idempotent calls are
retried with capped, jittered backoff; job creation is never re-sent once the
server has seen it; expired tokens and temporary keys are renewed unnoticed.
"""

from __future__ import annotations

import os
import time
from typing import Any, Iterator, List

import pytest
import requests
import urllib3.util.retry

from faultserver import Answer, FaultServer, Hit, closed_port, gaps, gateway_error, token_answer
from modelarts import exceptions as exc
from modelarts.session import Session
from polling import wait_for
from signing import signed_by

JOBS = "/v1/p1/training-jobs"
JOB = "/v1/p1/training-jobs/42"
OK = {"is_success": True}
CREATE = {"job_name": "j1", "config": {"worker_server_num": 1}}
HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"
PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")

@pytest.fixture(autouse=True)
def _no_proxy_no_overrides(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in PROXIES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(Session, "_overrides", {})
    yield


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


def session(url: str, *, retries: int = 2, backoff: float = 0.01, read: float = 2.0, **kw: Any) -> Session:
    kw.setdefault("access_key", "AK1")
    kw.setdefault("secret_key", "SK1")
    return Session(
        project_id="p1", region_name="cn-north-4", environ={"MA_ENDPOINT": url, "IAM_ENDPOINT": url},
        timeout=(1.0, read), retries=retries, backoff_factor=backoff, **kw,
    )


def raises(kind: type, call: Any, *args: Any, **kw: Any) -> Any:
    with pytest.raises(kind) as info:
        call(*args, **kw)
    return info.value


# -- transport errors ---------------------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_connection_refused_is_a_connection_error_with_its_cause(method: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    err = raises(exc.ConnectionError, session(url).request, method, JOBS, json=CREATE if method == "POST" else None)
    assert isinstance(err.__cause__, requests.ConnectionError)
    assert "127.0.0.1" in str(err) and time.monotonic() - started < 5


def test_read_timeout_on_get_is_a_timeout_error_after_retries(server: FaultServer) -> None:
    server.script("GET", JOBS, Answer(200, OK, delay=3.0))
    started = time.monotonic()
    err = raises(exc.TimeoutError, session(server.url, retries=2, read=0.2).request, "GET", JOBS)
    assert isinstance(err.__cause__, requests.RequestException)
    assert isinstance(err, TimeoutError)  # also the builtin, for `except TimeoutError`
    assert 0.6 <= time.monotonic() - started < 3.0
    wait_for(lambda: server.count("GET", JOBS) >= 3, timeout=10)  # the last one may still be being recorded
    assert server.count("GET", JOBS) == 3


def test_read_timeout_on_create_is_never_resent(server: FaultServer) -> None:
    server.script("POST", JOBS, Answer(200, {"job_id": 1}, delay=3.0))
    err = raises(exc.TimeoutError, session(server.url, retries=3, read=0.2).request, "POST", JOBS, json=CREATE)
    assert isinstance(err.__cause__, requests.Timeout)
    # The server records a request once it has read it, which on a loaded machine can
    # come after the client's 0.2 s timeout: wait for the record, then count.
    wait_for(lambda: server.count("POST", JOBS) >= 1, timeout=10)
    assert server.count("POST", JOBS) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_dropped_connection_is_retried_only_when_idempotent(server: FaultServer, method: str) -> None:
    server.script(method, JOBS, Answer(drop=True))
    err = raises(exc.ConnectionError, session(server.url, retries=2).request, method, JOBS, json=CREATE)
    assert isinstance(err.__cause__, requests.ConnectionError)
    assert server.count(method, JOBS) == (3 if method == "GET" else 1)


def test_truncated_body_is_an_invalid_response_with_its_cause(server: FaultServer) -> None:
    server.script("GET", JOB, Answer(200, {"is_success": True, "job_name": "x" * 200}, truncate=True))
    err = raises(exc.InvalidResponseError, session(server.url).request, "GET", JOB)
    assert isinstance(err.__cause__, requests.RequestException)
    assert "GET" in str(err) and JOB in str(err)


def test_non_json_200_is_an_invalid_response_naming_the_body(server: FaultServer) -> None:
    server.script("GET", JOB, Answer(200, "<html>maintenance</html>"))
    err = raises(exc.InvalidResponseError, session(server.url).request, "GET", JOB)
    assert "not JSON" in str(err) and "maintenance" in str(err)
    assert server.count("GET", JOB) == 1


def test_html_502_from_a_proxy_is_a_server_error_after_retries(server: FaultServer) -> None:
    server.script("GET", JOB, Answer(502, HTML_502))
    err = raises(exc.ServerError, session(server.url, retries=2).request, "GET", JOB)
    assert err.status_code == 502 and err.error_code == "HTTP.502" and "Bad Gateway" in err.error_msg
    assert "<html>" not in err.error_msg or len(err.error_msg) <= 200
    assert server.count("GET", JOB) == 3


def test_html_502_on_create_is_not_resent(server: FaultServer) -> None:
    server.script("POST", JOBS, Answer(502, HTML_502))
    err = raises(exc.ServerError, session(server.url, retries=3).request, "POST", JOBS, json=CREATE)
    assert err.status_code == 502 and server.count("POST", JOBS) == 1


# -- retries, backoff, Retry-After ----------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_503_then_200_is_retried_for_idempotent_methods(server: FaultServer, method: str) -> None:
    server.script(method, JOB, gateway_error(503, "APIGW.0201", "Backend unavailable"), Answer(200, OK))
    assert session(server.url).request(method, JOB, json={"job_desc": "d"} if method == "PUT" else None) == OK
    assert server.count(method, JOB) == 2


def test_post_marked_idempotent_is_retried(server: FaultServer) -> None:
    server.script("POST", JOBS, gateway_error(503, "APIGW.0201", "Backend unavailable"), Answer(200, OK))
    assert session(server.url).request("POST", JOBS, json={"q": 1}, idempotent=True) == OK
    assert server.count("POST", JOBS) == 2


def test_503_on_create_is_not_resent(server: FaultServer) -> None:
    server.script("POST", JOBS, gateway_error(503, "APIGW.0201", "Backend unavailable"), Answer(200, OK))
    err = raises(exc.ServerError, session(server.url, retries=3).request, "POST", JOBS, json=CREATE)
    assert err.error_code == "APIGW.0201" and server.count("POST", JOBS) == 1


def test_backoff_grows_exponentially_with_bounded_jitter(server: FaultServer) -> None:
    server.script("GET", JOB, gateway_error(503, "APIGW.0201", "Backend unavailable"))
    factor = 0.1
    err = raises(exc.ServerError, session(server.url, retries=3, backoff=factor).request, "GET", JOB)
    assert err.status_code == 503
    hits = server.calls("GET", JOB)
    assert len(hits) == 4
    waits = gaps(hits)
    # urllib3: no sleep before the first retry, then factor * 2**(n-1) plus jitter in [0, factor).
    for wait, base in zip(waits, (0.0, 0.2, 0.4)):
        assert base - 0.02 <= wait <= base + factor + 0.3, waits


def test_429_retry_after_is_honoured(server: FaultServer) -> None:
    server.script("GET", JOBS, gateway_error(429, "APIGW.0308", "The throttling threshold has been reached.",
                                             **{"Retry-After": "1"}), Answer(200, OK))
    assert session(server.url).request("GET", JOBS) == OK
    (wait,) = gaps(server.calls("GET", JOBS))
    assert 0.9 <= wait < 3.0


class _RetryClock:
    """urllib3's retry module's ``time``: records the waits it asks for instead of waiting them."""

    def __init__(self) -> None:
        self.slept: List[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def test_429_retry_after_is_capped(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _RetryClock()
    monkeypatch.setattr(urllib3.util.retry, "time", clock)
    server.script("GET", JOBS, gateway_error(429, "APIGW.0308", "throttled", **{"Retry-After": "3600"}))
    err = raises(exc.ThrottledError, session(server.url, retries=1).request, "GET", JOBS)
    assert err.retry_after == 3600.0 and err.error_code == "APIGW.0308"
    assert clock.slept == [8.0]  # one wait before the one retry, capped at 8 s, not an hour
    assert server.count("GET", JOBS) == 2


def test_429_on_create_is_not_resent_and_carries_the_hint(server: FaultServer) -> None:
    server.script("POST", JOBS, gateway_error(429, "ModelArts.2799", "Too many requests", **{"Retry-After": "2"}))
    started = time.monotonic()
    err = raises(exc.ThrottledError, session(server.url, retries=3).request, "POST", JOBS, json=CREATE)
    assert err.retry_after == 2.0 and server.count("POST", JOBS) == 1
    assert time.monotonic() - started < 1.5


# -- renewing credentials -------------------------------------------------------------------
def _token_gate(hit: Hit) -> Answer:
    if hit.headers.get("X-Auth-Token") == "T1":
        return gateway_error(401, "APIGW.0307", "The token must be updated.")
    return Answer(200, {"is_success": True, "token": hit.headers.get("X-Auth-Token")})


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_expired_token_is_renewed_and_the_call_resent_once(server: FaultServer, method: str) -> None:
    server.script("POST", "/v3/auth/tokens", token_answer("T1"), token_answer("T2"))
    server.script(method, JOBS, _token_gate)
    ses = session(server.url, access_key=None, secret_key=None, username="acct", password="pw-secret")
    assert ses.request(method, JOBS, json=CREATE if method == "POST" else None) == {"is_success": True, "token": "T2"}
    assert server.count("POST", "/v3/auth/tokens") == 2
    assert [h.headers.get("X-Auth-Token") for h in server.calls(method, JOBS)] == ["T1", "T2"]


def test_token_refused_twice_is_an_authentication_error_not_a_loop(server: FaultServer) -> None:
    server.script("POST", "/v3/auth/tokens", token_answer("T1"))
    server.script("GET", JOBS, _token_gate)
    ses = session(server.url, access_key=None, secret_key=None, username="acct", password="pw-secret")
    err = raises(exc.AuthenticationError, ses.request, "GET", JOBS)
    assert err.error_code == "APIGW.0307" and server.count("GET", JOBS) == 2


def _write_keys(path: str, n: int, expires: str = "") -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"[default]\ndefault_access_key_id = TAK{n}\ndefault_secret_access_key = TSK{n}\n"
                     f"default_security_token = STS{n}\ndefault_user_id = u1\n")
        if expires:
            handle.write(f"default_expires_at = {expires}\n")


def test_expired_temporary_keys_are_reread_and_the_call_resent(server: FaultServer, tmp_path: Any) -> None:
    path = str(tmp_path / "credentials")
    _write_keys(path, 1)

    def gate(hit: Hit) -> Answer:
        if signed_by(hit, {"TAK1": "TSK1", "TAK2": "TSK2"}) == "TAK2" and hit.headers["X-Security-Token"] == "STS2":
            return Answer(200, OK)
        _write_keys(path, 2)  # the platform rotates the file as the old keys expire
        return gateway_error(401, "APIGW.0301", "Incorrect IAM authentication information: token expires")

    server.script("GET", JOBS, gate)
    ses = Session(project_id="p1", region_name="cn-north-4", timeout=(1.0, 2.0), retries=0,
                  environ={"MA_ENDPOINT": server.url, "CREDENTIAL_PROFILES_FILE": path})
    assert ses.request("GET", JOBS) == OK
    assert [signed_by(h, {"TAK1": "TSK1", "TAK2": "TSK2"}) for h in server.calls("GET", JOBS)] == ["TAK1", "TAK2"]


def test_keys_past_their_expiry_are_reread_before_sending(server: FaultServer, tmp_path: Any) -> None:
    path = str(tmp_path / "credentials")
    _write_keys(path, 1, expires="2000-01-01T00:00:00Z")
    server.script("GET", JOBS, lambda hit: Answer(200, {"ak": signed_by(hit, {"TAK1": "TSK1", "TAK2": "TSK2"})}))
    ses = Session(project_id="p1", region_name="cn-north-4", timeout=(1.0, 2.0), retries=0,
                  environ={"MA_ENDPOINT": server.url, "CREDENTIAL_PROFILES_FILE": path})
    assert ses.request("GET", JOBS) == {"ak": "TAK1"}
    stat = os.stat(path)
    _write_keys(path, 2)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: only the expiry says "re-read"
    assert ses.request("GET", JOBS) == {"ak": "TAK2"}
    assert server.count("GET", JOBS) == 2


# -- through the Estimator layer ---------------------------------------------------------------
def test_estimator_fit_is_not_resent_but_stop_is_retried(server: FaultServer) -> None:
    from modelarts.estimator import Estimator
    from modelarts.job import TrainingJob
    from modelarts.states import JobState

    server.script("POST", JOBS, gateway_error(503, "APIGW.0201", "Backend unavailable"), Answer(200, {"job_id": 1}))
    estimator = Estimator(session(server.url, retries=3), train_instance_count=1, train_instance_type=1,
                          output_path="/b/out/", code_dir="/b/src/", boot_file="/b/src/boot.py")
    with pytest.raises(exc.ServerError):
        estimator.fit(inputs="/b/data/", job_name="j1")
    assert server.count("POST", JOBS) == 1  # creation went out once, and once only

    detail = "/v1/p1/training-jobs/1/versions/2"
    version = {"is_success": True, "job_id": 1, "version_id": 2, "job_name": "j1"}
    server.script("GET", detail, Answer(200, {**version, "status": 9}))
    server.script("POST", detail + "/stop", gateway_error(503, "APIGW.0201", "Backend unavailable"), Answer(200, OK))
    result = TrainingJob(session(server.url, retries=3), 1, 2).stop()
    # stop() is the POST (retried once past the 503), then one GET to report the state: no pre-check
    assert result["status"] is JobState.KILLING and server.count("POST", detail + "/stop") == 2
    assert server.count("GET", detail) == 1
