"""Serve the local OBS endpoint (:class:`~modelarts.local.obs_wsgi.ObsApp`) on its own listener.

Waitress serves the WSGI application from a background thread.  Request
bodies up to the 5 GB single-PUT limit are accepted (waitress spools large
bodies over 16 MiB to a temporary file before the application sees them).

>>> server = ObsServer(app).start()          # doctest: +SKIP
>>> server.endpoint                          # doctest: +SKIP
'http://127.0.0.1:41234'
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Optional

import waitress  # type: ignore[import-untyped]

from modelarts.local.obs_wsgi import MAX_PUT_BYTES, ObsApp

if TYPE_CHECKING:  # pragma: no cover
    from modelarts.local.app import App

__all__ = ["ObsServer"]


class ObsServer:
    """A waitress server for the OBS endpoint of ``app`` (``port`` 0: a free one)."""

    def __init__(self, app: "App", host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> None:
        self.wsgi = ObsApp(app)
        self._server: Any = waitress.create_server(
            self.wsgi,
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=MAX_PUT_BYTES + 1024,
            inbuf_overflow=16 * 1024 * 1024,  # multipart parts (8 MiB by default) stay in memory
            recv_bytes=256 * 1024,  # bulk bodies: fewer, larger reads from the socket
            channel_timeout=120,
            ident="modelarts-local-obs",
            clear_untrusted_proxy_headers=True,
        )
        self._thread: Optional[threading.Thread] = None

    @property
    def endpoint(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> "ObsServer":
        self._thread = threading.Thread(target=self._server.run, name="local-obs", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.close()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
