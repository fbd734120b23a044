"""Kept-alive connections answered in arrival order by one thread, more only when it is stuck (Linux: epoll).

``ThreadingHTTPServer`` gives every connection its own thread.  With 32
kept-alive clients that is 32 threads taking turns at the GIL: a request
gives the GIL away at every SQLite step and every send, and which waiting
thread gets it next is luck, so a request could wait many turns (p99 about
2.5 × the mean) and the hand-offs cost CPU.  Measured on 2 cores, 32
clients: a pool of 2 or 4 threads fighting for the GIL is no better; one
thread answering connections in the order they became readable is (p99
14-16 ms instead of 20-28 ms, at the same or a higher rate).

So here an idle connection costs no thread: it waits in one epoll set,
armed ``EPOLLONESHOT``.  A dispatcher thread queues connections as they
become readable (FIFO) and one worker answers them in that order, then
re-arms each.  A request that takes long (a big listing, a client that
stalls half-way) must not hold up everyone: when connections are queued and
every worker has been on its request for more than ``stuck_after`` seconds,
the dispatcher starts another worker (at most ``max_workers``); an extra
worker leaves as soon as no worker is stuck.  A worker gives up on a client
that sends nothing for ``request_timeout`` seconds in the middle of a
request.  Without ``select.epoll`` the server keeps a thread per connection.
"""

from __future__ import annotations

import queue
import select
import socket
import threading
import time
from typing import Any, Dict, List, Optional

__all__ = ["PooledConnectionsMixIn"]

_HAS_EPOLL = hasattr(select, "epoll")
_ARMED = select.EPOLLIN | select.EPOLLONESHOT if _HAS_EPOLL else 0


class PooledConnectionsMixIn:
    """Mix in before ``ThreadingHTTPServer``: connections are answered by the worker pool."""

    max_workers = 64
    stuck_after = 0.05
    request_timeout = 60.0

    _epoll: Optional["select.epoll"] = None

    def start_workers(self) -> None:
        """Create the epoll set, the dispatcher and the first worker (no-op without epoll)."""
        if not _HAS_EPOLL or self._epoll is not None:
            return
        self._epoll = select.epoll()
        self._handlers: Dict[int, Any] = {}
        self._ready: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self._busy_since: Dict[int, Optional[float]] = {}  # worker ident -> start of its current request
        self._pool_threads: List[threading.Thread] = []
        self._wake_r, self._wake_w = socket.socketpair()
        self._epoll.register(self._wake_r.fileno(), select.EPOLLIN)
        self._spawn(self._dispatch, "dispatch")
        self._spawn(self._work, "worker", False)

    def _spawn(self, target: Any, name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=f"modelarts-local-{name}", daemon=True)
        self._pool_threads = [t for t in self._pool_threads if t.is_alive()] + [thread]
        thread.start()

    def process_request(self, request: Any, client_address: Any) -> None:
        if self._epoll is None:
            super().process_request(request, client_address)  # type: ignore[misc]
            return
        cls = self.RequestHandlerClass  # type: ignore[attr-defined]
        handler = cls.__new__(cls)  # BaseRequestHandler.__init__ would serve the connection to its end
        handler.request, handler.client_address, handler.server = request, client_address, self
        handler.setup()
        request.settimeout(self.request_timeout)
        handler.pooled_fd = request.fileno()
        self._handlers[handler.pooled_fd] = handler
        self._epoll.register(handler.pooled_fd, _ARMED)

    # -- the dispatcher ------------------------------------------------------------------

    def _stuck(self) -> bool:
        """Is every worker on a request it started more than ``stuck_after`` seconds ago?"""
        now = time.monotonic()
        starts = list(self._busy_since.values())
        return bool(starts) and all(start is not None and now - start > self.stuck_after for start in starts)

    def _dispatch(self) -> None:
        epoll, wake = self._epoll, self._wake_r.fileno()
        assert epoll is not None
        while True:
            busy = any(start is not None for start in list(self._busy_since.values()))
            try:
                events = epoll.poll(self.stuck_after if busy else -1, 64)
            except (OSError, ValueError):  # the set was closed
                events = [(wake, 0)]
            for fd, _mask in events:
                if fd == wake:
                    for _ in range(self.max_workers):
                        self._ready.put(None)
                    return
                handler = self._handlers.get(fd)
                if handler is not None:
                    self._ready.put(handler)
            if not self._ready.empty() and len(self._busy_since) < self.max_workers and self._stuck():
                self._spawn(self._work, "extra-worker", True)

    # -- the workers -----------------------------------------------------------------------

    def _work(self, extra: bool) -> None:
        me = threading.get_ident()
        self._busy_since[me] = None
        try:
            while True:
                handler = self._ready.get()
                if handler is None:
                    return
                self._busy_since[me] = time.monotonic()
                self._serve(handler)
                self._busy_since[me] = None
                if extra and not self._stuck_others(me):
                    return  # an extra worker: nobody is stuck any more
        finally:
            del self._busy_since[me]

    def _stuck_others(self, me: int) -> bool:
        now = time.monotonic()
        return any(start is not None and now - start > self.stuck_after
                   for ident, start in list(self._busy_since.items()) if ident != me)  # fmt: skip

    def _serve(self, handler: Any) -> None:
        """Answer what the connection has sent; then re-arm it, or close it."""
        try:
            while True:
                handler.close_connection = True
                handler.handle_one_request()
                if handler.close_connection or not _buffered(handler):
                    break
        except Exception:
            self.handle_error(handler.request, handler.client_address)  # type: ignore[attr-defined]
            handler.close_connection = True
        if not handler.close_connection and self._epoll is not None:
            try:
                self._epoll.modify(handler.pooled_fd, _ARMED)
                return
            except (OSError, ValueError):  # closing down
                pass
        self._drop(handler)

    def _drop(self, handler: Any) -> None:
        if self._handlers.pop(handler.pooled_fd, None) is None:  # dropped already
            return
        try:
            if self._epoll is not None:
                self._epoll.unregister(handler.pooled_fd)
        except (OSError, ValueError):
            pass
        try:
            handler.finish()
        except OSError:
            pass
        self.shutdown_request(handler.request)  # type: ignore[attr-defined]

    def stop_workers(self) -> None:
        """Stop the dispatcher and the workers; close the connections left."""
        if self._epoll is None:
            return
        self._wake_w.send(b"x")
        for thread in list(self._pool_threads):
            thread.join(5)
        for handler in list(self._handlers.values()):
            self._drop(handler)
        self._epoll.close()
        self._wake_r.close()
        self._wake_w.close()
        self._epoll = None


def _buffered(handler: Any) -> bool:
    """Has the client already sent more (a pipelined request) than was read?"""
    sock: socket.socket = handler.connection
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        return bool(handler.rfile.peek(1))
    except OSError:
        return False
    finally:
        sock.settimeout(timeout)
