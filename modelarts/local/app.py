"""Wiring: the configuration, the data directory and the objects that serve it.

``App(config)`` opens ``<data-dir>/state.db`` (SQLite, WAL), makes sure the
main account exists (first start: random password and AK/SK, written to
``<data-dir>/credentials.ini`` mode 0600; later starts reuse them) and builds
IAM, the gateway, the job store, the runner and the training-job backend.
One App owns its data directory: a lock file keeps a second one out.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import IO, Any, Optional

import attrs

from modelarts.local.accounts import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Credentials,
    Directory,
    read_credentials_file,
    write_credentials_file,
)
from modelarts.local.clock import Clock, OffsetClock
from modelarts.local.gateway import MAX_BODY_BYTES, Gateway
from modelarts.local.iam import IAM
from modelarts.local.jobs import JOB_QUOTA, TrainingJobs
from modelarts.local.jobstore import JobStore
from modelarts.local.obs_buckets import Buckets
from modelarts.local.jobfiles import JobFiles
from modelarts.local.runner import Runner
from modelarts.local.store import Database
from modelarts.local.v2_jobs import TrainingJobsV2

try:  # POSIX only; elsewhere the data directory is simply not locked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["App", "DataDirInUse", "ServiceConfig", "default_data_dir"]


def default_data_dir() -> Path:
    """``$MODELARTS_LOCAL_HOME``, else ``~/.modelarts-local``."""
    return Path(os.environ.get("MODELARTS_LOCAL_HOME") or Path.home() / ".modelarts-local").expanduser()


class DataDirInUse(RuntimeError):
    """Another local service already runs on this data directory."""


@attrs.define
class ServiceConfig:
    """Every knob of the local service (seconds unless named otherwise).

    ``clock`` (epoch seconds, default an :class:`~modelarts.local.clock.OffsetClock`
    over real time) is the one clock every time-dependent decision reads.
    """

    data_dir: Path = attrs.field(converter=lambda value: Path(value).expanduser().resolve())
    host: str = "127.0.0.1"
    port: int = 0
    stop_grace: float = 5.0
    queue_delay: float = 0.5
    poll_interval: float = 0.05
    token_ttl: float = 86400.0
    temp_credential_ttl: float = 86400.0
    lockout_threshold: int = 5
    lockout_seconds: float = 300.0
    max_body_bytes: int = MAX_BODY_BYTES
    job_quota: int = JOB_QUOTA
    max_running_per_account: Optional[int] = None
    sandbox: str = "auto"
    request_deadline: float = 30.0
    http_threads: int = 2
    region: str = DEFAULT_REGION
    account: str = DEFAULT_ACCOUNT
    clock: Clock = attrs.field(factory=OffsetClock)


class App:
    """The service's state and logic, without the HTTP server."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.data_dir = config.data_dir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        self._lock_handle = self._lock_data_dir()
        self.db = Database(self.data_dir / "state.db")
        self.directory = Directory(self.db, config.region)
        self.clock = config.clock
        self.iam = IAM(
            self.directory,
            config.token_ttl,
            config.temp_credential_ttl,
            lockout_threshold=config.lockout_threshold,
            lockout_seconds=config.lockout_seconds,
            clock=self.clock,
        )
        self.gateway = Gateway(
            self.directory,
            self.iam,
            lockout_threshold=config.lockout_threshold,
            lockout_seconds=config.lockout_seconds,
            clock=self.clock,
        )
        self.store = JobStore(self.db, clock=self.clock)
        self.files = JobFiles(self.data_dir)
        self.files.obs_root.mkdir(exist_ok=True)
        self.runner = Runner(
            self.store,
            self.files,
            config.stop_grace,
            config.queue_delay,
            config.poll_interval,
            max_running_per_account=config.max_running_per_account,
            sandbox=config.sandbox,
            clock=self.clock,
        )
        self.jobs = TrainingJobs(self.store, self.runner, job_quota=config.job_quota)
        self.jobs_v2 = TrainingJobsV2(self.store, self.runner)
        self.credentials = self._main_credentials()
        self.buckets = Buckets(self.db, self.files.obs_root, self._main_domain, clock=self.clock)

    def _main_domain(self) -> str:
        """The main account's domain id (owner of bucket directories with no owner record)."""
        user = self.directory.user(self.db.get_meta("main_user_id") or "")
        return str(user["domain_id"]) if user is not None else ""

    @property
    def credentials_file(self) -> Path:
        return self.data_dir / "credentials.ini"

    def _lock_data_dir(self) -> Optional[IO[Any]]:
        if fcntl is None:  # pragma: no cover
            return None
        handle = open(self.data_dir / "service.lock", "a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise DataDirInUse(f"another modelarts-local service is using {self.data_dir}") from None
        return handle

    def _main_credentials(self) -> Credentials:
        user_id = self.db.get_meta("main_user_id")
        if user_id is None:
            creds = self.directory.create_account(self.config.account, password=secrets.token_urlsafe(12))
            self.db.set_meta("main_user_id", creds.user_id)
            write_credentials_file(self.credentials_file, creds)
            return creds
        try:
            creds = read_credentials_file(self.credentials_file)
            key = self.directory.access_key(creds.access_key)
            if key is not None and key["user_id"] == user_id and key["secret_key"] == creds.secret_key:
                return creds
        except (OSError, KeyError, ValueError):
            pass
        creds = self.directory.reissue(user_id, password=secrets.token_urlsafe(12))
        write_credentials_file(self.credentials_file, creds)
        return creds

    # -- extra users, accounts and projects ------------------------------------------

    def _save(self, creds: Credentials) -> Credentials:
        write_credentials_file(self.data_dir / "users" / f"{creds.account}.{creds.username}.ini", creds)
        return creds

    def add_account(self, name: str, password: Optional[str] = None) -> Credentials:
        """A separate account with its own project; its login user's credentials."""
        return self._save(self.directory.create_account(name, password))

    def add_user(
        self, username: str, password: Optional[str] = None, account: Optional[str] = None, project: Optional[str] = None
    ) -> Credentials:
        """An IAM user of ``account`` (default: the main one) with its own AK/SK."""
        return self._save(self.directory.add_user(username, account or self.config.account, password, project))

    def add_project(self, name: str, account: Optional[str] = None) -> str:
        """A further project of ``account``; its id."""
        return self.directory.add_project(name, account or self.config.account)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        self.runner.start()

    def close(self, kill_jobs: bool = False) -> None:
        self.runner.close(kill_jobs=kill_jobs)
        self.db.close()
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None
