"""Serve a WSGI application with waitress, within the limits a hostile client cannot get past.

`waitress <https://docs.pylonsproject.org/projects/waitress/>`_ reads every
request on one I/O thread (non-blocking sockets) and hands a request to a
worker thread only once it has arrived whole, so a slow or stalled client
costs an open socket, never a worker.  :class:`WSGIServer` runs one waitress
listener in a background thread and adds what the local gateway needs:

* **a deadline for a whole request** (``request_deadline``, default 30 s):
  a client that dribbles its headers, or sends a short body under a large
  ``Content-Length``, is disconnected once its request is that old, however
  steadily it trickles bytes (waitress' own ``channel_timeout`` only closes
  connections that go *quiet*; it is kept as ``idle_timeout``);
* **bounded reads**: headers up to ``max_header_bytes``; a chunked body's
  chunk-size lines and trailer up to 4 KiB / 64 KiB (refused with 400
  before anything is authenticated); a body over ``max_body_bytes`` is
  answered ``413``: by the application once read (up to four times the
  limit, spooled to a temporary file past 512 KiB, so the client can still
  read the answer), by the server at once when a ``Content-Length`` over
  four times the limit or chunk sizes over the limit are announced;
* refusals of the server itself (malformed request line or headers, bad
  framing, oversized headers or bodies) answered in the gateway's JSON
  shape (``error_code``/``error_msg``/``request_id``, ``X-Request-Id``)
  like the application's own;
* :meth:`WSGIServer.close` is graceful: it stops accepting, lets requests
  already received finish (up to ``grace`` seconds), then closes every
  connection.

Several servers can run side by side (one listener each), e.g. the
ModelArts/IAM endpoint and an OBS endpoint of the same service.  waitress is
installed by the ``local`` extra (``pip install "modelarts[local]"``).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Dict, Optional

from waitress.adjustments import Adjustments  # type: ignore[import-untyped]
from waitress.channel import HTTPChannel  # type: ignore[import-untyped]
from waitress.parser import HTTPRequestParser, ParsingError  # type: ignore[import-untyped]
from waitress.receiver import ChunkedReceiver  # type: ignore[import-untyped]
from waitress.server import TcpWSGIServer  # type: ignore[import-untyped]
from waitress.task import ErrorTask, ThreadedTaskDispatcher  # type: ignore[import-untyped]
from waitress.utilities import BadRequest as _WaitressBadRequest  # type: ignore[import-untyped]
from waitress.utilities import RequestEntityTooLarge, RequestHeaderFieldsTooLarge  # type: ignore[import-untyped]

from modelarts.local.errors import BodyTooLarge, GatewayError, ServiceError
from modelarts.local.gateway import MAX_BODY_BYTES
from modelarts.local.wsgi import BadRequest, error_response

__all__ = ["HeadersTooLarge", "MAX_CHUNK_LINE", "MAX_TRAILER", "WSGIServer"]

log = logging.getLogger(__name__)
#: waitress warns on every request queued behind busy workers: normal under load, so only errors are shown.
_QUEUE_LOG = logging.getLogger(__name__ + ".queue")
_QUEUE_LOG.setLevel(logging.ERROR)

MAX_CHUNK_LINE = 4096
MAX_TRAILER = 65536


class HeadersTooLarge(GatewayError):
    """The request line and headers are over the server's limit."""

    status, code, message = 431, "APIGW.0201", "Request header fields too large."


def _gateway_error(error: Any) -> ServiceError:
    """waitress' refusal as the gateway's error."""
    if isinstance(error, RequestEntityTooLarge):
        return BodyTooLarge()
    if isinstance(error, RequestHeaderFieldsTooLarge):
        return HeadersTooLarge()
    detail = str(getattr(error, "body", "") or "").split('"')[0].strip().rstrip(":")[:200]
    return BadRequest(detail)


class _ErrorTask(ErrorTask):
    """A refusal of the server itself, as gateway JSON (the connection is then closed)."""

    def execute(self) -> None:
        status, headers, body = error_response(_gateway_error(self.request.error))
        self.status = status
        self.response_headers.extend(header for header in headers if header[0] != "Content-Length")
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Parser(HTTPRequestParser):
    """waitress' parser with the chunk-size line and trailer bounded, and every malformed header a 400.

    waitress keeps a partial chunk-size line (and trailer) by concatenating
    every read onto it: unbounded, a client could send megabytes of one line
    and cost quadratic copying before any authentication.
    """

    def parse_header(self, header_plus: bytes) -> None:
        try:
            super().parse_header(header_plus)
        except ValueError as exc:  # a Content-Length of more digits than int() converts (4,300)
            raise ParsingError("Content-Length is invalid") from exc

    def received(self, data: bytes) -> int:
        consumed: int = super().received(data)
        body, completed = self.body_rcv, bool(getattr(self, "completed"))
        if not completed and isinstance(body, ChunkedReceiver):
            if len(body.control_line) > MAX_CHUNK_LINE or len(body.trailer) > MAX_TRAILER:
                self.error = _WaitressBadRequest("chunk-size line or trailer too long")
                self.completed = True
            elif len(body) + body.chunk_remainder > getattr(self.adj, "max_chunked_body", self.adj.max_request_body_size):
                # chunks announced beyond the limit: refused now, not after waiting for them
                self.error = RequestEntityTooLarge("chunked body over the limit")
                self.completed = True
        return consumed


