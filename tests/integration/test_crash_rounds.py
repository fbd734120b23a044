"""Launch intent and crash rounds: no duplicate launch, no untracked process, no lost write.

* A launch whose recording fails never starts the job (the launcher waits for
  the service's go-ahead, sent only once its pid is in the database).
* Crash rounds: bursts of concurrent create/stop/delete against a service
  subprocess that is SIGKILLed mid-burst, ten times, then restarted once more:
  every acknowledged create/stop/delete is still true, no version ran twice,
  and no process of a deleted job is left.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Set

import pytest
import requests

from fuzz_helpers import create_body
from polling import wait_for
from signing import GatewayClient
from modelarts.local import LocalService, LocalServiceProcess
from modelarts.local.jobstore import JobStore
from modelarts.states import JobState

BOOT = "import time\nprint('BOOTED', flush=True)\ntime.sleep(0.6)\n"
ROUNDS = 10


def _booted(data_dir: Path, version_id: int) -> int:
    """How many times a version's worker 0 started (its log's BOOTED lines)."""
    total = 0
    for path in (data_dir / "logs" / str(version_id)).glob("*.0"):
        total += path.read_text(encoding="utf-8", errors="replace").count("BOOTED")
    return total


def test_a_launch_that_cannot_be_recorded_starts_nothing(
    tmp_path: Path, helpers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = JobStore.set_status
    failures = []

    def flaky(self: JobStore, version_id: int, expected: JobState, new: JobState, **fields: Any) -> bool:
        if new is JobState.RUNNING and not failures:
            failures.append(version_id)
            raise OSError("database write failed while recording the launch")
        return original(self, version_id, expected, new, **fields)

    monkeypatch.setattr(JobStore, "set_status", flaky)
    with LocalService(tmp_path, queue_delay=0.05) as service:
        api = helpers.Api(service.endpoint, service.credentials)
        bucket = helpers.Bucket(service.obs_root, "intent")
        job = helpers.create_job(api, bucket, BOOT)
        helpers.wait_for(lambda: JobState(api.detail(job["job_id"], job["version_id"])["status"]).is_terminal, 30)
        spec = f"runs/{job['version_id']}/spec.json"
        helpers.wait_for(lambda: not _processes_mentioning(spec), timeout=15)
        assert failures == [job["version_id"]]
        launches = _booted(service.data_dir, job["version_id"])
        assert launches == 0, f"{launches} launches, but the launch was never recorded"


def _processes_mentioning(text: str) -> List[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    if text.encode() in handle.read() and not helpers_pid_gone(int(entry)):
                        found.append(int(entry))
            except OSError:
                pass
    return found


def helpers_pid_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def _job_processes(work_root: Path, version_ids: Set[int]) -> List[int]:
    """Live processes whose working directory is in one of these versions' work dirs."""
    wanted = {str(work_root / str(vid)) for vid in version_ids}
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or helpers_pid_gone(int(entry)):
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        if any(cwd == top or cwd.startswith(top + "/") for top in wanted):
            found.append(int(entry))
    return found


class Burst:
    """Concurrent create/stop/delete against one service until it dies."""

    def __init__(self, client: GatewayClient, seed: int, ledger: Dict[str, Any]) -> None:
        self.client = client
        self.random = random.Random(seed)
        self.ledger = ledger
        self.lock = threading.Lock()

    def path(self, job: Dict[str, Any]) -> str:
        return f"/v1/{self.client.credentials.project_id}/training-jobs/{job['job_id']}"

    def one(self, index: int) -> None:
        choice = self.random.random()
        with self.lock:
            known = [job for job in self.ledger["created"].values() if job["job_id"] not in self.ledger["deleted"]]
        if choice < 0.5 or not known:
            name = f"crash-{os.getpid()}-{self.ledger['count']}-{index}-{self.random.randrange(10**9)}"
            self.ledger["count"] += 1
            response = self.client.request("POST", f"/v1/{self.client.credentials.project_id}/training-jobs",
                                           data=create_body(name, bucket="crash"))
            if response.status_code == 200:
                with self.lock:
                    self.ledger["created"][name] = response.json()
        elif choice < 0.75:
            job = self.random.choice(known)
            response = self.client.request("POST", self.path(job) + f"/versions/{job['version_id']}/stop")
            if response.status_code == 200:
                with self.lock:
                    self.ledger["stopped"].add(job["job_id"])
        else:
            job = self.random.choice(known)
            with self.lock:  # an unacknowledged delete may still have happened
                self.ledger["delete_sent"].add(job["job_id"])
            response = self.client.request("DELETE", self.path(job))
            if response.status_code == 200:
                with self.lock:
                    self.ledger["deleted"][job["job_id"]] = job["version_id"]

    def run(self, index: int, halt: threading.Event) -> None:
        while not halt.is_set():
            try:
                self.one(index)
            except (requests.RequestException, ValueError):
                return  # the service died under us: unacknowledged, so nothing to check


