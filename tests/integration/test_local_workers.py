"""The server's connection pool (``modelarts.local.workers``): pipelined requests are all
answered, a client stalled half-way through a request holds up nobody else, a stalled
client is dropped after ``request_timeout``, closing never hangs, and the thread-per-
connection fallback (no epoll) still serves."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Iterator, List
from urllib.parse import urlsplit

import pytest
import requests

from modelarts.local import LocalService
from modelarts.local import workers

PROBE = b"GET /no-such-route HTTP/1.1\r\nHost: local\r\n\r\n"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LocalService]:
    with LocalService(tmp_path / "data", kill_jobs_on_close=True) as running:
        yield running


def _connect(service: LocalService) -> socket.socket:
    parts = urlsplit(service.endpoint)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def _answers(sock: socket.socket, count: int) -> List[int]:
    """Read ``count`` HTTP answers from ``sock``; their status codes."""
    data, statuses = b"", []
    while len(statuses) < count:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep:
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
            if len(rest) >= length:
                statuses.append(int(head[9:12]))
                data = rest[length:]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {len(statuses)} of {count} answers"
        data += chunk
    return statuses


def test_pipelined_requests_are_all_answered(service: LocalService) -> None:
    with _connect(service) as sock:
        sock.sendall(PROBE * 3)
        assert _answers(sock, 3) == [404, 404, 404]
        sock.sendall(PROBE)  # and the connection is still served afterwards
        assert _answers(sock, 1) == [404]


def test_stalled_clients_hold_up_nobody(service: LocalService) -> None:
    stalled = [_connect(service) for _ in range(6)]
    try:
        for sock in stalled:  # a request line and half the headers, then nothing
            sock.sendall(b"GET /v1/x/training-jobs HTTP/1.1\r\nHost: local\r\nX-Sdk-")
        time.sleep(0.2)
        with requests.Session() as http:
            started = time.monotonic()
            for _ in range(20):
                assert http.get(service.endpoint + "/no-such-route", timeout=10).status_code == 404
            assert time.monotonic() - started < 5
    finally:
        for sock in stalled:
            sock.close()


def test_a_stalled_client_is_dropped_after_the_request_timeout(service: LocalService, monkeypatch: pytest.MonkeyPatch) -> None:
    assert service._server is not None
    monkeypatch.setattr(service._server, "request_timeout", 0.3)
    with _connect(service) as sock:
        sock.sendall(b"GET /no-such-route HTTP/1.1\r\nHost: loc")
        sock.settimeout(10)
        started = time.monotonic()
        assert sock.recv(100) == b""  # closed by the server, with nothing sent
        assert time.monotonic() - started < 5


def test_close_does_not_wait_for_stalled_clients(tmp_path: Path) -> None:
    service = LocalService(tmp_path / "data").start()
    stalled = _connect(service)
    stalled.sendall(b"POST /v1/x/training-jobs HTTP/1.1\r\nHost: local\r\nContent-Length: 100\r\n\r\n{")
    time.sleep(0.2)
    started = time.monotonic()
    service.close()
    assert time.monotonic() - started < 5
    stalled.close()


def test_without_epoll_a_thread_per_connection_still_serves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "_HAS_EPOLL", False)
    with LocalService(tmp_path / "data") as service:
        with _connect(service) as sock:
            sock.sendall(PROBE * 2)
            assert _answers(sock, 2) == [404, 404]