class _Channel(HTTPChannel):
    """A connection that remembers when the request it is receiving began."""

    error_task_class = _ErrorTask
    parser_class = _Parser
    request_began: Optional[float] = None

    def received(self, data: bytes) -> bool:
        before = self.request
        result: bool = super().received(data)
        if self.request is None:
            self.request_began = None
        elif self.request is not before or self.request_began is None:
            self.request_began = time.monotonic()
        return result


class _Dispatcher(ThreadedTaskDispatcher):
    queue_logger = _QUEUE_LOG


class _Listener(TcpWSGIServer):
    """One waitress listener that also enforces the whole-request deadline."""

    channel_class = _Channel
    request_deadline = 30.0

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # connections quiet for longer than idle_timeout
        cutoff = time.monotonic() - self.request_deadline
        for channel in list(self.active_channels.values()):
            began = getattr(channel, "request_began", None)
            if began is not None and began < cutoff and not channel.requests:
                log.debug("closing %s: its request took longer than %s s", channel.addr, self.request_deadline)
                channel.will_close = True


class WSGIServer:
    """A WSGI application served on ``host:port`` (port 0: any free one) from a background thread.

    ``threads`` worker threads run the application; ``connection_limit``
    bounds the open connections (beyond it new ones wait in the listen
    backlog).  Use :meth:`start`, :attr:`endpoint` and :meth:`close`, or
    ``with WSGIServer(app) as server: ...``.
    """

    def __init__(
        self,
        app: Callable[..., Any],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        threads: int = 2,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_read_bytes: Optional[int] = None,
        max_header_bytes: int = 65536,
        request_deadline: float = 30.0,
        idle_timeout: float = 120.0,
        connection_limit: int = 1000,
        grace: float = 10.0,
        name: str = "modelarts-local",
        **tuning: Any,
    ) -> None:
        listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        adjustments = Adjustments(
            listen=listen,
            threads=threads,
            ident=name,
            # bodies up to 4x the limit are read (to a temporary file past 512 KiB) so the
            # application can answer 413 on a connection the client can still read from
            max_request_body_size=4 * max_body_bytes + 1 if max_read_bytes is None else max_read_bytes,
            max_request_header_size=max_header_bytes,
            channel_timeout=max(1, round(idle_timeout)),
            cleanup_interval=1,
            connection_limit=connection_limit,
            asyncore_use_poll=True,  # select() stops at 1024 descriptors
            clear_untrusted_proxy_headers=False,  # pass headers on untouched: they may be signed
            expose_tracebacks=False,
            log_socket_errors=False,
            **tuning,  # other waitress Adjustments, e.g. recv_bytes or inbuf_overflow for bulk bodies
        )
        adjustments.max_chunked_body = max_body_bytes  # read by _Parser: chunk sizes are checked as announced
        self.grace = grace
        self.name = name
        self._map: Dict[int, Any] = {}
        self._dispatcher = _Dispatcher()
        self._dispatcher.set_thread_count(threads)
        try:
            self._listener = _Listener(app, map=self._map, dispatcher=self._dispatcher, adj=adjustments)
        except BaseException:
            self._dispatcher.shutdown(timeout=1)
            raise
        self._listener.request_deadline = request_deadline
        self._thread: Optional[threading.Thread] = None

    @property
    def endpoint(self) -> str:
        """``http://host:port`` of the listener (IPv6 hosts in brackets)."""
        host, port = str(self._listener.effective_host), self._listener.effective_port
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def start(self) -> "WSGIServer":
        """Serve in a background thread; returns ``self``."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._listener.run, name=f"{self.name}-http", daemon=True)
            self._thread.start()
        return self

    def _in_loop(self, action: Callable[[], None]) -> None:
        """Run ``action`` on the I/O thread (the only one that may touch the sockets)."""
        done = threading.Event()

        def thunk() -> None:
            try:
                action()
            finally:
                done.set()

        self._listener.trigger.pull_trigger(thunk)
        done.wait(5)

    def close(self) -> None:
        """Stop accepting, let the requests already received finish, close every connection."""
        if self._thread is not None and self._thread.is_alive():
            self._in_loop(self._stop_accepting)
            deadline = time.monotonic() + self.grace
            while time.monotonic() < deadline and self._busy():
                threading.Event().wait(0.01)
            self._in_loop(self._close_all)
            self._thread.join(5)
        elif self._thread is None:
            self._close_all()
        self._dispatcher.shutdown(timeout=1)
        self._thread = None

    def _busy(self) -> bool:
        """Are requests still being answered, or answers still being sent?"""
        with self._dispatcher.lock:
            if self._dispatcher.queue or self._dispatcher.active_count:
                return True
        return any(channel.requests or channel.total_outbufs_len for channel in list(self._listener.active_channels.values()))

    def _stop_accepting(self) -> None:
        self._listener.accepting = False
        self._listener.del_channel()
        self._listener.socket.close()

    def _close_all(self) -> None:
        for dispatcher in list(self._map.values()):
            try:
                dispatcher.close()
            except OSError:
                pass
        self._map.clear()
        try:
            self._listener.socket.close()
        except OSError:
            pass

    def __enter__(self) -> "WSGIServer":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
