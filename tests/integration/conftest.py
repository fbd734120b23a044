"""Fixtures for tests that talk to the local ModelArts service over HTTP.

* ``local_service`` — one :class:`~modelarts.local.LocalService` for the whole
  session, on a temporary data dir, with short queue and stop-grace times.
* ``api`` — AK/SK-signed requests (:class:`signing.GatewayClient`) with the
  main credentials; ``token_api`` — the same with an IAM token (``X-Auth-Token``).
* ``bucket`` — a fresh OBS bucket under the service's OBS root, to write boot
  scripts into.

Helpers (``Api``, ``Bucket``, ``create_job``, ``wait_for`` (:func:`polling.wait_for`), ``wait_status``,
``job_pids``, ``pid_gone``, ``group_gone``, ``token_for``, ``unique`` and the
boot-script snippets) come from the ``helpers`` fixture: test modules cannot
import this file by name, since several ``conftest`` modules exist.
"""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3
import textwrap
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest

from modelarts.local import LocalService
from polling import wait_for
from signing import GatewayClient, token_for

#: Stop grace used by the session service (seconds between SIGTERM and SIGKILL).
GRACE = 1.0
_names = itertools.count()


def unique(prefix: str) -> str:
    """A job or bucket name unique within the test session."""
    return f"{prefix}-{os.getpid()}-{next(_names)}"


#: The signed client (``tests/signing.py``) under the name these tests use.
Api = GatewayClient


class Bucket:
    """A directory under the OBS root, written by a test."""

    def __init__(self, root: Path, name: str, *, created: bool = False) -> None:
        self.name = name
        self.path = root / name
        if not created:
            self.path.mkdir(parents=True)

    @classmethod
    def owned_by(cls, service: Any, domain_id: str, name: str) -> "Bucket":
        """A bucket of the account ``domain_id`` (a directory nobody claimed belongs to the main account)."""
        service.app.buckets.create(name, domain_id)
        return cls(service.obs_root, name, created=True)

    def write(self, key: str, content: str) -> str:
        """Write ``content`` (dedented) at ``key``; return its OBS path ``/bucket/key``."""
        target = self.path / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(content), encoding="utf-8")
        return self.url(key)

    def url(self, key: str) -> str:
        return f"/{self.name}/{key}"


#: Boot-script snippets: report the process ids, then sleep in small steps.
REPORT_PIDS = """
import os, sys, time
print("PID", os.getpid(), "PGID", os.getpgid(0), "ARGS", " ".join(sys.argv[1:]), flush=True)
"""
SLEEP_LOOP = REPORT_PIDS + """
for i in range(600):
    print("step", i, flush=True)
    time.sleep(0.1)
"""


def create_job(api: Api, bucket: Bucket, boot: str, name: Optional[str] = None, **config: Any) -> Dict[str, Any]:
    """Create a job running ``boot`` (script text); the create answer."""
    script = bucket.write(f"src/{unique('boot')}.py", boot)
    body_config = {
        "worker_server_num": 1,
        "app_url": bucket.url("src/"),
        "boot_file_url": script,
        "data_url": bucket.url("data/"),
        "train_url": bucket.url("output/"),
        "spec_id": 1,
        "engine_id": 1,
    }
    body_config.update(config)
    response = api.post("/v1/{project_id}/training-jobs", json={"job_name": name or unique("job"), "config": body_config})
    return api.ok(response)


def wait_status(api: Api, job: Dict[str, Any], *states: int, timeout: float = 15.0) -> Dict[str, Any]:
    """Poll version detail until ``status`` is one of ``states``; the detail."""
    return wait_for(
        lambda: (lambda d: d if d["status"] in states else None)(api.detail(job["job_id"], job["version_id"])),
        timeout,
    )


def job_pids(api: Api, job: Dict[str, Any], worker: int = 0) -> Dict[str, int]:
    """The ``PID``/``PGID`` a worker printed first thing (see :data:`REPORT_PIDS`)."""
    name = f"job-{job['job_name']}.{worker}"

    def find() -> Optional[Dict[str, int]]:
        content = api.log(job["job_id"], job["version_id"], name, lines=500, base_line=0, order="desc")["content"]
        for line in content.splitlines():
            if line.startswith("PID "):
                parts = line.split()
                return {"pid": int(parts[1]), "pgid": int(parts[3])}
        return None

    return wait_for(find)


def pid_gone(pid: int) -> bool:
    """``pid`` no longer exists (or is only a zombie nobody reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def group_gone(pgid: int) -> bool:
    """No live process is left in process group ``pgid``."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                return False
    return True


class Helpers:
    """The helpers above, handed to tests by the ``helpers`` fixture."""

    GRACE = GRACE
    REPORT_PIDS = REPORT_PIDS
    SLEEP_LOOP = SLEEP_LOOP
    Api = Api
    Bucket = Bucket
    create_job = staticmethod(create_job)
    group_gone = staticmethod(group_gone)
    job_pids = staticmethod(job_pids)
    pid_gone = staticmethod(pid_gone)
    token_for = staticmethod(token_for)
    unique = staticmethod(unique)
    wait_for = staticmethod(wait_for)
    wait_status = staticmethod(wait_status)


@pytest.fixture(scope="session")
def helpers() -> Helpers:
    """Request helpers, job helpers and boot-script snippets."""
    return Helpers()


@pytest.fixture(scope="session")
def local_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    """One local service for the session (jobs are killed when it closes)."""
    data_dir = tmp_path_factory.mktemp("modelarts-local")
    with LocalService(data_dir, stop_grace=GRACE, queue_delay=0.1, kill_jobs_on_close=True) as service:
        yield service


@pytest.fixture(scope="session")
def api(local_service: LocalService) -> Api:
    """AK/SK-signed requests with the service's main credentials."""
    return Api(local_service.endpoint, local_service.credentials)


@pytest.fixture(scope="session")
def token_api(local_service: LocalService) -> Api:
    """Requests carrying an IAM token of the main account (project-scoped)."""
    creds = local_service.credentials
    return Api(local_service.endpoint, creds, token=token_for(local_service.endpoint, creds))


@pytest.fixture(params=["aksk", "token"])
def any_api(request: pytest.FixtureRequest, api: Api, token_api: Api) -> Api:
    """Each test using it runs once with AK/SK signing and once with a token."""
    return api if request.param == "aksk" else token_api


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data dir for a service of this test's own; job groups a failing test left running are killed."""
    yield tmp_path / "state"
    database = tmp_path / "state" / "state.db"
    if database.exists():
        with sqlite3.connect(database) as conn:
            for (pid,) in conn.execute("SELECT pid FROM versions WHERE pid IS NOT NULL"):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass


@pytest.fixture
def bucket(local_service: LocalService) -> Bucket:
    """A fresh OBS bucket for this test."""
    return Bucket(local_service.obs_root, unique("bucket"))


@pytest.fixture
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs poll every 0.1 s instead of the documented 5 s."""
    from modelarts import _lifecycle

    monkeypatch.setattr(_lifecycle.Job, "poll_interval", 0.1)


@pytest.fixture
def session(local_service: LocalService) -> Iterator[Any]:
    """An AK/SK :class:`~modelarts.session.Session` on the shared local service."""
    from estimator_helpers import sessions

    yield from sessions(local_service)

