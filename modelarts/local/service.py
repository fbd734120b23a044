"""The local service in this process: :class:`LocalService` (what ``modelarts-local
serve``/``lab``/``demo`` run, and what tests start), and :func:`notebook_env`.

>>> with LocalService(tmp_path) as service:                 # doctest: +SKIP
...     os.environ.update(service.env())
...     session = Session()                                  # like inside a notebook

It binds 127.0.0.1 on a free port by default and exposes ``endpoint`` (the
same URL serves IAM and ModelArts paths), ``credentials``,
``credentials_file``, ``data_dir`` and :meth:`env`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Optional

from modelarts.local.accounts import Credentials
from modelarts.local.app import App, ServiceConfig
from modelarts.local.clock import OffsetClock
from modelarts.local.wsgi import ServiceApp

if TYPE_CHECKING:  # pragma: no cover
    from modelarts.local.obs_server import ObsServer
    from modelarts.local.server import WSGIServer

__all__ = [
    "INSTALL_HINT",
    "LocalService",
    "MissingServerExtra",
    "notebook_env",
    "server_class",
]

#: What to install when the HTTP server of the local service is missing.
INSTALL_HINT = 'pip install "modelarts[local]"'


class MissingServerExtra(ImportError):
    """The local service's HTTP server (waitress, the ``local`` extra) is not installed."""


def server_class() -> "type[WSGIServer]":
    """:class:`~modelarts.local.server.WSGIServer`, or :class:`MissingServerExtra` naming the extra to install."""
    try:
        from modelarts.local.server import WSGIServer
    except ImportError as exc:
        if exc.name != "waitress" and not str(exc.name or "").startswith("waitress."):
            raise
        raise MissingServerExtra(
            f"the local ModelArts service needs its HTTP server, waitress, from the 'local' extra: {INSTALL_HINT}"
        ) from exc
    return WSGIServer

def notebook_env(
    endpoint: str, credentials: Credentials, credentials_file: "str | Path", obs_endpoint: Optional[str] = None
) -> Dict[str, str]:
    """The environment variables of a ModelArts notebook, pointing at ``endpoint``
    (and at ``obs_endpoint`` for OBS, ``S3_ENDPOINT``)."""
    return {
        "NB_USER": "ma-user",
        "CREDENTIAL_PROFILES_FILE": str(credentials_file),
        "REGION_NAME": credentials.region_name,
        "PROJECT_ID": credentials.project_id,
        "MA_ENDPOINT": endpoint,
        "IAM_ENDPOINT": endpoint,
        "S3_ENDPOINT": obs_endpoint or endpoint,
    }


