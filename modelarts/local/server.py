"""The HTTP side: an ``http.server`` that turns requests into :func:`dispatch` calls.

Kept-alive connections are answered in arrival order by a small pool
(:mod:`modelarts.local.workers`), not a thread each.

Every answer is JSON with ``Content-Length`` and an ``X-Request-Id`` header
(HTTP/1.1 keep-alive).  Bodies over the gateway limit are refused with 413
without being read.  :meth:`LocalHTTPServer.close` also cuts open keep-alive
connections, so a client never keeps talking to a stopped service.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Set, Tuple

from modelarts.local.errors import ApiMethodNotFound, BodyTooLarge, GatewayError, InternalError, ServiceError
from modelarts.local.routes import Request, Response, dispatch
from modelarts.local.workers import PooledConnectionsMixIn

if TYPE_CHECKING:  # pragma: no cover
    from modelarts.local.app import App

__all__ = ["LocalHTTPServer"]

log = logging.getLogger(__name__)


class _BadRequest(GatewayError):
    status, code, message = 400, "APIGW.0201", "Bad request"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "modelarts-local"
    # Headers and body go out in two writes; with Nagle on, the body waits for the
    # client's delayed ACK (~40 ms a request on a kept-alive connection).
    disable_nagle_algorithm = True
    server: "LocalHTTPServer"
    _headers_buffer: List[bytes]  # http.server's, filled by send_response/send_header

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if log.isEnabledFor(logging.DEBUG):  # called for every request: format only when it is shown
            log.debug("%s %s", self.address_string(), format % args)

    def _read_body(self, headers: Dict[str, str]) -> bytes:
        limit = self.server.app.config.max_body_bytes
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks: List[bytes] = []
            size = 0
            while True:
                try:
                    length = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    length = -1
                if length < 0:
                    self.close_connection = True
                    raise _BadRequest("invalid chunk size")
                if length == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                size += length
                if size > limit:
                    self.close_connection = True
                    raise BodyTooLarge()
                chunks.append(self.rfile.read(length))
                self.rfile.readline()
        try:
            length = int(headers.get("content-length") or 0)
        except ValueError:
            raise _BadRequest("invalid Content-Length") from None
        if length < 0:
            raise _BadRequest("invalid Content-Length")
        if length > limit:
            self._discard(length)
            raise BodyTooLarge()
        return self.rfile.read(length) if length else b""

    def _discard(self, length: int) -> None:
        """Read and drop an oversized body so the client sees the 413 (huge ones: hang up)."""
        if length > 4 * self.server.app.config.max_body_bytes:
            self.close_connection = True
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                break
            length -= len(chunk)

    def _handle(self) -> None:
        request_id = uuid.uuid4().hex
        path, _, query = self.path.partition("?")
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            body = self._read_body(headers)
            request = Request(self.command, path, query, headers, body, request_id)
            response = dispatch(self.server.app, request)
        except ServiceError as exc:
            response = Response(exc.status, exc.body(request_id))
        except Exception:
            log.exception("request %s %s failed", self.command, path)
            error = InternalError()
            response = Response(error.status, error.body(request_id))
        self._send(response, request_id)

    def _send(self, response: Response, request_id: str) -> None:
        data = b"" if response.body is None else json.dumps(response.body).encode("utf-8")
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", request_id)
        if self.close_connection:
            self.send_header("Connection", "close")
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.request_version == "HTTP/0.9":  # no status line or headers were buffered
            self.wfile.write(data)
            return
        # Headers and body in one write: one send() a response instead of two.
        self._headers_buffer.append(b"\r\n" + data)
        self.flush_headers()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _handle

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """What ``http.server`` itself refuses (bad request line, unknown method), as gateway JSON."""
        request_id = uuid.uuid4().hex
        error: ServiceError = ApiMethodNotFound() if code == 501 else _BadRequest(message or "")
        if code != 501:
            error.status = code  # type: ignore[misc]  # keep the status http.server chose
        self.close_connection = True
        self._send(Response(error.status, error.body(request_id)), request_id)


class LocalHTTPServer(PooledConnectionsMixIn, ThreadingHTTPServer):
    """An HTTP server bound to ``(host, port)`` serving ``app`` (connections answered by
    :class:`~modelarts.local.workers.PooledConnectionsMixIn`'s pool)."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: with 50 clients connecting at once the
    # kernel drops handshakes and some requests stall for 30 s on SYN-ACK retransmits.
    request_queue_size = 128

    def __init__(self, app: "App", host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._connections: Set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        super().__init__((host, port), _Handler)

    @property
    def endpoint(self) -> str:
        host, port = self.server_address[:2]
        host = str(host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def get_request(self) -> Tuple[socket.socket, Any]:
        conn, address = super().get_request()
        with self._connections_lock:
            self._connections.add(conn)
        return conn, address

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def start(self) -> None:
        """Serve in a background thread."""
        self.start_workers()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.name = "modelarts-local-http"
        self._thread.start()

    def close(self) -> None:
        """Stop accepting, cut open connections, close the socket."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        with self._connections_lock:
            open_connections = list(self._connections)
        for conn in open_connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.stop_workers()
        self.server_close()
