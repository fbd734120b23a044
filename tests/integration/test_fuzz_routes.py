"""Fuzz every route of the local service with properly signed requests (hypothesis).

Path parameters, query strings, bodies and headers are drawn from strategies
that mix valid values with malformed JSON, wrong types, huge and negative
numbers, unicode (lone surrogates included), path traversal and oversized
bodies.  Every answer must satisfy :func:`fuzz_helpers.check_answer` (no 5xx,
no traceback, documented refusal codes) and a refused POST/PUT/DELETE must
leave the jobs and versions tables exactly as they were.

The quick profile runs > 10,000 cases (``MODELARTS_FUZZ_SCALE`` scales it);
jobs created by valid fuzz cases stay queued (``queue_delay`` is huge), so no
process is ever started and the run is bounded by the request count.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_helpers import (
    SCALE, TOTALS, Snapshot, check, check_answer, create_body, fuzz_settings, integrity_ok, raw_send,
)
from modelarts import rules
from signing import GatewayClient, base_headers, sign_headers
from modelarts.local import LocalService
from modelarts.local.routes import ROUTES

pytestmark = pytest.mark.slow  # > 10,000 requests: handed out first under xdist (conftest.py)

MAX_BODY = 64 * 1024
SEEDS = 4
RAN: Set[str] = set()
SNAPSHOTS: Dict[Path, Snapshot] = {}
START: Dict[str, int] = {}

# -- strategies (the known-nasty values come first: hypothesis favours early branches) ----------------------
NASTY_TEXT = ["\ud800", "9" * 5000, "..", "../../state.db", "%2e%2e%2f", "\x00", "²", "٣", "1e3", " 1", "-0", "0x10",
              "", "\u202e", "a" * 5000, "job-seed0.0/../x", "NaN", str(-rules.LONG_MAX - 2)]
NASTY_SEGMENTS = ["0", "-1", "..", "%2e%2e", "..%2F..%2Fstate.db", "%00", "1%2F2", "%C2%B2", "%D9%A3", "1.0",
                  str(rules.LONG_MAX + 1), "9" * 5000, "%ED%A0%80", "1%20", "%FF"]
NASTY_BODIES = [b"", b"{", b"NaN", b'{"a": NaN}', b"[1e400]", b'{"job_desc": "\\ud800"}', b"\xff\xfe",
                b"[" * 3000 + b"]" * 3000, b'{"config": {"pre_version_id": 1}}', b"null", b'"x"', b"[]", b"{}",
                b'{"job_name": "n", "config": {"worker_server_num": ' + b"9" * 5000 + b"}}",
                b'{"job_desc": {"a": [1, {"b": null}]}}', b'{"config": {"pre_version_id": 99999999999999999999}}',
                b'{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "\\ud800", '
                b'"password": "\\ud800", "domain": {"name": "\\ud800"}}}}}}']
HUGE = st.one_of(st.integers(min_value=rules.LONG_MAX - 1, max_value=2**80), st.integers(min_value=-2**80, max_value=-1))
JUNK_TEXT = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=12))
JSON_SCALAR = st.one_of(JUNK_TEXT, HUGE, st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False))
JSON_ANY = st.recursive(JSON_SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                             st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                        max_leaves=8)
SEGMENT = st.one_of(st.sampled_from(NASTY_SEGMENTS), st.integers(min_value=1, max_value=SEEDS + 2).map(str),
                    HUGE.map(str), st.text(max_size=10).map(lambda s: quote(s, safe="")))
OBS_PATH = st.one_of(st.sampled_from(["/../etc/passwd", "/fuzz/../../state.db", "obs://fuzz/src/../..", "/fuzz\\..\\x",
                                      "//", "/", "/fuzz/\x00", "s3://", "relative/path", "/fuzz/src/", "/fuzz/data/"]),
                     JUNK_TEXT, JSON_ANY)
CONFIG_FIELDS = {
    "worker_server_num": st.one_of(st.integers(-3, 6), HUGE, JSON_ANY), "spec_id": st.one_of(st.integers(-1, 9), JSON_ANY),
    "engine_id": st.one_of(st.integers(-1, 9), HUGE, JSON_ANY), "model_id": st.one_of(st.integers(-1, 9), JSON_ANY),
    "app_url": OBS_PATH, "boot_file_url": OBS_PATH, "data_url": OBS_PATH, "train_url": OBS_PATH, "log_url": OBS_PATH,
    "parameter": JSON_ANY, "data_source": JSON_ANY, "dataset_id": JSON_ANY, "dataset_version_id": JSON_ANY,
    "pool_id": JSON_ANY, "user_image_url": JSON_ANY, "user_command": JSON_ANY, "volumes": JSON_ANY,
    "create_version": JSON_ANY, "pre_version_id": st.one_of(st.integers(-1, SEEDS + 2), HUGE, JSON_ANY),
}
NAME = st.one_of(JUNK_TEXT, st.from_regex(rules.JOB_NAME.pattern, fullmatch=True), JSON_SCALAR)


@st.composite
def create_bodies(draw: Any) -> bytes:
    """A valid create body with a few fields replaced, removed or added."""
    body: Dict[str, Any] = json.loads(create_body("placeholder"))
    body["job_name"] = draw(NAME)
    for key in draw(st.lists(st.sampled_from(sorted(CONFIG_FIELDS)), max_size=3, unique=True)):
        if draw(st.booleans()):
            body["config"][key] = draw(CONFIG_FIELDS[key])
        else:
            body["config"].pop(key, None)
    for key, strategy in (("job_desc", JUNK_TEXT), ("workspace_id", JSON_ANY), ("config", JSON_ANY)):
        if draw(st.integers(0, 3)) == 0:
            body[key] = draw(strategy)
    return json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


BODIES = st.one_of(
    st.sampled_from(NASTY_BODIES), create_bodies(), JSON_ANY.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=48), st.fixed_dictionaries({"job_desc": JSON_ANY}).map(lambda v: json.dumps(v).encode()),
    st.builds(lambda key, value: json.dumps({"auth": {"identity": {key: value}}}).encode(),
              st.sampled_from(["methods", "password", "token"]), JSON_ANY),
)
QUERY_NAMES = ["status", "per_page", "page", "sortBy", "sort_by", "order", "search_content", "log_file", "base_line",
               "lines", "job_type", "name", "workspace_id"]
QUERY_KEYS = st.sampled_from(QUERY_NAMES)
QUERY = st.lists(st.tuples(st.one_of(QUERY_KEYS, st.text(max_size=4)),
                           st.one_of(JUNK_TEXT, st.sampled_from(["job-seed0.0", "job-seed1.0", "../job-seed0.0", "asc",
                                                                 "desc"]), HUGE.map(str), st.integers(-5, 1200).map(str))
                           .map(lambda v: v.encode("utf-8", "surrogatepass"))),
                 max_size=4)


GROUPS = ("project_id", "job_id", "version_id", "task_id")


def _fill(pattern: str, values: Dict[str, str]) -> str:
    """A route pattern with its named groups replaced by ``values``."""
    path = pattern.replace("\\.", ".")
    for group, value in values.items():
        path = path.replace(f"(?P<{group}>[^/]+)", value)
    return path


def _path_for(pattern: str, draw: Any, seeds: Dict[str, str]) -> str:
    """Mostly real ids, sometimes junk (or another account's project)."""
    other = st.just(seeds["other_project"])
    return _fill(pattern, {g: draw(st.one_of(st.just(seeds[g]), st.just(seeds[g]), SEGMENT,
                                             other if g == "project_id" else SEGMENT), label=g)
                           for g in GROUPS if f"<{g}>" in pattern})


# -- the service -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[LocalService, GatewayClient, Dict[str, str]]]:
    data_dir = tmp_path_factory.mktemp("fuzz-service")
    options = dict(queue_delay=1e6, lockout_threshold=10**9, max_body_bytes=MAX_BODY)
    with LocalService(data_dir, stop_grace=0.5, kill_jobs_on_close=True, **options) as service:
        other = service.add_account("fuzz-other")
        client = GatewayClient(service.endpoint, service.credentials)
        for n in range(SEEDS):
            check(client.request("POST", f"/v1/{service.credentials.project_id}/training-jobs",
                                 data=create_body(f"seed{n}")))
        seeds = {"project_id": service.credentials.project_id, "job_id": "1", "version_id": "1",
                 "task_id": "worker-0", "other_project": other.project_id}
        START.update(TOTALS)
        SNAPSHOTS[service.data_dir] = Snapshot(service.data_dir, keep_open=True)  # re-read only after a commit
        try:
            yield service, client, seeds
        finally:
            SNAPSHOTS.pop(service.data_dir).close()
        assert integrity_ok(data_dir)


def _cases(iam: bool) -> List[Any]:
    return [pytest.param(method, pattern, kind, id=f"{method} {pattern.split(')')[-1] or pattern}")
            for method, pattern, _handler, kind in ROUTES if (kind == "iam") == iam]


def _send_checked(service: LocalService, client: GatewayClient, method: str, path: str, kind: str, params: Any = None,
                  body: Any = None) -> None:
    """One request; its answer checked; a refused write must not change the job state."""
    snapshot = SNAPSHOTS[service.data_dir]
    before = snapshot.take() if method != "GET" else None
    response = client.request(method, path, params=params, data=body)
    refused = check(response, iam=kind == "iam")
    if before is not None and refused is not None:
        assert snapshot.take() == before, f"refused {method} {path} ({refused}) changed the job state"


def _fuzz_route(fuzz: Any, method: str, pattern: str, kind: str, data: Any) -> None:
    service, client, seeds = fuzz
    RAN.add(f"{method} {pattern}")
    path = _path_for(pattern, data.draw, seeds)
    if data.draw(st.integers(0, 9), label="method swap") == 0:
        method = data.draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]))
    params = data.draw(QUERY, label="query")
    body = data.draw(BODIES, label="body") if method in ("POST", "PUT") or data.draw(st.booleans()) else None
    _send_checked(service, client, method, path, kind, params, body)


