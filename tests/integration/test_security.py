"""Hostile and careless requests against the local gateway, and where secrets end up.

Every refusal is checked for its status and documented code, for not echoing a
secret, and for leaving the jobs untouched; after each one the right
credentials still work (which also resets the AK's failure count, so only
the lockout test locks anything).  Expiry and lockout are watched by moving
the service's clock (``LocalService.advance``), never by sleeping; the
module's advances add up to well under the 15 minute signature window.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import stat
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import attrs
import pytest

from fuzz_helpers import Snapshot, check_answer, create_body
from signing import GatewayClient, base_headers, sign_headers, temporary_credentials, token_for
from modelarts import exceptions as exc
from modelarts.local import Credentials, LocalService
from modelarts.session import Session

TTL = 10.0
LOCK = 10.0
MARGIN = 2.0  # more than the real seconds a few local requests take
ENGINES = "/v1/{p}/job/ai-engines"


class World:
    """The service, its main and foreign credentials, a job, and every secret handed out."""

    def __init__(self, service: LocalService) -> None:
        self.service = service
        self.main = service.credentials
        self.other = service.add_account("security-other")
        self.client = GatewayClient(service.endpoint, self.main)
        self.secrets: List[str] = [self.main.secret_key, self.main.password, self.other.secret_key, self.other.password]
        self.job: Dict[str, Any] = {"job_id": 0, "version_id": 0}
        body = json.dumps({**json.loads(create_body("guarded")), "job_desc": "mine"}).encode()
        self.job = self.client.request("POST", self.path("/v1/{p}/training-jobs"), data=body).json()
        assert self.job["is_success"], self.job

    def path(self, template: str, creds: Optional[Credentials] = None) -> str:
        return template.format(p=(creds or self.main).project_id, j=self.job["job_id"], v=self.job["version_id"])

    def token(self, creds: Credentials, project_id: Optional[str] = None) -> str:
        token = token_for(self.service.endpoint, creds, {"id": project_id or creds.project_id})
        self.secrets.append(token)
        return token

    def temporary(self) -> Credentials:
        temp = temporary_credentials(self.service.endpoint, self.main, token=self.token(self.main))
        self.secrets += [temp.secret_key, temp.security_token]
        return temp


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("security")
    with LocalService(data_dir, queue_delay=1e6, token_ttl=TTL, temp_credential_ttl=TTL, lockout_seconds=LOCK,
                      kill_jobs_on_close=True) as service:
        yield World(service)


def _tampered(world: World, change: str) -> Tuple[int, bytes]:
    """Sign one request, then send it with the body, query or a signed header changed."""
    path = world.path("/v1/{p}/training-jobs")
    signed_query, sent_query = "per_page=1", "per_page=1"
    method, signed_body, sent_body = "GET", b"", b""
    if change == "body":
        method, signed_body, sent_body = "PUT", b'{"job_desc": "mine"}', b'{"job_desc": "evil"}'
        path = world.path("/v1/{p}/training-jobs/{j}")
    elif change == "query":
        sent_query = "per_page=2"
    headers = sign_headers(method, f"{world.service.endpoint}{path}?{signed_query}", world.main.access_key,
                           world.main.secret_key, headers=base_headers(world.main), body=signed_body)
    if change == "header":
        headers["Content-Type"] = "application/json;charset=latin-1"
    response = world.client.http.request(method, f"{world.service.endpoint}{path}?{sent_query}", data=sent_body,
                                         headers=headers, timeout=30)
    return response.status_code, response.content


def _send(world: World, creds: Credentials, template: str = ENGINES, method: str = "GET", **kw: Any) -> Tuple[int, bytes]:
    """A request signed with ``creds`` on their own project (or ``project=``'s)."""
    path = world.path(template, kw.pop("project", creds))
    response = GatewayClient(world.service.endpoint, creds).request(method, path, **kw)
    return response.status_code, response.content


def _with_token(world: World, token: str, template: str = ENGINES, creds: Optional[Credentials] = None) -> Tuple[int, bytes]:
    client = GatewayClient(world.service.endpoint, creds or world.main, token=token)
    response = client.request("GET", world.path(template, creds))
    return response.status_code, response.content


def _expired_token(world: World) -> Tuple[int, bytes]:
    token = world.token(world.main)
    assert _with_token(world, token)[0] == 200
    world.service.advance(TTL - MARGIN)
    assert _with_token(world, token)[0] == 200, "refused before its expiry"
    world.service.advance(MARGIN + 0.5)
    return _with_token(world, token)


def _expired_temporary(world: World) -> Tuple[int, bytes]:
    temp = world.temporary()
    assert _send(world, temp)[0] == 200
    world.service.advance(TTL - MARGIN)
    assert _send(world, temp)[0] == 200, "refused before its expiry"
    world.service.advance(MARGIN + 0.5)
    return _send(world, temp)


now = lambda minutes: _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(minutes=minutes)  # noqa: E731
DETAIL = "/v1/{p}/training-jobs/{j}/versions/{v}"
CASES: List[Tuple[str, Callable[[World], Tuple[int, bytes]], int, str, str]] = [
    ("stale signature", lambda w: _send(w, w.main, now=now(-16)), 401, "APIGW.0301", "signature expired"),
    ("future signature", lambda w: _send(w, w.main, now=now(16)), 401, "APIGW.0301", "signature expired"),
    ("changed body", lambda w: _tampered(w, "body"), 401, "APIGW.0301", "verify aksk signature fail"),
    ("changed query", lambda w: _tampered(w, "query"), 401, "APIGW.0301", "verify aksk signature fail"),
    ("changed signed header", lambda w: _tampered(w, "header"), 401, "APIGW.0301", "verify aksk signature fail"),
    ("unknown AK", lambda w: _send(w, w.main, access_key="NOSUCHKEY00000000000"), 401, "APIGW.0301", "not exist"),
    ("wrong SK", lambda w: _send(w, w.main, secret_key="not-the-secret"), 401, "APIGW.0301", "signature fail"),
    ("no credentials", lambda w: _send(w, w.main, sign=False), 401, "APIGW.0301", "x-auth-token not found"),
    ("temporary AK without its token",
     lambda w: _send(w, attrs.evolve(w.temporary(), security_token="")), 401, "APIGW.0301", "X-Security-Token"),
    ("temporary AK with another token",
     lambda w: _send(w, w.temporary(), headers={"X-Security-Token": "forged"}), 401, "APIGW.0301", "X-Security-Token"),
    ("expired temporary AK", _expired_temporary, 401, "APIGW.0307", "expired"),
    ("forged token", lambda w: _with_token(w, "MIIforged"), 401, "APIGW.0301", "decrypt token fail"),
    ("expired token", _expired_token, 401, "APIGW.0307", "must be updated"),
    ("foreign token", lambda w: _with_token(w, w.token(w.other)), 403, "ModelArts.0210", "does not match"),
    ("other account's AK on my project", lambda w: _send(w, w.other, project=w.main), 403, "ModelArts.0210", ""),
    ("other account reads my job id", lambda w: _send(w, w.other, DETAIL), 400, "ModelArts.2775", "not found"),
    ("other account stops my job",
     lambda w: _send(w, w.other, DETAIL + "/stop", "POST"), 400, "ModelArts.2775", "not found"),
    ("other account renames my job", lambda w: _send(w, w.other, "/v1/{p}/training-jobs/{j}", "PUT",
                                                     data=b'{"job_desc": "pwned"}'), 400, "ModelArts.2775", ""),
    ("other account deletes my job",
     lambda w: _send(w, w.other, "/v1/{p}/training-jobs/{j}", "DELETE"), 400, "ModelArts.2775", ""),
    ("other account deletes my job via my project",
     lambda w: _send(w, w.other, "/v1/{p}/training-jobs/{j}", "DELETE", project=w.main), 403, "ModelArts.0210", ""),
]


@pytest.mark.parametrize("label, attack, status, code, fragment", CASES, ids=[c[0] for c in CASES])
def test_hostile_request_is_refused(world: World, label: str, attack: Callable[[World], Tuple[int, bytes]],
                                    status: int, code: str, fragment: str) -> None:
    snapshot = Snapshot(world.service.data_dir)
    before = snapshot.take()
    got_status, body = attack(world)
    assert check_answer(got_status, body) == code and got_status == status, (label, got_status, body)
    assert fragment in json.loads(body).get("error_msg", json.loads(body).get("error_message", "")), body
    assert not [s for s in world.secrets if s and s.encode() in body], f"{label}: a secret is echoed"
    assert snapshot.take() == before, f"{label} changed the job state"
    assert _send(world, world.main)[0] == 200  # the right keys still work (and reset the failure count)


def test_lockout_after_consecutive_failures_then_lifts(world: World) -> None:
    user = world.service.add_user("lockout-victim")
    world.secrets += [user.secret_key, user.password]
    assert _send(world, user)[0] == 200
    for _ in range(5):  # the gateway locks a key after *more than* 5 failures in a row
        assert _send(world, user, secret_key="guess")[0] == 401
    assert _send(world, user)[0] == 200, "5 failures must not lock yet; a success resets the count"
    for _ in range(6):
        assert _send(world, user, secret_key="guess")[0] == 401
    status, body = _send(world, user)  # the right secret, but locked
    assert status == 401 and check_answer(status, body) == "APIGW.0301" and b"reach the limit" in body
    assert _send(world, world.main)[0] == 200, "only the attacked AK is locked"
    world.service.advance(LOCK - MARGIN)
    status, body = _send(world, user)
    assert status == 401 and b"reach the limit" in body, "the lock lifted early"
    world.service.advance(MARGIN + 0.5)
    assert _send(world, user)[0] == 200, "the lock did not lift"


def test_secrets_stay_out_of_debug_logs_errors_and_world_readable_files(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the SDK's and the in-process service's loggers, urllib3's too
    endpoints = {"MA_ENDPOINT": world.service.endpoint, "IAM_ENDPOINT": world.service.endpoint}
    temp = world.temporary()
    main = world.main
    sessions = [
        Session(access_key=main.access_key, secret_key=main.secret_key, project_id=main.project_id,
                region_name=main.region_name, environ=endpoints),
        Session(username=main.username, password=main.password, account=main.account, project_id=main.project_id,
                region_name=main.region_name, environ=endpoints),
        Session(access_key=temp.access_key, secret_key=temp.secret_key, security_token=temp.security_token,
                project_id=main.project_id, region_name=main.region_name, environ=endpoints),
    ]
    texts: List[str] = []
    for session in sessions:
        texts.append(json.dumps(session.request("GET", world.path("/v1/{p}/training-jobs"))))
        texts += [repr(session), repr(session._http_auth)]
    world.secrets.append(sessions[1]._token._token or "")  # the IAM token the password session got
    failures: List[Any] = [
        lambda: Session(access_key=main.access_key, secret_key="wrong-" + main.secret_key, project_id=main.project_id,
                        region_name=main.region_name, environ=endpoints).request("GET", world.path(ENGINES)),
        lambda: Session(username=main.username, password="wrong-" + main.password, project_id=main.project_id,
                        region_name=main.region_name, environ=endpoints).request("GET", world.path(ENGINES)),
    ]
    for fail in failures:
        with pytest.raises(exc.AuthenticationError) as info:
            fail()
        texts += [str(info.value), repr(info.value), json.dumps(info.value.to_dict())]
    texts.append(caplog.text)
    names = {record.name for record in caplog.records}
    assert {"modelarts.auth", "modelarts.http", "modelarts.local.server"} <= names, f"DEBUG logs not captured: {names}"
    assert len(world.secrets) >= 8  # SKs, passwords, IAM tokens, a temporary SK and its security token
    leaks = [s for s in world.secrets if s and any(s in text or ("wrong-" + s) in text for text in texts)]
    assert not leaks, "secrets in logs, answers or error messages"

    data_dir = world.service.data_dir
    assert stat.S_IMODE(os.stat(data_dir).st_mode) == 0o700
    private = ["credentials.ini", "state.db", "state.db-wal", "state.db-shm"]
    private += [f"users/{name}" for name in os.listdir(data_dir / "users")]
    for name in private:
        if (data_dir / name).exists():
            assert stat.S_IMODE(os.stat(data_dir / name).st_mode) & 0o077 == 0, f"{name} is readable by others"
    for root, _dirs, files in os.walk(data_dir):
        for name in files:
            path = os.path.join(root, name)
            if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
                with open(path, "rb") as handle:
                    content = handle.read()
                assert not [s for s in world.secrets if s and s.encode() in content], f"{path} holds a secret"
