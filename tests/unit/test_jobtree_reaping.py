"""A job's failing worker must read as failed: the launcher's orphan reaping may not take its exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from modelarts.local import jobtree, launcher


def _zombie(proc: "subprocess.Popen[bytes]") -> None:
    """Block until ``proc`` has exited, leaving it unreaped (a zombie)."""
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)


class _LateToNotice:
    """A worker's Popen whose first poll comes just before the worker exits (the race in ``_wait_all``)."""

    def __init__(self, proc: "subprocess.Popen[bytes]") -> None:
        self.proc, self.pid, self.polls = proc, proc.pid, 0

    def poll(self) -> Any:
        self.polls += 1
        return None if self.polls == 1 else self.proc.poll()

    @property
    def returncode(self) -> Any:
        return self.proc.returncode


def test_wait_all_keeps_a_worker_exit_status_for_its_popen() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    _zombie(proc)
    worker = _LateToNotice(proc)
    launcher._wait_all([worker], grace=5.0, own_process=True)  # type: ignore[list-item]
    assert worker.returncode == 3


def test_reap_children_still_collects_other_exited_children() -> None:
    kept = subprocess.Popen([sys.executable, "-c", "raise SystemExit(4)"])
    orphan = subprocess.Popen([sys.executable, "-c", "pass"])
    _zombie(kept)
    _zombie(orphan)
    jobtree.reap_children(keep={kept.pid})
    with pytest.raises(ChildProcessError):  # already collected
        os.waitpid(orphan.pid, os.WNOHANG)
    assert kept.wait(timeout=10) == 4
