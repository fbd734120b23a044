"""The job launcher: runs a job's workers, isolated, and records how they ended.

Run as a *script* (``python launcher.py SPEC.json``) in the job's own session,
so it leads the job's process group and needs nothing but the standard
library.  In order it:

1. waits for the service's go-ahead on the pipe named by ``--go-fd``: the
   service records the launcher's pid before it sends it, so a service killed
   mid-launch never leaves an unrecorded copy running (end of file means
   "abandon": the launcher records ``"abandoned": true`` and exits without
   starting anything);
2. becomes the child subreaper of everything it starts
   (:mod:`modelarts.local.jobtree`);
3. stages the code directory and the inputs into the job's work directory
   (:mod:`modelarts.local.staging`) and hands it to the job's user;
4. starts one process per worker with a scrubbed environment, the work
   directory as home, stdout/stderr appended to that worker's log and — when
   the spec names one — an unprivileged uid/gid with no supplementary groups;
5. waits for the workers, then SIGKILLs whatever they left behind (a
   background child, a ``setsid`` daemon) and reaps it;
6. copies the output directory back to its OBS path and writes
   ``status.json`` atomically: ``{"exit_codes": [...], "returncode": N,
   "finished_at": epoch}``.  That file is how a restarted service learns the
   truthful final state of a job whose processes outlived it.

SIGTERM (a stop) is forwarded to the whole tree; if anything is still alive
``stop_grace`` seconds later the launcher SIGKILLs the tree itself, so the
escalation does not depend on the service still running.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional

if __package__:
    from modelarts.local import jobtree, staging
else:  # run as a script: the sibling modules are on sys.path[0]
    import jobtree  # type: ignore[import-not-found,no-redef]
    import staging  # type: ignore[import-not-found,no-redef]

__all__ = ["main", "run"]

_PREFIX = "[ModelArts Service Log]"
_stop_requested: List[float] = []


def _note(log: Any, text: str) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    log.write(f"{_PREFIX}{stamp} {text}\n".encode("utf-8"))
    log.flush()


def _identity(spec: Dict[str, Any]) -> Dict[str, Any]:
    uid, gid = spec.get("uid"), spec.get("gid")
    if uid is None or os.geteuid() != 0:
        return {}
    return {"user": uid, "group": gid, "extra_groups": []}


def _runtime(spec: Dict[str, Any], log: Any) -> Optional[str]:
    """The interpreter path the job's user can run (binding it in when it cannot reach ours)."""
    uid, gid = spec.get("uid"), spec.get("gid")
    if uid is None or gid is None or os.geteuid() != 0 or staging.reachable(sys.executable, uid, gid):
        return None
    mount_point = spec["runtime_dir"]
    if not staging.bind_runtime(sys.base_prefix, mount_point):
        _note(log, f"warning: the job's user cannot reach {sys.executable} and it could not be bound in")
        return None
    return os.path.join(mount_point, os.path.relpath(os.path.realpath(sys.executable), sys.base_prefix))


def _stage(spec: Dict[str, Any]) -> None:
    job_dir = spec.get("job_dir")
    if not job_dir:
        return
    os.makedirs(job_dir, mode=0o700, exist_ok=True)
    os.makedirs(os.path.join(job_dir, "tmp"), exist_ok=True)
    for item in spec.get("copy_back") or []:  # every output directory exists, empty, when the job starts
        os.makedirs(item["source"], exist_ok=True)
    for item in spec.get("stage_in") or []:
        staging.stage_in(item["source"], item["target"])
    staging.chown_tree(job_dir, spec.get("uid"), spec.get("gid"))


def _start(worker: Dict[str, Any], spec: Dict[str, Any], log: Any, python: Optional[str]) -> Optional["subprocess.Popen[bytes]"]:
    if worker.get("error"):
        _note(log, str(worker["error"]))
        return None
    argv = list(worker["argv"])
    env = dict(worker.get("env") or {})
    if python is not None:
        if argv and argv[0] == sys.executable:
            argv[0] = python
        env["PATH"] = os.path.dirname(python) + os.pathsep + env.get("PATH", "")
    _note(log, f"worker {worker['index']} starting: {' '.join(argv)}")
    argv = list(spec.get("wrap") or []) + argv  # the sandbox, if any
    return subprocess.Popen(
        argv,
        cwd=spec.get("cwd") or None,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        close_fds=True,
        **_identity(spec),
    )


def _wait_all(procs: List[Optional["subprocess.Popen[bytes]"]], grace: float, own_process: bool) -> None:
    """Wait for every worker; after a stop, SIGKILL the tree once ``grace`` has passed."""
    killed = False
    while any(proc is not None and proc.poll() is None for proc in procs):
        if _stop_requested and not killed and time.monotonic() >= _stop_requested[0] + grace:
            jobtree.kill_tree(signal.SIGKILL)
            killed = True
        if own_process:  # orphans re-parented to us; the workers' own statuses stay for their Popen
            jobtree.reap_children(keep={proc.pid for proc in procs if proc is not None})
        time.sleep(0.02)


