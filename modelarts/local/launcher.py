"""The job launcher: a tiny process that runs a job's workers and records how they ended.

Run as a *script* (``python launcher.py SPEC.json``) in the job's own session,
so it leads the job's process group and needs nothing but the standard
library.  It starts one process per worker with stdout/stderr appended to that
worker's log, waits for all of them and then writes ``status.json``
atomically: ``{"exit_codes": [...], "returncode": N, "finished_at": epoch}``.
That file is how a restarted service learns the truthful final state of a job
whose processes outlived it.

SIGTERM to the group reaches the workers directly; the launcher itself only
notes it and keeps waiting, so the exit codes still get written.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional

__all__ = ["main", "run"]

_PREFIX = "[ModelArts Service Log]"


def _note(log: Any, text: str) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    log.write(f"{_PREFIX}{stamp} {text}\n".encode("utf-8"))
    log.flush()


def _start(worker: Dict[str, Any], spec: Dict[str, Any], log: Any) -> Optional[subprocess.Popen]:
    if worker.get("error"):
        _note(log, str(worker["error"]))
        return None
    env = dict(os.environ)
    env.update(worker.get("env") or {})
    _note(log, f"worker {worker['index']} starting: {' '.join(worker['argv'])}")
    return subprocess.Popen(
        worker["argv"],
        cwd=spec.get("cwd") or None,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def run(spec: Dict[str, Any]) -> int:
    """Run every worker of ``spec`` to the end; return the job's return code."""
    logs = [open(worker["log"], "ab", buffering=0) for worker in spec["workers"]]
    procs: List[Optional[subprocess.Popen]] = []
    for worker, log in zip(spec["workers"], logs):
        try:
            procs.append(_start(worker, spec, log))
        except OSError as exc:
            _note(log, f"worker {worker['index']} could not start: {exc}")
            procs.append(None)
    codes = []
    for worker, proc, log in zip(spec["workers"], procs, logs):
        code = proc.wait() if proc is not None else int(worker.get("error_code", 2))
        codes.append(code)
        _note(log, f"Training end with return code: {code}")
        log.close()
    returncode = next((code for code in codes if code != 0), 0)
    status = {"exit_codes": codes, "returncode": returncode, "finished_at": time.time()}
    tmp = spec["status_file"] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(status, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, spec["status_file"])
    return returncode


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    with open(args[0], encoding="utf-8") as handle:
        spec = json.load(handle)
    # Stay alive on SIGTERM (the workers get it from the group signal) so the
    # exit codes can still be recorded; a handler, not SIG_IGN, so the workers
    # start with the default disposition.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    signal.signal(signal.SIGINT, lambda signum, frame: None)
    returncode = run(spec)
    return 0 if returncode == 0 else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is written and closed: skip interpreter teardown (tens of ms
    # that would only delay the KILLED/COMPLETED the service reports).
    os._exit(code)
