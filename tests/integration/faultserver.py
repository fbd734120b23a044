"""A tiny fault-injecting HTTP server for the SDK's transport tests.

Each test scripts the answers of one route::

    with FaultServer() as server:
        server.script("GET", "/v1/p1/x", Answer(503), Answer(200, {"ok": 1}))
        ...
        assert server.count("GET", "/v1/p1/x") == 2

Answers are served in order; the last one repeats.  An answer may also be a
callable taking the :class:`Hit` and returning an :class:`Answer` (to look at
headers).  Faults: ``delay`` (sleep before answering, to trip the client's
read timeout), ``truncate`` (announce a longer ``Content-Length`` than is sent,
then close), ``drop`` (read the request, then close without a word).

Loopback only (127.0.0.1, port 0); every sleep is cut short when the server stops.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Mapping, Tuple, Union

import attrs

__all__ = ["Answer", "FaultServer", "Hit", "closed_port", "gaps", "gateway_error", "token_answer"]


@attrs.frozen
class Hit:
    """One request as the server received it."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    at: float


@attrs.frozen
class Answer:
    """What to send back; ``body`` may be a dict/list (sent as JSON), ``str`` or ``bytes``."""

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    delay: float = 0.0
    truncate: bool = False
    drop: bool = False

    def payload(self) -> Tuple[bytes, str]:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode(), "application/json"
        if isinstance(self.body, str):
            return self.body.encode(), "text/html; charset=utf-8"
        return (self.body or b""), "application/octet-stream"


Scripted = Union[Answer, Callable[[Hit], Answer]]

NOT_SCRIPTED = Answer(404, {"error_code": "APIGW.0101", "error_msg": "The API does not exist."})


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FaultServer:
    """A scripted HTTP/1.1 server on 127.0.0.1 in a background thread."""

    def __init__(self) -> None:
        self._routes: Dict[Tuple[str, str], List[Scripted]] = {}
        self.hits: List[Hit] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                hit = Hit(self.command, self.path, dict(self.headers.items()), body, time.monotonic())
                answer = server._next(hit)
                if answer.delay and server._stopping.wait(answer.delay):
                    self.close_connection = True
                    return
                if answer.drop:
                    self.close_connection = True
                    return
                payload, ctype = answer.payload()
                self.send_response(answer.status)
                self.send_header("Content-Type", ctype)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload) * 2 + 10 if answer.truncate else len(payload)))
                if answer.truncate:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # -- scripting -----------------------------------------------------------------------
    def script(self, method: str, path: str, *answers: Scripted) -> None:
        """Answer ``method path`` (path without query) with ``answers`` in order; the last repeats."""
        with self._lock:
            self._routes[(method.upper(), path)] = list(answers)

    def _next(self, hit: Hit) -> Answer:
        with self._lock:
            self.hits.append(hit)
            queue = self._routes.get((hit.method, hit.path.split("?", 1)[0]))
            if not queue:
                return NOT_SCRIPTED
            scripted = queue.pop(0) if len(queue) > 1 else queue[0]
        return scripted(hit) if callable(scripted) else scripted

    def calls(self, method: str, path: str) -> List[Hit]:
        with self._lock:
            return [h for h in self.hits if h.method == method and h.path.split("?", 1)[0] == path]

    def count(self, method: str, path: str) -> int:
        return len(self.calls(method, path))

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> "FaultServer":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def gaps(hits: List[Hit]) -> List[float]:
    """Seconds between consecutive hits."""
    return [b.at - a.at for a, b in zip(hits, hits[1:])]


def token_answer(token: str, hours: float = 24.0) -> Answer:
    """IAM's 201 with ``X-Subject-Token``."""
    expires = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(time.time() + hours * 3600))
    return Answer(201, {"token": {"expires_at": expires, "project": {"id": "p1"}}}, {"X-Subject-Token": token})


def gateway_error(status: int, code: str, msg: str, **headers: str) -> Answer:
    """An API-gateway style error answer."""
    return Answer(status, {"error_code": code, "error_msg": msg, "request_id": "req-fault"}, dict(headers))
