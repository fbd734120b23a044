"""``python -m modelarts.local demo`` end to end, in a subprocess: exit code, output, and that
what it prints is what happened (bounded: the demo must finish well within a minute)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import modelarts

ROOT = Path(modelarts.__file__).resolve().parents[1]


def test_demo_runs_the_lifecycle_through_the_sdk_and_tells_the_truth() -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "modelarts.local", "demo"],
        capture_output=True, text=True, timeout=90, env=env, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    took = time.monotonic() - started
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert took < 30, f"the demo took {took:.1f} s"
    assert "Estimator.fit() created job demo-job" in out
    progress = re.findall(r"^  \[[#.]+\] (\w+)\s+[\d.]+s  epoch (\d+)/40$", out, re.MULTILINE)
    assert progress and progress[0][0] in ("INIT", "WAITING", "RUNNING")
    epochs = [int(epoch) for _, epoch in progress]
    assert epochs == sorted(epochs), "the epoch never goes backwards"
    reached = int(re.search(r"^epoch (\d+) reached", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert reached == epochs[-1] >= 8, "the stop message names the epoch the watch saw"
    tail = re.findall(r"^  \| epoch (\d+)/40 loss=", out, re.MULTILINE)
    assert tail and int(tail[-1]) >= reached
    stopped = re.search(r"^job\.stop\(wait=True\): (\w+) after \d+ ms; the last epoch it logged was (\d+)$", out, re.MULTILINE)
    assert stopped is not None and stopped.group(1) == "KILLED"
    assert reached <= int(stopped.group(2)) < 40, "stopped part-way, after the epoch it was stopped at"
    assert "Estimator.get_job_list finds 0 job(s)" in out
    assert out.rstrip().endswith("demo finished")