@pytest.mark.parametrize("method, pattern, kind", _cases(iam=False) + _cases(iam=True))
def test_route_corpus_of_known_nasty_inputs(fuzz: Any, method: str, pattern: str, kind: str) -> None:
    """Each known-nasty value in each slot of the route (ids, body, config fields, query), deterministically."""
    service, client, seeds = fuzz
    RAN.add(f"corpus {method} {pattern}")
    base = {g: seeds[g] for g in GROUPS}
    plain = b"{}" if method in ("POST", "PUT") else None
    for group in (g for g in GROUPS if f"<{g}>" in pattern):
        for segment in NASTY_SEGMENTS:
            _send_checked(service, client, method, _fill(pattern, {**base, group: segment}), kind, body=plain)
    path = _fill(pattern, base)
    if method in ("POST", "PUT"):
        bodies = list(NASTY_BODIES) + [json.dumps({"job_desc": t}).encode("utf-8", "surrogatepass") for t in NASTY_TEXT]
        for key in sorted(CONFIG_FIELDS):
            values: List[Any] = [*NASTY_TEXT, 2**64, -1, 1.5, [], {}, True, None]
            for value in values:
                body = json.loads(create_body(f"corpus-{key}"))
                body["config"][key] = value
                bodies.append(json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        for body in bodies:
            _send_checked(service, client, method, path, kind, body=body)
    for name in QUERY_NAMES:
        known = [("log_file", "job-seed0.0")] if "aom-log" in pattern and name != "log_file" else []
        for text in NASTY_TEXT:
            params = known + [(name, text.encode("utf-8", "surrogatepass"))]
            _send_checked(service, client, method, path, kind, params=params, body=plain)


@pytest.mark.parametrize("method, pattern, kind", _cases(iam=False))
@fuzz_settings(400)
@given(data=st.data())
def test_modelarts_route_survives_fuzzed_requests(fuzz: Any, method: str, pattern: str, kind: str, data: Any) -> None:
    _fuzz_route(fuzz, method, pattern, kind, data)


@pytest.mark.parametrize("method, pattern, kind", _cases(iam=True))
@fuzz_settings(200)  # each IAM login hashes a password: fewer, slower cases
@given(data=st.data())
def test_iam_route_survives_fuzzed_requests(fuzz: Any, method: str, pattern: str, kind: str, data: Any) -> None:
    _fuzz_route(fuzz, method, pattern, kind, data)


HEADER_GAMES = st.sampled_from(["drop", "duplicate", "replace", "chunked", "content-length"])
HEADER_NAMES = st.sampled_from(["Host", "X-Sdk-Date", "Authorization", "Content-Type", "X-Project-Id",
                                "X-Security-Token", "X-Auth-Token", "Content-Length", "X-Sdk-Content-Sha256"])


@fuzz_settings(600)
@given(game=HEADER_GAMES, name=HEADER_NAMES, value=st.one_of(JUNK_TEXT.map(lambda s: s.encode("utf-8", "replace")
                                                                            .decode("latin-1")),
                                                              st.sampled_from(["", " ", "0", "-5", "abc", "zz"])),
       route=st.sampled_from([("GET", "/v1/{p}/training-jobs"), ("POST", "/v1/{p}/training-jobs"),
                              ("PUT", "/v1/{p}/training-jobs/1"), ("POST", "/v1/{p}/training-jobs/1/versions/1/stop")]))
def test_missing_duplicated_and_broken_headers_are_refused_cleanly(
    fuzz: Any, game: str, name: str, value: str, route: Tuple[str, str]
) -> None:
    service, _client, _seeds = fuzz
    method, template = route
    path = template.format(p=service.credentials.project_id)
    body = create_body("seed0") if method == "POST" else b'{"job_desc": "d"}' if method == "PUT" else b""
    RAN.add("headers")
    value = "".join(c for c in value if c not in "\r\n")
    creds = service.credentials
    signed = sign_headers(method, service.endpoint + path, creds.access_key, creds.secret_key,
                          headers=base_headers(creds), body=body)
    headers: List[Tuple[str, str]] = list(signed.items())
    headers.append(("Content-Length", str(len(body))))
    if game == "drop":
        headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
    elif game == "duplicate":
        headers.append((name, value if name != "Content-Length" else str(min(len(body), len(value) % 8))))
    elif game == "replace":
        headers = [(k, v) for k, v in headers if k.lower() != name.lower()] + [(name, value)]
        if name == "Content-Length" and _number(value) > len(body):
            body = body + b" " * (_number(value) - len(body))  # never leave the server waiting for bytes
    elif game == "chunked":
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [("Transfer-Encoding", "chunked")]
        size = value.encode("latin-1")
        try:
            wanted = int(size.split(b";")[0].strip() or b"0", 16)  # how the server reads a chunk size
        except ValueError:
            wanted = 0
        chunk = b"a" * wanted if 0 < wanted <= MAX_BODY else b""
        body = size + b"\r\n" + chunk + b"\r\n0\r\n\r\n"
    else:
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", value if _number(value) < 0 else str(min(_number(value), len(body)))))
    snapshot = SNAPSHOTS[service.data_dir]
    before = snapshot.take()
    status, _headers, answer = raw_send(service.endpoint, method, path, headers, body)
    if check_answer(status, answer, where=f"{game} {name}={value!r} on {method} {path}") is not None:
        assert snapshot.take() == before


def _number(value: str) -> int:
    """``value`` as the server reads a Content-Length (digits only), or -1 (bounded to 18 digits)."""
    text = value.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else -1


@fuzz_settings(60)
@given(extra=st.integers(min_value=1, max_value=3 * MAX_BODY),
       route=st.sampled_from(["/v3/auth/tokens", "/v1/{p}/training-jobs"]))
def test_oversized_bodies_are_413_before_anything_else(fuzz: Any, extra: int, route: str) -> None:
    service, client, _seeds = fuzz
    RAN.add("oversized")
    path = route.format(p=service.credentials.project_id)
    snapshot = SNAPSHOTS[service.data_dir]
    before = snapshot.take()
    response = client.request("POST", path, data=b"x" * (MAX_BODY + extra))
    assert response.status_code == 413 and check(response) == "APIGW.0201"
    assert snapshot.take() == before


def test_fuzz_totals(fuzz: Any, record_property: Any) -> None:
    """The counts for the closing note (also in the JUnit XML as properties)."""
    counts = {key: TOTALS[key] - START[key] for key in TOTALS}
    for key, value in counts.items():
        record_property(f"fuzz_{key}", value)
    print(f"\nfuzz totals: {counts}")
    if len(RAN) == 2 * len(ROUTES) + 2 and SCALE >= 1:  # the whole module ran in the quick profile or longer
        assert counts["cases"] >= 10_000, counts
