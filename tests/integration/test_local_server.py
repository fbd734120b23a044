"""The local service's HTTP server (waitress behind ``modelarts.local.server.WSGIServer``).

Pipelined requests are all answered; stalled and slow clients hold up nobody
(200 of them, headers dribbled or a short body under a large Content-Length);
a request older than the deadline is cut however steadily it trickles; a
chunk-size line is bounded before authentication; the server's own refusals
are gateway JSON; closing lets requests in flight finish but never waits for
stalled clients, and ``serve`` stops cleanly on SIGTERM/SIGINT with its jobs
left running for the next start; a second WSGI application can be served on
a second listener.  Loopback only, bounded in count and time.
"""

from __future__ import annotations

import json
import select
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple
from urllib.parse import urlsplit

import pytest
import requests

from modelarts.local import LocalService, LocalServiceProcess
from modelarts.local.server import MAX_CHUNK_LINE, WSGIServer
from modelarts.states import JobState

PROBE = b"GET /no-such-route HTTP/1.1\r\nHost: local\r\n\r\n"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LocalService]:
    with LocalService(tmp_path / "data", kill_jobs_on_close=True, request_deadline=1.0) as running:
        yield running


def _connect(endpoint: str) -> socket.socket:
    parts = urlsplit(endpoint)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def _answers(sock: socket.socket, count: int) -> List[Tuple[int, Dict[str, str], bytes]]:
    """Read ``count`` HTTP answers from ``sock``: status, headers (lower-case names), body."""
    data, answers = b"", []
    while len(answers) < count:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep:
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            length = int(headers.get("content-length", "0"))
            if len(rest) >= length:
                answers.append((int(lines[0][9:12]), headers, rest[:length]))
                data = rest[length:]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {len(answers)} of {count} answers"
        data += chunk
    return answers


