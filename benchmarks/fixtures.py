"""The local service, a Session on it, and jobs: what the service-side benchmarks share."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

from modelarts.states import JobState

#: A job that runs until it is stopped (SIGTERM ends it at once).
SLEEPER = "import time\nprint('started', flush=True)\nwhile True:\n    time.sleep(0.05)\n"
#: A job that ends at once (used to get a real, validated config to seed copies from).
QUICK = "print('done')\n"


@contextlib.contextmanager
def served(**options: Any) -> Iterator[Any]:
    """``python -m modelarts.local serve`` in its own process on a fresh data dir (loopback, free port).

    A separate process, so the benchmark's client and the service do not
    share a GIL; jobs are killed when it exits.
    """
    from modelarts.local import LocalServiceProcess

    with tempfile.TemporaryDirectory(prefix="modelarts-bench-") as tmp:
        with LocalServiceProcess(Path(tmp) / "data", extra_args=["--kill-jobs-on-exit"], **options) as service:
            yield service


@contextlib.contextmanager
def in_process(**options: Any) -> Iterator[Any]:
    """A LocalService in a thread of this process (to hook into it), jobs killed on close."""
    from modelarts.local import LocalService

    with tempfile.TemporaryDirectory(prefix="modelarts-bench-") as tmp:
        with LocalService(Path(tmp) / "data", kill_jobs_on_close=True, **options) as service:
            yield service


def job_store(service: Any) -> Any:
    """A JobStore on the service's database (its own SQLite connection; WAL allows it)."""
    from modelarts.local.jobstore import JobStore
    from modelarts.local.store import Database

    return JobStore(Database(Path(service.data_dir) / "state.db"))


@contextlib.contextmanager
def served_session(in_thread: bool = False) -> Iterator[Tuple[Any, Any]]:
    """:func:`served` (or :func:`in_process`), and an AK/SK Session on it (closed afterwards)."""
    with (in_process() if in_thread else served()) as service:
        session = session_for(service)
        try:
            yield service, session
        finally:
            session.close()


def session_for(service: Any) -> Any:
    """An AK/SK Session pointed at ``service`` (endpoints set the documented way)."""
    from modelarts.session import Session

    creds = service.credentials
    Session.set_endpoint(iam_endpoint=service.endpoint, modelarts_endpoint=service.endpoint,
                         obs_endpoint=getattr(service, "obs_endpoint", "") or service.endpoint,
                         region_name=creds.region_name)
    return Session(access_key=creds.access_key, secret_key=creds.secret_key,
                   project_id=creds.project_id, region_name=creds.region_name)


def put_code(service: Any, code: str, name: str = "boot.py") -> str:
    """Write a boot file into the service's OBS; its OBS path."""
    target = Path(service.data_dir) / "obs" / "bucket" / "src" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(code, encoding="utf-8")
    return f"/bucket/src/{name}"


def estimator(session: Any, boot_file: str) -> Any:
    from modelarts.estimator import Estimator

    return Estimator(session, code_dir="/bucket/src/", boot_file=boot_file, output_path="/bucket/output/",
                     log_url="/bucket/log/", train_instance_type="modelarts.vm.cpu.2u", train_instance_count=1,
                     framework_type="PyTorch", framework_version="PyTorch-1.0.0-python3.6")


def quick_job(service: Any, session: Any, name: str) -> Any:
    """A job (created with the SDK) whose process prints one line and exits."""
    return estimator(session, put_code(service, QUICK, "quick.py")).fit(inputs="/bucket/data/", job_name=name)


def wait_for(predicate: Any, timeout: float = 30.0, every: float = 0.01) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"condition not met in {timeout} s")


def running_jobs(session: Any, boot_file: str, total: int, batch: int, prefix: str) -> Iterator[Any]:
    """``total`` jobs created with the SDK, ``batch`` at a time; each yielded once its process runs."""
    for first in range(0, total, batch):
        jobs = [estimator(session, boot_file).fit(inputs="/bucket/data/", job_name=f"{prefix}-{index}")
                for index in range(first, min(total, first + batch))]
        for job in jobs:
            wait_for(lambda: job.refresh() is JobState.RUNNING, timeout=60, every=0.02)
        yield from jobs


def version_pid(store: Any, version_id: Any) -> int:
    row = store.version_row(int(version_id))
    return int(row["pid"] or 0)


def seed_terminal_jobs(store: Any, count: int, template_version_id: Any, first: int = 0) -> Tuple[float, int]:
    """Insert ``count`` COMPLETED jobs copying a real job's config, in one transaction.

    Returns (seconds taken, jobs now stored).  No processes are started: the
    runner only watches versions it launched or found in flight at start-up.
    """
    template = store.version_row(int(template_version_id))
    config: Dict[str, Any] = json.loads(template["config"])
    project = template["project_id"]
    started = time.perf_counter()
    with store.db.transaction():
        for index in range(first, first + count):
            row = store.create_job(project, f"seeded-{index:05d}", "seeded", "0", config)
            store.db.execute("UPDATE versions SET status = ?, start_time = ?, end_time = ? WHERE version_id = ?",
                             (int(JobState.COMPLETED), row["create_time"], row["create_time"] + 1000,
                              row["version_id"]))
    total = store.db.scalar("SELECT COUNT(*) FROM jobs WHERE project_id = ?", (project,))
    return time.perf_counter() - started, int(total)


def rss_bytes(pid: int = 0) -> int:
    """Resident set size of ``pid`` (default: this process) from /proc."""
    with open(f"/proc/{pid or os.getpid()}/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc status")
