"""A stop that lands while the launcher is still starting its workers is not lost.

Between ``fork`` and ``exec`` a new worker still has the launcher's signal
handler, so a SIGTERM sent to it then is swallowed and the worker runs on after
``exec`` with the default disposition; before the fix such a job ran until the
SIGKILL backstop (``stop_grace``, 5 s by default) — found by the stop benchmark,
where about one stop in 24 took 6.4 s.  A stop that lands before a worker is
started must start nothing at all.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from modelarts.local import launcher

SLEEPER = "import time\nprint('worker-running', flush=True)\ntime.sleep(20)\n"


def _spec(tmp_path: Path, workers: int = 1, grace: float = 30.0) -> Dict[str, Any]:
    return {
        "cwd": str(tmp_path),
        "status_file": str(tmp_path / "status.json"),
        "stop_grace": grace,
        "workers": [{"index": i, "argv": [sys.executable, "-c", SLEEPER], "log": str(tmp_path / f"w{i}")}
                    for i in range(workers)],
    }


@pytest.fixture
def fresh_stop(monkeypatch: pytest.MonkeyPatch) -> List[Any]:
    """A launcher with no stop requested yet, whose tree-wide signals are only recorded.

    (In-process, "the tree" would be the test runner's own children.)
    """
    monkeypatch.setattr(launcher, "_stop_requested", [])
    sent: List[Any] = []
    monkeypatch.setattr(launcher.jobtree, "kill_tree", lambda sig, root=None: sent.append(sig) or 0)
    return sent


def test_a_stop_swallowed_while_a_worker_starts_still_stops_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_stop: List[Any]
) -> None:
    real_start = launcher._start

    def start_then_stop(*args: Any) -> Any:
        proc = real_start(*args)
        launcher._on_stop(signal.SIGTERM, None)  # the stop arrives; its SIGTERM reaches no worker
        return proc

    monkeypatch.setattr(launcher, "_start", start_then_stop)
    began = time.monotonic()
    code = launcher.run(_spec(tmp_path, grace=30.0))
    took = time.monotonic() - began
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["exit_codes"] == [-signal.SIGTERM] and code != 0
    assert took < 10, f"the worker ran on for {took:.1f} s after the stop"
    assert fresh_stop == [signal.SIGTERM]  # the backstop's SIGKILL was never needed


def test_a_stop_before_the_workers_start_starts_none(tmp_path: Path, fresh_stop: List[Any]) -> None:
    launcher._on_stop(signal.SIGTERM, None)  # e.g. while the job's files were being staged
    began = time.monotonic()
    code = launcher.run(_spec(tmp_path, workers=2))
    assert time.monotonic() - began < 5 and code != 0
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["exit_codes"] == [-signal.SIGTERM, -signal.SIGTERM]
    for index in (0, 1):
        log = (tmp_path / f"w{index}").read_text()
        assert "worker-running" not in log and "stopped before it started" in log
