"""The runner's parts on their own: job files, the end-state table, launcher spawning, the launcher registry, adoption."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest

from modelarts.local import processes
from modelarts.local.adoption import LauncherRegistry, adopt
from modelarts.local.jobfiles import SERVICE_LOG_PREFIX, JobFiles
from modelarts.local.jobspec import JOB_UID_SPAN, job_uid
from modelarts.local.spawn import spawn_launcher
from modelarts.local.tracking import KILL_BACKSTOP, Tracked, final_state
from modelarts.states import JobState

S = JobState


@pytest.fixture
def child() -> Iterator["subprocess.Popen[bytes]"]:
    """A child process that runs until its stdin closes."""
    popen = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    yield popen
    assert popen.stdin is not None
    popen.stdin.close()
    popen.wait(30)


def _end(popen: "subprocess.Popen[bytes]") -> None:
    assert popen.stdin is not None
    popen.stdin.close()
    popen.wait(30)


# -- job files -------------------------------------------------------------------------------


class TestJobFiles:
    def test_layout(self, tmp_path: Path) -> None:
        files = JobFiles(tmp_path, work_root=tmp_path / "w")
        assert files.obs_root == tmp_path / "obs"
        assert files.log_dir(7) == tmp_path / "logs" / "7"
        assert files.status_file(7) == tmp_path / "runs" / "7" / "status.json"
        assert files.work_dir(7) == tmp_path / "w" / "7"

    @pytest.mark.parametrize("text", [None, "", "{not json", "[1, 2]", "7"])
    def test_missing_or_broken_status_reads_as_none(self, tmp_path: Path, text: Optional[str]) -> None:
        files = JobFiles(tmp_path)
        if text is not None:
            files.run_dir(3).mkdir(parents=True)
            files.status_file(3).write_text(text)
        assert files.read_status(3) is None

    def test_status(self, tmp_path: Path) -> None:
        files = JobFiles(tmp_path)
        files.run_dir(3).mkdir(parents=True)
        files.status_file(3).write_text(json.dumps({"returncode": 0, "exit_codes": [0]}))
        assert files.read_status(3) == {"returncode": 0, "exit_codes": [0]}

    def test_service_log_line_goes_to_worker_zero(self, tmp_path: Path) -> None:
        files = JobFiles(tmp_path)
        files.log_dir(4).mkdir(parents=True)
        files.append_service_log(4, "demo", 2, "the job could not be submitted: no")
        assert (files.log_dir(4) / "job-demo.0").read_text() == f"{SERVICE_LOG_PREFIX} the job could not be submitted: no\n"
        assert not (files.log_dir(4) / "job-demo.1").exists()

    def test_remove(self, tmp_path: Path) -> None:
        files = JobFiles(tmp_path, work_root=tmp_path / "w")
        for path in (files.log_dir(5), files.run_dir(5), files.work_dir(5), files.log_dir(6)):
            path.mkdir(parents=True)
        files.remove(5)
        assert not any(p.exists() for p in (files.log_dir(5), files.run_dir(5), files.work_dir(5)))
        assert files.log_dir(6).is_dir()


def test_job_uid() -> None:
    assert job_uid(None, 12) is None
    assert job_uid(200_000, 12) == 200_012
    assert job_uid(200_000, JOB_UID_SPAN + 3) == 200_003


# -- how a version ends ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, status, started_here, adopted, reaped, expected",
    [
        (S.KILLING, {"returncode": -15}, True, False, -15, (S.KILLED, -15)),
        (S.KILLING, None, False, True, None, (S.KILLED, None)),
        (S.RUNNING, {"returncode": None, "abandoned": True}, True, False, 3, (S.FAILED, None)),
        (S.RUNNING, {"returncode": 0}, True, False, 0, (S.COMPLETED, 0)),
        (S.RUNNING, {"returncode": 0}, False, True, None, (S.COMPLETED, 0)),
        (S.RUNNING, {"returncode": 2}, True, False, 2, (S.FAILED, 2)),
        (S.RUNNING, None, True, False, -9, (S.FAILED, -9)),  # our launcher killed from outside
        (S.RUNNING, None, True, True, -9, (S.LOST, -9)),  # an earlier runner's: no record, no verdict
        (S.RUNNING, None, False, True, None, (S.LOST, None)),
    ],
)
def test_final_state(
    child: "subprocess.Popen[bytes]",
    state: JobState,
    status: Optional[Dict[str, Any]],
    started_here: bool,
    adopted: bool,
    reaped: Optional[int],
    expected: Any,
) -> None:
    tracked = Tracked(1, state, 0.0, popen=child if started_here else None, adopted=adopted)
    assert final_state(tracked, status, reaped) == expected


def test_tracked_alive_and_reap(child: "subprocess.Popen[bytes]") -> None:
    tracked = Tracked(1, S.RUNNING, 0.0, child.pid, processes.start_time(child.pid), popen=child)
    by_pid = Tracked(1, S.RUNNING, 0.0, child.pid, processes.start_time(child.pid))
    assert tracked.alive() and by_pid.alive()
    assert not Tracked(1, S.RUNNING, 0.0, child.pid, "not-its-start-time").alive()  # a reused pid
    _end(child)
    assert not tracked.alive() and not by_pid.alive()
    assert tracked.reap() == 0


def test_start_killing_terms_the_group_and_arms_the_backstop() -> None:
    leader = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE,
                              start_new_session=True)  # fmt: skip
    try:
        tracked = Tracked(1, S.KILLING, 0.0, leader.pid, processes.start_time(leader.pid), popen=leader)
        tracked.start_killing(100.0, stop_grace=2.0)
        assert tracked.kill_at == 100.0 + 2.0 + KILL_BACKSTOP
        assert leader.wait(30) == -15
        assert not tracked.signal(9)  # gone: nothing is signalled
    finally:
        if leader.poll() is None:
            leader.kill()
        assert leader.stdin is not None
        leader.stdin.close()
        leader.wait(30)


# -- spawning a launcher -------------------------------------------------------------------------


def _spec(tmp_path: Path) -> Dict[str, Any]:
    return {
        "cwd": str(tmp_path),
        "status_file": str(tmp_path / "status.json"),
        "workers": [{"index": 0, "argv": [sys.executable, "-c", "open('ran', 'w').write('x')"],
                     "log": str(tmp_path / "w0")}],
    }  # fmt: skip


def test_spawned_launcher_waits_for_the_go_ahead(tmp_path: Path) -> None:
    launch = spawn_launcher(tmp_path, _spec(tmp_path))
    assert json.loads((tmp_path / "spec.json").read_text())["status_file"] == str(tmp_path / "status.json")
    assert launch.pid == launch.popen.pid and launch.proc_start == processes.start_time(launch.pid)
    assert os.getpgid(launch.pid) == launch.pid  # its own session: a stop signals the whole job
    assert not (tmp_path / "ran").exists()
    launch.go()
    assert launch.popen.wait(30) == 0
    assert (tmp_path / "ran").read_text() == "x"
    with pytest.raises(RuntimeError):
        launch.go()


def test_cancelled_launch_starts_nothing(tmp_path: Path) -> None:
    launch = spawn_launcher(tmp_path, _spec(tmp_path))
    launch.cancel()
    launch.cancel()  # idempotent
    assert launch.popen.wait(30) == 3
    assert json.loads((tmp_path / "status.json").read_text())["abandoned"] is True
    assert not (tmp_path / "ran").exists()


def test_spawn_failure_is_an_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        spawn_launcher(tmp_path / "missing", _spec(tmp_path))


# -- the launcher registry and adoption -------------------------------------------------------------


def test_registry_hands_a_detached_launcher_to_the_next_runner(child: "subprocess.Popen[bytes]") -> None:
    registry = LauncherRegistry()
    registry.detach(child)
    assert registry.detached_pids() == [child.pid]
    assert registry.claim(child.pid + 1, None) is None
    assert registry.claim(child.pid, processes.start_time(child.pid)) is child
    assert registry.detached_pids() == [] and registry.claim(child.pid, None) is None


def test_registry_keeps_a_launcher_whose_start_time_differs(child: "subprocess.Popen[bytes]") -> None:
    registry = LauncherRegistry()
    registry.detach(child)
    assert registry.claim(child.pid, "some other process") is None  # the pid was reused: not ours to adopt
    assert registry.detached_pids() == [child.pid]


def test_abandoned_launchers_are_reaped_once_ended(child: "subprocess.Popen[bytes]") -> None:
    registry = LauncherRegistry()
    registry.abandon(child)
    assert registry.reap_abandoned() == 1
    _end(child)
    assert registry.reap_abandoned() == 0 and child.returncode == 0


def _row(child: "subprocess.Popen[bytes]", status: JobState, pid: Optional[int]) -> Dict[str, Any]:
    start = processes.start_time(child.pid)
    return {"version_id": 9, "status": int(status), "create_time": 1_700_000_000_000, "pid": pid, "proc_start": start}


def test_adopt_claims_this_process_launcher(child: "subprocess.Popen[bytes]") -> None:
    registry = LauncherRegistry()
    registry.detach(child)
    tracked = adopt(_row(child, S.RUNNING, child.pid), registry)
    assert (tracked.version_id, tracked.state, tracked.queued_at) == (9, S.RUNNING, 1_700_000_000.0)
    assert tracked.adopted and tracked.popen is child and tracked.pid == child.pid


def test_adopt_without_a_parked_launcher_watches_by_pid(child: "subprocess.Popen[bytes]") -> None:
    tracked = adopt(_row(child, S.KILLING, child.pid), LauncherRegistry())
    assert tracked.popen is None and tracked.alive() and tracked.state is S.KILLING
    queued = adopt(_row(child, S.WAITING, None), LauncherRegistry())
    assert queued.pid is None and queued.popen is None and not queued.alive()
