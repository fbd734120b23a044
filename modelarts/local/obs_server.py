"""Serve the local OBS endpoint (:class:`~modelarts.local.obs_wsgi.ObsApp`) on its own listener.

The service's :class:`~modelarts.local.server.WSGIServer` (waitress) serves
it on a listener of its own.  Request bodies up to the 5 GB single-PUT limit
are accepted (bodies over 16 MiB are spooled to a temporary file before the
application sees them), and a whole request may take up to an hour.

>>> server = ObsServer(app).start()          # doctest: +SKIP
>>> server.endpoint                          # doctest: +SKIP
'http://127.0.0.1:41234'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelarts.local.obs_wsgi import MAX_PUT_BYTES, ObsApp
from modelarts.local.server import WSGIServer

if TYPE_CHECKING:  # pragma: no cover
    from modelarts.local.app import App

__all__ = ["OBS_REQUEST_DEADLINE", "ObsServer"]

#: A whole OBS request (a 5 GB single PUT at a slow client's pace) may take this long.
OBS_REQUEST_DEADLINE = 3600.0


class ObsServer(WSGIServer):
    """The OBS endpoint of ``app`` on the service's server (``port`` 0: a free one)."""

    def __init__(self, app: "App", host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> None:
        self.wsgi = ObsApp(app)
        super().__init__(
            self.wsgi,
            host,
            port,
            threads=threads,
            max_body_bytes=MAX_PUT_BYTES,
            max_read_bytes=MAX_PUT_BYTES + 1024,  # past the single-PUT limit waitress refuses before reading
            request_deadline=OBS_REQUEST_DEADLINE,
            name="modelarts-local-obs",
            inbuf_overflow=16 * 1024 * 1024,  # multipart parts (8 MiB by default) stay in memory
            recv_bytes=256 * 1024,  # bulk bodies: fewer, larger reads from the socket
        )