class LocalService:
    """The local ModelArts service in a background thread of this process.

    ``stop_grace`` is the SIGTERM → SIGKILL delay of a stop.  Keyword
    arguments set the other :class:`~modelarts.local.app.ServiceConfig` knobs
    (``queue_delay``, ``token_ttl``, ``temp_credential_ttl``,
    ``lockout_threshold``, ``lockout_seconds``, ``poll_interval``,
    ``request_deadline`` (seconds a request may take to arrive whole),
    ``http_threads`` (the HTTP server's worker threads), ``clock``, …).
    :meth:`advance` moves the service's clock forward, so tests need not sleep.  The HTTP server
    is :class:`~modelarts.local.server.WSGIServer` (waitress, the ``local`` extra).
    Closing leaves job processes running (a later service on the same data
    dir re-adopts them) unless ``kill_jobs_on_close`` or ``close(kill_jobs=True)``.
    """

    def __init__(
        self,
        data_dir: "str | Path",
        host: str = "127.0.0.1",
        port: int = 0,
        stop_grace: float = 5.0,
        *,
        kill_jobs_on_close: bool = False,
        **options: Any,
    ) -> None:
        self.config = ServiceConfig(data_dir, host=host, port=port, stop_grace=stop_grace, **options)
        self.kill_jobs_on_close = kill_jobs_on_close
        self.app: Optional[App] = None
        self._server: Optional[WSGIServer] = None
        self._obs: Optional[ObsServer] = None

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> "LocalService":
        """Open the data dir, re-adopt jobs and start serving; returns ``self``."""
        if self.app is not None:
            return self
        server_type = server_class()
        app = App(self.config)
        try:
            server = server_type(
                ServiceApp(app),
                self.config.host,
                self.config.port,
                threads=self.config.http_threads,
                max_body_bytes=self.config.max_body_bytes,
                request_deadline=self.config.request_deadline,
            )
        except BaseException:
            app.close()
            raise
        try:
            from modelarts.local.obs_server import ObsServer  # waitress too: only once server_class() found it

            obs = ObsServer(app, self.config.host)
        except BaseException:
            server.close()
            app.close()
            raise
        app.start()
        server.start()
        obs.start()
        self.app, self._server, self._obs = app, server, obs
        info = {
            "endpoint": server.endpoint,
            "obs_endpoint": obs.endpoint,
            "pid": os.getpid(),
            "credentials_file": str(app.credentials_file),
        }
        (self.data_dir / "server.json").write_text(json.dumps(info), encoding="utf-8")
        return self

    def close(self, kill_jobs: Optional[bool] = None) -> None:
        """Stop serving and the job supervisor; jobs are stopped only if asked."""
        if self.app is None or self._server is None:
            return
        self._server.close()
        if self._obs is not None:
            self._obs.close()
        (self.data_dir / "server.json").unlink(missing_ok=True)
        self.app.close(kill_jobs=self.kill_jobs_on_close if kill_jobs is None else kill_jobs)
        self.app, self._server, self._obs = None, None, None

    def __enter__(self) -> "LocalService":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _require(self) -> App:
        if self.app is None:
            raise RuntimeError("the local service is not running; call start() or use it as a context manager")
        return self.app

    # -- what clients need ------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir

    @property
    def endpoint(self) -> str:
        self._require()
        assert self._server is not None
        return self._server.endpoint

    @property
    def obs_endpoint(self) -> str:
        """The local OBS endpoint (its own listener), e.g. ``http://127.0.0.1:PORT``."""
        self._require()
        assert self._obs is not None
        return self._obs.endpoint

    @property
    def credentials(self) -> Credentials:
        return self._require().credentials

    @property
    def credentials_file(self) -> Path:
        return self._require().credentials_file

    @property
    def obs_root(self) -> Path:
        """The directory that plays OBS: ``/bucket/key`` is ``obs_root/bucket/key``."""
        return self.data_dir / "obs"

    def env(self) -> Dict[str, str]:
        """Environment variables that make a plain ``Session()`` use this service."""
        return notebook_env(self.endpoint, self.credentials, self.credentials_file, self.obs_endpoint)

    # -- the test control plane ----------------------------------------------------------------

    def advance(self, seconds: float) -> float:
        """Move the service's clock ``seconds`` forward, with no waiting; the service's new time.

        The control plane for tests (as moto's time control): everything the
        service decides by the time of day reads ``ServiceConfig.clock``, so
        after ``advance(token_ttl)`` tokens are expired, after
        ``advance(lockout_seconds)`` a lock has lifted and signatures made
        "now" by a client are that much in the past.  Real waits (process
        exits, socket timeouts) are not affected.  Works only with a clock
        that can move (the default :class:`~modelarts.local.clock.OffsetClock`):
        ``TypeError`` otherwise, ``ValueError`` for a negative or infinite
        ``seconds``.
        """
        clock = self.config.clock
        if not isinstance(clock, OffsetClock):
            raise TypeError(f"advance() needs the service's clock to be an OffsetClock, not {clock!r}")
        return clock.advance(seconds)

    # -- more principals --------------------------------------------------------------------

    def add_user(
        self, username: str, password: Optional[str] = None, account: Optional[str] = None, project: Optional[str] = None
    ) -> Credentials:
        """Add an IAM user (of the main account unless ``account``); its credentials."""
        return self._require().add_user(username, password, account, project)

    def add_account(self, name: str, password: Optional[str] = None) -> Credentials:
        """Add a separate account with its own project; its login credentials."""
        return self._require().add_account(name, password)

    def add_project(self, name: str, account: Optional[str] = None) -> str:
        """Add a project to an account (default: the main one); its id."""
        return self._require().add_project(name, account)