def _closed_within(sock: socket.socket, seconds: float, trickle: bool = False) -> bool:
    """Does the server close ``sock`` within ``seconds``? (``trickle``: send a byte every 0.1 s meanwhile)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], 0.1)
        if readable:
            try:
                return sock.recv(1024) == b""
            except ConnectionResetError:
                return True
        if trickle:
            try:
                sock.send(b"a")
            except OSError:
                return True
    return False


def _gateway_refusal(answer: Tuple[int, Dict[str, str], bytes], status: int) -> Dict[str, Any]:
    code, headers, body = answer
    assert code == status, (code, body)
    assert headers["content-type"].startswith("application/json")
    data = json.loads(body)
    assert data["error_code"] == "APIGW.0201" and data["error_msg"]
    assert data["request_id"] == headers["x-request-id"]
    return data


def test_pipelined_requests_are_all_answered(service: LocalService) -> None:
    with _connect(service.endpoint) as sock:
        sock.sendall(PROBE * 3)
        assert [a[0] for a in _answers(sock, 3)] == [404, 404, 404]
        sock.sendall(PROBE)  # and the connection is still served afterwards
        assert [a[0] for a in _answers(sock, 1)] == [404]


def _slow_clients(endpoint: str, count: int) -> List[socket.socket]:
    """Half dribble their headers, half send a short body under ``Content-Length: 10000000``."""
    clients = []
    for index in range(count):
        sock = _connect(endpoint)
        if index % 2:
            sock.sendall(b"POST /v3/auth/tokens HTTP/1.1\r\nHost: local\r\nContent-Length: 10000000\r\n\r\n{\"auth\"")
        else:
            sock.sendall(b"GET /v1/x/training-jobs HTTP/1.1\r\nHost: local\r\nX-Sdk-")
        clients.append(sock)
    return clients


def test_200_slow_clients_leave_other_clients_working(service: LocalService) -> None:
    """Slowloris: 200 connections that never finish their request; 8 normal clients are still answered."""
    slow = _slow_clients(service.endpoint, 200)
    try:
        for sock in slow:  # and each of them still trickling
            sock.send(b"a")

        def client(_: int) -> List[int]:
            with requests.Session() as http:
                return [http.get(service.endpoint + "/no-such-route", timeout=5).status_code for _ in range(25)]

        with ThreadPoolExecutor(8) as pool:
            statuses = [status for answers in pool.map(client, range(8)) for status in answers]
        assert statuses == [404] * 200
    finally:
        for sock in slow:
            sock.close()


@pytest.mark.parametrize("start", [b"GET /no-such-route HTTP/1.1\r\nHost: loc",
                                   b"POST /v3/auth/tokens HTTP/1.1\r\nHost: l\r\nContent-Length: 10000000\r\n\r\n{"])
def test_a_request_past_its_deadline_is_cut_however_steadily_it_trickles(service: LocalService, start: bytes) -> None:
    with _connect(service.endpoint) as sock:
        sock.sendall(start)
        assert _closed_within(sock, 10, trickle=True), "a trickling request outlived the 1 s request deadline"


def test_a_chunk_size_line_is_bounded_before_authentication(service: LocalService) -> None:
    """A chunked body whose chunk-size line never ends is refused once the line passes 4 KiB."""
    with _connect(service.endpoint) as sock:
        sock.sendall(b"POST /v1/p/training-jobs HTTP/1.1\r\nHost: local\r\nTransfer-Encoding: chunked\r\n\r\n")
        sock.settimeout(2)
        sent, piece = 0, b"0" * 65536
        try:
            while sent < 64 * 1024 * 1024 and not select.select([sock], [], [], 0)[0]:
                sent += sock.send(piece)
        except (BlockingIOError, socket.timeout, ConnectionResetError, BrokenPipeError):
            pass  # the server stopped reading
        assert sent < 4 * 1024 * 1024, f"the server kept reading one chunk-size line: {sent} bytes"
        sock.settimeout(10)
        _gateway_refusal(_answers(sock, 1)[0], 400)
    assert MAX_CHUNK_LINE <= 4096


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /v1 HTTP/1.1\r\nHost: local\r\nContent-Length: abc\r\n\r\n", 400),
    (b"GET /v1 HTTP/1.1\r\nHost: local\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n", 400),
    (b"GET /v1 HTTP/1.1\r\nHost: local\r\nBad Header\r\n\r\n", 400),
    (b"POST /v1 HTTP/1.1\r\nHost: local\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n", 400),
    (b"POST /v1 HTTP/1.1\r\nHost: local\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
    (b"GET /v1 HTTP/1.1\r\nHost: local\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n", 431),
    (b"POST /v3/auth/tokens HTTP/1.1\r\nHost: local\r\nContent-Length: 99999999999\r\n\r\n", 413),
    (b"POST /v1 HTTP/1.1\r\nHost: local\r\nTransfer-Encoding: chunked\r\n\r\n" + b"9" * 4000 + b"\r\n", 413),
    (b"POST /v1 HTTP/1.1\r\nHost: local\r\nTransfer-Encoding: chunked\r\n\r\n1000000\r\n" + b"a" * 100, 413),
])  # fmt: skip
def test_the_servers_own_refusals_are_gateway_json(service: LocalService, request_bytes: bytes, status: int) -> None:
    with _connect(service.endpoint) as sock:
        sock.sendall(request_bytes)
        _gateway_refusal(_answers(sock, 1)[0], status)


def test_a_body_just_over_the_limit_is_413_on_a_connection_still_served(service: LocalService) -> None:
    limit = service.config.max_body_bytes
    with _connect(service.endpoint) as sock:
        sock.sendall(b"POST /v3/auth/tokens HTTP/1.1\r\nHost: l\r\nContent-Length: %d\r\n\r\n" % (limit + 1))
        sock.sendall(b"x" * (limit + 1))
        _gateway_refusal(_answers(sock, 1)[0], 413)
        sock.sendall(PROBE)
        assert _answers(sock, 1)[0][0] == 404


def test_close_does_not_wait_for_stalled_clients(tmp_path: Path) -> None:
    service = LocalService(tmp_path / "data").start()
    stalled = _connect(service.endpoint)
    stalled.sendall(b"POST /v1/x/training-jobs HTTP/1.1\r\nHost: local\r\nContent-Length: 100\r\n\r\n{")
    started = time.monotonic()
    service.close()
    assert time.monotonic() - started < 5
    assert _closed_within(stalled, 5)
    stalled.close()


def _gated_app(entered: threading.Event, release: threading.Event) -> Callable[..., Any]:
    def app(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
        if environ["PATH_INFO"] == "/slow":
            entered.set()
            release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    return app


def test_close_lets_a_request_in_flight_finish_and_refuses_new_connections() -> None:
    entered, release = threading.Event(), threading.Event()
    server = WSGIServer(_gated_app(entered, release), "127.0.0.1", 0, grace=10).start()
    endpoint = server.endpoint
    with ThreadPoolExecutor(2) as pool:
        answer = pool.submit(requests.get, endpoint + "/slow", timeout=10)
        assert entered.wait(10)
        closing = pool.submit(server.close)
        with pytest.raises(Exception):  # close() returns only after the slow request: wait for the listener to go
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                requests.get(endpoint + "/fast", timeout=1)
        assert not closing.done()
        release.set()
        assert answer.result(10).text == "ok"
        closing.result(10)


def test_a_second_application_on_a_second_listener(service: LocalService) -> None:
    entered, release = threading.Event(), threading.Event()
    with WSGIServer(_gated_app(entered, release), "127.0.0.1", 0) as second:
        assert second.endpoint != service.endpoint
        assert requests.get(second.endpoint + "/x", timeout=10).text == "ok"
        assert requests.get(service.endpoint + "/x", timeout=10).status_code == 404


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_cleanly_on_a_signal_and_jobs_are_readopted(tmp_path: Path, helpers: Any, signum: int) -> None:
    """``modelarts-local serve`` on SIGTERM/SIGINT: a clean exit, the job keeps running, the next start re-adopts it."""
    data_dir = tmp_path / "data"
    first = LocalServiceProcess(data_dir, stop_grace=1.0, extra_args=["--queue-delay", "0.1"]).start()
    try:
        api = helpers.Api(first.endpoint, first.credentials)
        job = helpers.create_job(api, helpers.Bucket(data_dir / "obs", "sig"), helpers.SLEEP_LOOP)
        helpers.wait_status(api, job, JobState.RUNNING)
        ids = helpers.job_pids(api, job)
        first.kill(signum)
        assert first.process is not None and first.process.returncode == 0
        assert "modelarts-local stopped" in "".join(first.output)
    finally:
        first.kill()
    assert not helpers.pid_gone(ids["pid"])
    with LocalServiceProcess(data_dir, stop_grace=1.0) as again:
        api = helpers.Api(again.endpoint, again.credentials)
        assert api.detail(job["job_id"], job["version_id"])["status"] == JobState.RUNNING
        api.ok(api.stop(job["job_id"], job["version_id"]))
        helpers.wait_status(api, job, JobState.KILLED)
        assert helpers.group_gone(ids["pgid"])