@pytest.mark.slow
def test_crash_rounds_lose_nothing_and_launch_nothing_twice(tmp_path: Path) -> None:
    data_dir = tmp_path / "service"
    boot = data_dir / "obs" / "crash" / "src" / "boot.py"
    boot.parent.mkdir(parents=True)
    boot.write_text(BOOT, encoding="utf-8")
    ledger: Dict[str, Any] = {"created": {}, "stopped": set(), "deleted": {}, "delete_sent": set(), "count": 0}
    started = time.monotonic()
    service = None
    try:
        for round_number in range(ROUNDS):
            service = LocalServiceProcess(data_dir, stop_grace=0.5, extra_args=["--queue-delay", "0.05"]).start()
            burst = Burst(GatewayClient(service.endpoint, service.credentials), round_number, ledger)
            halt = threading.Event()
            threads = [threading.Thread(target=burst.run, args=(index, halt)) for index in range(4)]
            for thread in threads:
                thread.start()
            halt.wait(0.4 + 0.6 * random.Random(round_number).random())  # a burst of about half a second
            service.kill(signal.SIGKILL)  # mid-burst
            halt.set()
            for thread in threads:
                thread.join(30)
        service = LocalServiceProcess(data_dir, stop_grace=0.5, extra_args=["--queue-delay", "0.05"]).start()
        client = GatewayClient(service.endpoint, service.credentials)
        project = client.credentials.project_id
        finals: Dict[str, JobState] = {}
        for name, job in ledger["created"].items():
            if job["job_id"] in ledger["deleted"]:
                continue
            path = f"/v1/{project}/training-jobs/{job['job_id']}/versions/{job['version_id']}"

            def final() -> Any:
                answer = client.request("GET", path)
                if answer.status_code == 400 and job["job_id"] in ledger["delete_sent"]:
                    return "deleted"  # its delete was sent, unacknowledged, and happened
                assert answer.status_code == 200, f"acknowledged create of {name} lost: {answer.text}"
                state = JobState(answer.json()["status"])
                return state if state.is_terminal else None

            finals[name] = wait_for(final, timeout=60, what=f"{name} to reach a final state")
        for job_id in ledger["deleted"]:
            answer = client.request("GET", f"/v1/{project}/training-jobs/{job_id}/versions")
            assert answer.status_code == 400 and answer.json()["error_code"] == "ModelArts.2775", answer.text
        for name, job in ledger["created"].items():
            if job["job_id"] in ledger["stopped"] and isinstance(finals.get(name), JobState):
                assert finals[name] in (JobState.KILLED, JobState.CANCELED, JobState.COMPLETED), (name, finals[name])
        duplicates = [name for name, job in ledger["created"].items() if _booted(data_dir, job["version_id"]) > 1]
        work_root = service_work_root(data_dir)
        gone = set(ledger["deleted"].values()) | {
            job["version_id"] for name, job in ledger["created"].items() if finals.get(name) == "deleted"
        }
        try:
            wait_for(lambda: not _job_processes(work_root, gone), timeout=15)
        except AssertionError:
            pass  # the survivors are counted and reported below
        survivors = _job_processes(work_root, gone)
    finally:
        if service is not None:
            service.kill(signal.SIGKILL)
    elapsed = time.monotonic() - started
    print(f"crash rounds: {ROUNDS} SIGKILLs, {len(ledger['created'])} acknowledged creates, "
          f"{len(ledger['stopped'])} stops, {len(ledger['deleted'])} deletes, {len(duplicates)} duplicate launches, "
          f"{len(survivors)} surviving processes of deleted jobs, "
          f"{elapsed:.1f}s")
    assert len(ledger["created"]) >= ROUNDS
    assert duplicates == []
    assert survivors == []
    assert elapsed < 240


def service_work_root(data_dir: Path) -> Path:
    from modelarts.local.jobfiles import JobFiles

    files = JobFiles(data_dir.resolve())
    return getattr(files, "work_root", data_dir / "runs")