def _forward_missed_stop(procs: List[Optional["subprocess.Popen[bytes]"]], started: List[float]) -> None:
    """SIGTERM the workers a stop may have missed: those whose start it overlapped.

    Between ``fork`` and ``exec`` a worker still has this process's signal
    handler, which swallows a SIGTERM; after ``exec`` it would run on until the
    SIGKILL backstop.  A worker whose ``Popen`` returned before the stop got the
    stop's own SIGTERM, so it is not signalled twice.
    """
    if not _stop_requested:
        return
    for proc, at in zip(procs, started):
        if proc is not None and at >= _stop_requested[0] and proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def _on_stop(signum: int, frame: Any) -> None:
    if not _stop_requested:
        _stop_requested.append(time.monotonic())
    jobtree.kill_tree(signal.SIGTERM)


def run(spec: Dict[str, Any], own_process: bool = False) -> int:
    """Run every worker of ``spec`` to the end; return the job's return code.

    ``own_process`` (the launcher script) makes this process the subreaper of
    the job and SIGKILLs every descendant left at the end; called in-process
    (tests) only the workers themselves are waited for.
    """
    if own_process:
        jobtree.become_subreaper()
    logs = [open(worker["log"], "ab", buffering=0) for worker in spec["workers"]]
    procs: List[Optional["subprocess.Popen[bytes]"]] = []
    setup_error = ""
    try:
        _stage(spec)
        python = _runtime(spec, logs[0])
    except OSError as exc:
        setup_error, python = f"the job's files could not be staged: {exc}", None
    started: List[float] = []  # when each worker's Popen returned (it had exec'd by then)
    unstarted: Dict[int, int] = {}  # position -> the code a worker stopped before its start gets
    for position, (worker, log) in enumerate(zip(spec["workers"], logs)):
        procs.append(None)
        started.append(0.0)
        if _stop_requested:  # stopped while staging or starting: start nothing more
            _note(log, f"worker {worker['index']} stopped before it started")
            unstarted[position] = -signal.SIGTERM
        elif setup_error:
            _note(log, setup_error)
        else:
            try:
                procs[-1] = _start(worker, spec, log, python)
            except OSError as exc:
                _note(log, f"worker {worker['index']} could not start: {exc}")
            started[-1] = time.monotonic()
    _forward_missed_stop(procs, started)
    _wait_all(procs, float(spec.get("stop_grace", 5.0)), own_process)
    if own_process:
        jobtree.sweep()  # nothing of the job outlives it
    codes = []
    for position, (worker, proc, log) in enumerate(zip(spec["workers"], procs, logs)):
        code = proc.returncode if proc is not None else unstarted.get(position, int(worker.get("error_code", 2)))
        codes.append(code)
        _note(log, f"Training end with return code: {code}")
    for item in spec.get("copy_back") or []:
        try:
            staging.copy_back(item["source"], item["target"])
        except OSError as exc:
            _note(logs[0], f"the outputs could not be copied to {item['url']}: {exc}")
    for log in logs:
        log.close()
    returncode = next((code for code in codes if code != 0), 0)
    _write_status(spec, {"exit_codes": codes, "returncode": returncode, "finished_at": time.time()})
    return returncode


def _write_status(spec: Dict[str, Any], status: Dict[str, Any]) -> None:
    tmp = spec["status_file"] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(status, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, spec["status_file"])


def _await_go(fd: int) -> bool:
    """Block until the service says go (one byte) or goes away (end of file)."""
    while True:
        ready, _, _ = select.select([fd], [], [])
        if ready:
            data = os.read(fd, 1)
            os.close(fd)
            return data == b"1"


def _abandon(spec: Dict[str, Any]) -> None:
    """Record that this launch never started anything (the service went away first)."""
    with open(spec["workers"][0]["log"], "ab") as log:
        _note(log, "the service stopped before this job could start; it never ran")
    _write_status(spec, {"exit_codes": [], "returncode": None, "abandoned": True, "finished_at": time.time()})


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    with open(args[0], encoding="utf-8") as handle:
        spec = json.load(handle)
    if len(args) >= 3 and args[1] == "--go-fd" and not _await_go(int(args[2])):
        _abandon(spec)  # the launch was never recorded as started: start nothing
        return 3
    # Stay alive on SIGTERM so the exit codes can still be recorded; the
    # handler forwards the stop to the whole tree (a handler, not SIG_IGN,
    # so the workers start with the default disposition).
    signal.signal(signal.SIGTERM, _on_stop)
    signal.signal(signal.SIGINT, _on_stop)
    returncode = run(spec, own_process=True)
    return 0 if returncode == 0 else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is written and closed: skip interpreter teardown (tens of ms
    # that would only delay the KILLED/COMPLETED the service reports).
    os._exit(code)
