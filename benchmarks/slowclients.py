"""Hostile slow clients for the load benchmarks: loopback only, bounded in count and time.

Half of them dribble their headers (a byte at a time, never finishing); the
other half send complete headers announcing ``Content-Length: 10000000`` and
then only 7 bytes of body, topping up a byte now and then.  A background
thread keeps them trickling until :meth:`SlowClients.close`.
"""

from __future__ import annotations

import socket
import threading
from typing import List, Tuple

__all__ = ["SlowClients"]

HEADER_DRIBBLE = b"GET /v1/x/training-jobs HTTP/1.1\r\nHost: local\r\nX-Sdk-Date: 20260101T000000Z\r\nX-Pad: "
SHORT_BODY = b"POST /v3/auth/tokens HTTP/1.1\r\nHost: local\r\nContent-Length: 10000000\r\n\r\n{\"auth\""


class SlowClients:
    """``count`` slow connections to ``(host, port)``, kept trickling every ``every`` seconds."""

    def __init__(self, host: str, port: int, count: int = 200, every: float = 0.5) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"slow clients only go to loopback, not {host}")
        self.address: Tuple[str, int] = (host, port)
        self.count, self.every = count, every
        self.sockets: List[socket.socket] = []
        self.dropped = 0  # connections the server closed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, name="slow-clients", daemon=True)

    def start(self) -> "SlowClients":
        for index in range(self.count):
            sock = socket.create_connection(self.address, timeout=10)
            sock.sendall(HEADER_DRIBBLE[:40] if index % 2 == 0 else SHORT_BODY)
            sock.setblocking(False)
            self.sockets.append(sock)
        self._thread.start()
        return self

    def _trickle(self) -> None:
        while not self._stop.wait(self.every):
            for index, sock in enumerate(list(self.sockets)):
                try:
                    sock.send(b"a")  # one more header byte / body byte
                except OSError:  # closed by the server (its deadline)
                    self.sockets.remove(sock)
                    self.dropped += 1
                    sock.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)
        for sock in self.sockets:
            sock.close()
        self.sockets = []

    def __enter__(self) -> "SlowClients":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()
