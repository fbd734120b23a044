"""SIGKILL the local service (a subprocess) while jobs run and while a stop is half
done, restart it on the same data directory, and check that nothing was lost.

Jobs in play when the service dies:

* ``runner`` keeps running through the crash: re-adopted (same pid), stoppable after;
* ``stubborn`` ignores SIGTERM and is KILLING (grace 3 s) when the service dies:
  the restarted service completes the stop (SIGKILL at the deadline, KILLED);
* ``done`` completed before the crash: unchanged;
* ``finisher`` / ``failer`` exit 0 / 3 while the service is down: COMPLETED / FAILED
  from the exit codes their launcher recorded;
* ``vanished`` has its whole process group SIGKILLed while the service is down:
  LOST (nothing recorded how it ended).

Then a second crash right after a stop request, and at the end no process
group of any job may be left alive.
"""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from fuzz_helpers import TOTALS, Snapshot, create_body, integrity_ok
from signing import GatewayClient
from modelarts.local import LocalServiceProcess
from modelarts.states import JobState

GRACE = 3.0
SCRIPTS = {
    "runner": "import time\nfor _ in range(900):\n    time.sleep(0.1)\n",
    "stubborn": "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nfor _ in range(900):\n"
                "    time.sleep(0.1)\n",
    "done": "print('quick')\n",
    "finisher": "import time\ntime.sleep(2.0)\n",
    "failer": "import sys, time\ntime.sleep(2.0)\nsys.exit(3)\n",
    "vanished": "import time\nfor _ in range(900):\n    time.sleep(0.1)\n",
}


class Cluster:
    """One data directory and the service subprocess currently serving it."""

    def __init__(self, data_dir: Path, helpers: Any) -> None:
        self.data_dir = data_dir
        self.helpers = helpers
        self.process: Any = None
        self.client: Any = None
        self.jobs: Dict[str, Dict[str, Any]] = {}

    def start(self) -> None:
        self.process = LocalServiceProcess(self.data_dir, stop_grace=GRACE, extra_args=["--queue-delay", "0.1"]).start()
        self.client = GatewayClient(self.process.endpoint, self.process.credentials)

    def crash(self) -> None:
        TOTALS["faults"] += 1
        self.process.kill(signal.SIGKILL)

    def create(self, name: str) -> Dict[str, Any]:
        path = self.data_dir / "obs" / "crash" / "src" / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SCRIPTS[name.split("-")[0]], encoding="utf-8")
        body = create_body(name, bucket="crash", boot_file_url=f"/crash/src/{name}.py", app_url="/crash/src/")
        job = self.client.request("POST", f"/v1/{self.client.credentials.project_id}/training-jobs", data=body).json()
        assert job["is_success"], job
        self.jobs[name] = job
        return job

    def path(self, name: str) -> str:
        job = self.jobs[name]
        return f"/v1/{self.client.credentials.project_id}/training-jobs/{job['job_id']}/versions/{job['version_id']}"

    def state(self, name: str) -> JobState:
        return JobState(self.client.request("GET", self.path(name)).json()["status"])

    def reach(self, name: str, *states: JobState, timeout: float = 20.0) -> None:
        self.helpers.wait_for(lambda: self.state(name) in states, timeout)

    def stop(self, name: str) -> None:
        response = self.client.request("POST", self.path(name) + "/stop")
        assert response.status_code == 200, response.text

    def pids(self) -> Dict[str, int]:
        """Each job's launcher pid (= its process group), from the database."""
        conn = sqlite3.connect(f"file:{self.data_dir / 'state.db'}?mode=ro", uri=True, timeout=30)
        try:
            rows = dict(conn.execute("SELECT version_id, pid FROM versions").fetchall())
        finally:
            conn.close()
        return {name: rows[job["version_id"]] for name, job in self.jobs.items() if rows.get(job["version_id"])}


@pytest.fixture
def cluster(tmp_path: Path, helpers: Any) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path / "service", helpers)
    try:
        yield cluster
    finally:  # never leave a service or a job behind, whatever failed
        if cluster.process is not None:
            cluster.process.kill(signal.SIGKILL)
        for pgid in cluster.pids().values() if (cluster.data_dir / "state.db").exists() else []:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except OSError:
                pass


def test_sigkill_while_running_and_while_stopping_loses_nothing(cluster: Cluster, helpers: Any) -> None:
    cluster.start()
    for name in SCRIPTS:
        cluster.create(name)
    cluster.reach("done", JobState.COMPLETED)
    for name in ("runner", "stubborn", "finisher", "failer", "vanished"):
        cluster.reach(name, JobState.RUNNING)
    cluster.stop("stubborn")
    assert cluster.state("stubborn") is JobState.KILLING
    pids = cluster.pids()
    alive = lambda name: not helpers.group_gone(pids[name])  # noqa: E731
    snapshot = Snapshot(cluster.data_dir)
    records = snapshot.take()

    cluster.crash()  # SIGKILL: no shutdown code runs
    assert all(alive(n) for n in ("runner", "stubborn", "vanished")), "jobs must outlive the service"
    os.killpg(pids["vanished"], signal.SIGKILL)
    TOTALS["faults"] += 1
    helpers.wait_for(lambda: not any(alive(n) for n in ("finisher", "failer", "vanished")), timeout=20)
    cluster.start()

    after = snapshot.take()
    lost = [row for table, now in zip(records, after) for row in table if row not in now]
    TOTALS["records_lost"] += len(lost)
    assert not lost and after == records, f"records lost or changed across the crash: {lost}"
    assert cluster.pids() == pids
    assert cluster.state("runner") is JobState.RUNNING and alive("runner")  # re-adopted
    assert cluster.state("done") is JobState.COMPLETED
    cluster.reach("finisher", JobState.COMPLETED, timeout=5)
    cluster.reach("failer", JobState.FAILED, timeout=5)
    cluster.reach("vanished", JobState.LOST, timeout=5)
    cluster.reach("stubborn", JobState.KILLED, timeout=GRACE + 5)  # the half-done stop, completed
    assert not alive("stubborn")

    # A second crash just after a stop request, then a clean stop of the re-adopted job.
    cluster.create("stubborn-2")
    cluster.reach("stubborn-2", JobState.RUNNING)
    cluster.stop("stubborn-2")
    cluster.crash()
    cluster.start()
    cluster.reach("stubborn-2", JobState.KILLED, timeout=GRACE + 5)
    cluster.stop("runner")
    cluster.reach("runner", JobState.KILLED, timeout=GRACE + 5)

    listed = cluster.client.request("GET", f"/v1/{cluster.client.credentials.project_id}/training-jobs",
                                 params={"per_page": 100}).json()
    assert sorted(j["job_name"] for j in listed["jobs"]) == sorted(cluster.jobs)
    creds = cluster.process.credentials
    cluster.process.close()
    output = "".join(cluster.process.output)
    assert "serving on" in output and creds.secret_key not in output and creds.password not in output
    cluster.process = None
    survivors: List[str] = [name for name, pgid in cluster.pids().items() if not helpers.group_gone(pgid)]
    assert survivors == [], f"orphan process groups: {survivors}"
    assert integrity_ok(cluster.data_dir)
