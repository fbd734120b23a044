"""Runs job versions as real processes and moves them through ``JobState``.

One supervisor thread ticks every ``poll_interval`` seconds:

* INIT → WAITING after half the ``queue_delay``, WAITING → RUNNING after the
  rest, when the launcher (:mod:`modelarts.local.launcher`) is started in its
  own session with one process per worker;
* RUNNING → COMPLETED / FAILED when the launcher exits (from the exit codes it
  recorded); KILLING → KILLED once the launcher has ended the job's whole
  process tree (it SIGKILLs it itself when the stop grace has passed).

A stop request is handled at once in the caller's thread: a queued version is
CANCELED, a running one becomes KILLING and its group gets SIGTERM.

Isolation (see the threat model in :mod:`modelarts.local`): the job's code
and inputs are staged into its own work directory, it starts with a scrubbed
environment and, when the service runs as root, as an unprivileged uid of its
own (an unprivileged service uses ``bwrap`` when installed); outputs are
copied back to their OBS path when it ends.

On start the supervisor re-adopts what the database says is in flight: live
launchers (checked against their recorded start time) are watched again,
dead ones get the state their ``status.json`` records (LOST without it), and
a half-done stop is finished.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import attrs

from modelarts.local import launcher, processes
from modelarts.local.jobspec import JOB_UID_BASE, JOB_UID_SPAN, JobFiles, build_spec, launcher_env, resolve_sandbox
from modelarts.local.errors import NotTerminable
from modelarts.local.jobstore import JobStore
from modelarts.local.logs import log_file_names
from modelarts.local.obs import ObsPathError, local_path
from modelarts.states import JobState

__all__ = ["JOB_UID_BASE", "JOB_UID_SPAN", "JobFiles", "Runner", "KILL_BACKSTOP"]

log = logging.getLogger(__name__)
_S = JobState

#: Launchers a closed runner left running, by pid: a later runner in the same
#: process re-adopts them through their ``Popen`` (no zombies, no "still
#: running" warnings from ``Popen.__del__``).
_DETACHED: Dict[int, "subprocess.Popen[bytes]"] = {}

#: Launchers whose launch could not be recorded: they exit without starting
#: anything; kept here only so they are reaped (``poll``) instead of left zombies.
_ABANDONED: List["subprocess.Popen[bytes]"] = []


@attrs.define
class _Active:
    """A version the supervisor is watching."""

    version_id: int
    state: JobState
    queued_at: float
    pid: Optional[int] = None
    proc_start: Optional[str] = None
    popen: Optional["subprocess.Popen[bytes]"] = None
    kill_at: Optional[float] = None
    adopted: bool = False
    account: Optional[str] = None


#: The launcher SIGKILLs a stopped job's tree itself after the stop grace; the
#: service SIGKILLs the launcher's group only if it is still there this much later.
KILL_BACKSTOP = 5.0

class Runner:
    """Starts, watches, stops and re-adopts job processes."""

    def __init__(
        self,
        jobs: JobStore,
        files: JobFiles,
        stop_grace: float = 5.0,
        queue_delay: float = 0.5,
        poll_interval: float = 0.05,
        clock: Callable[[], float] = time.time,
        job_uid_base: Optional[int] = None,
        max_running_per_account: Optional[int] = None,
        sandbox: str = "auto",
    ) -> None:
        """``sandbox`` (:data:`~modelarts.local.jobspec.SANDBOXES`): ``auto`` runs each
        job as a uid of its own (from ``job_uid_base``, default :data:`JOB_UID_BASE`)
        when the service is root, else under ``bwrap`` when installed.

        ``max_running_per_account`` caps how many versions of one account run
        at once (``None``: no cap); the others stay WAITING, first come first
        served, until one ends.
        """
        if max_running_per_account is not None and max_running_per_account < 1:
            raise ValueError("max_running_per_account must be at least 1")
        self.max_running_per_account = max_running_per_account
        self.jobs = jobs
        self.sandbox = resolve_sandbox(sandbox)
        if self.sandbox == "uid" and os.geteuid() != 0:
            raise ValueError("the uid sandbox needs a service running as root")
        self.job_uid_base = (job_uid_base or JOB_UID_BASE) if self.sandbox == "uid" else None
        self.files = files
        self.stop_grace = stop_grace
        self.queue_delay = queue_delay
        self.poll_interval = poll_interval
        self.clock = clock
        self._lock = threading.RLock()
        self._active: Dict[int, _Active] = {}
        self._halt = threading.Event()
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> None:
        """Re-adopt what is in flight, then start the supervisor thread."""
        for row in self.jobs.in_flight():
            self._adopt(row)
        self._thread = threading.Thread(target=self._loop, name="modelarts-local-runner", daemon=True)
        self._thread.start()

    def close(self, kill_jobs: bool = False, timeout: Optional[float] = None) -> None:
        """Stop the supervisor; with ``kill_jobs`` first stop every job and wait for it."""
        self._halt.set()
        if self._thread is not None:
            self._thread.join()
        if not kill_jobs:
            with self._lock:
                for active in self._active.values():
                    if active.popen is not None and active.popen.poll() is None:
                        _DETACHED[active.popen.pid] = active.popen
            return
        for version_id in list(self._active):
            try:
                self.stop(version_id)
            except NotTerminable:
                pass
        deadline = time.monotonic() + (self.stop_grace + 5 if timeout is None else timeout)
        while self._active and time.monotonic() < deadline:
            self._tick()
            time.sleep(self.poll_interval)

    def _interval(self) -> float:
        """Poll faster while a stop is in flight, so KILLED shows up promptly."""
        with self._lock:
            killing = any(active.state is _S.KILLING for active in self._active.values())
        return min(self.poll_interval, 0.01) if killing else self.poll_interval

    def _loop(self) -> None:
        while not self._halt.wait(self._interval()):
            try:
                self._tick()
            except Exception:  # pragma: no cover - keep supervising whatever happens
                log.exception("job supervisor tick failed")

    # -- requests -----------------------------------------------------------------

    def submit(self, version_id: int) -> None:
        """Queue a version just created in INIT."""
        with self._lock:
            self._active[version_id] = _Active(version_id, _S.INIT, self.clock())

    def forget(self, version_id: int) -> None:
        """Stop tracking a version that was rolled back before it ever ran."""
        with self._lock:
            self._active.pop(version_id, None)

    def stop(self, version_id: int) -> JobState:
        """Cancel a queued version or start killing a running one; the new state."""
        with self._lock:
            active = self._active.get(version_id)
            if active is None or not active.state.can_stop:
                raise NotTerminable()
            if active.state is not _S.RUNNING:
                self._set(active, _S.CANCELED)
                return _S.CANCELED
            now = self.clock()
            self._set(active, _S.KILLING, stop_requested_at=now)
            active.kill_at = now + self.stop_grace + KILL_BACKSTOP
            processes.signal_group(active.pid, active.proc_start, signal.SIGTERM)
            return _S.KILLING

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Keep the supervisor still (e.g. while deleting what it might launch)."""
        with self._lock:
            yield

    def is_active(self, version_id: int) -> bool:
        with self._lock:
            return version_id in self._active

    def tracked(self) -> List[int]:
        with self._lock:
            return sorted(self._active)

    # -- the supervisor -------------------------------------------------------------

    def _tick(self) -> None:
        _ABANDONED[:] = [popen for popen in _ABANDONED if popen.poll() is None]
        now = self.clock()
        with self._lock:
            running: Dict[str, int] = {}
            if self.max_running_per_account is not None:
                for active in self._active.values():
                    if active.state in (_S.RUNNING, _S.KILLING):
                        account = self._account(active)
                        running[account] = running.get(account, 0) + 1
            for active in list(self._active.values()):
                try:
                    self._step(active, now, running)
                except Exception:  # one broken version must not stall the others
                    log.exception("version %s: supervisor step failed", active.version_id)
                    self._give_up(active)

    def _account(self, active: _Active) -> str:
        if active.account is None:
            active.account = self.jobs.account_of(active.version_id)
        return active.account

    def _step(self, active: _Active, now: float, running: Dict[str, int]) -> None:
        waited = now - active.queued_at
        if active.state is _S.INIT and waited >= self.queue_delay / 2:
            self._set(active, _S.WAITING)
        elif active.state is _S.WAITING and waited >= self.queue_delay:
            if self.max_running_per_account is not None:
                account = self._account(active)
                if running.get(account, 0) >= self.max_running_per_account:
                    return  # stays WAITING until one of the account's versions ends
                running[account] = running.get(account, 0) + 1
            self._launch(active)
        elif active.state in (_S.RUNNING, _S.KILLING):
            self._watch(active, now)

    def _give_up(self, active: _Active) -> None:
        """A queued version whose launch broke ends SUBMIT_FAILED; others are retried next tick."""
        if active.state not in (_S.INIT, _S.WAITING):
            return
        try:
            self._set(active, _S.SUBMIT_FAILED)
        except Exception:  # pragma: no cover - the database itself is failing
            log.exception("version %s could not be marked SUBMIT_FAILED", active.version_id)
            self._active.pop(active.version_id, None)

    @staticmethod
    def _alive(active: _Active) -> bool:
        if active.popen is not None:
            return active.popen.poll() is None
        return processes.is_alive(active.pid, active.proc_start)

    def _watch(self, active: _Active, now: float) -> None:
        if not self._alive(active):
            self._finish(active)
        elif active.kill_at is not None and now >= active.kill_at:
            log.warning("the launcher of version %s did not end after its stop; SIGKILL to its group", active.version_id)
            processes.signal_group(active.pid, active.proc_start, signal.SIGKILL)
            active.kill_at = None

    def _set(self, active: _Active, state: JobState, **fields: Any) -> None:
        self.jobs.set_status(active.version_id, active.state, state, **fields)
        active.state = state
        if state.is_terminal:
            self._active.pop(active.version_id, None)

    def _launch(self, active: _Active) -> None:
        version_id = active.version_id
        row = self.jobs.version_row(version_id)
        if row is None:  # deleted meanwhile
            self._active.pop(version_id, None)
            return
        run_dir = self.files.run_dir(version_id)
        read_fd = write_fd = -1
        try:
            spec = self._spec(row, run_dir)
            spec_path = run_dir / "spec.json"
            spec_path.write_text(json.dumps(spec), encoding="utf-8")
            read_fd, write_fd = os.pipe()
            with open(run_dir / "launcher.log", "ab") as out:
                popen = subprocess.Popen(
                    [sys.executable, launcher.__file__, str(spec_path), "--go-fd", str(read_fd)],
                    start_new_session=True,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    close_fds=True,
                    pass_fds=(read_fd,),
                    env=launcher_env(),
                )
        except (OSError, ObsPathError) as exc:
            for fd in (read_fd, write_fd):
                if fd >= 0:
                    os.close(fd)
            log.warning("version %s could not be submitted: %s", version_id, exc)
            self._append_log(row, f"[ModelArts Service Log] the job could not be submitted: {exc}")
            self._set(active, _S.SUBMIT_FAILED)
            return
        os.close(read_fd)
        active.popen, active.pid = popen, popen.pid
        active.proc_start = processes.start_time(popen.pid)
        try:
            # The launch is recorded before the launcher may start anything: a
            # service killed (or a write failing) before the go-ahead leaves a
            # launcher that reads end-of-file and exits having started nothing.
            self._set(
                active, _S.RUNNING, pid=popen.pid, proc_start=active.proc_start, start_time=int(self.clock() * 1000)
            )
            with contextlib.suppress(OSError):
                os.write(write_fd, b"1")
        except BaseException:
            active.popen = active.pid = active.proc_start = None
            _ABANDONED.append(popen)
            raise
        finally:
            os.close(write_fd)

    def _spec(self, row: Any, run_dir: Path) -> Dict[str, Any]:
        uid = None if self.job_uid_base is None else self.job_uid_base + row["version_id"] % JOB_UID_SPAN
        return build_spec(row, self.files, run_dir, uid, self.stop_grace, self.sandbox)

    def _append_log(self, row: Any, text: str) -> None:
        config = json.loads(row["config"])
        name = log_file_names(row["job_name"], config["worker_server_num"])[0]
        with open(self.files.log_dir(row["version_id"]) / name, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")

    def _finish(self, active: _Active) -> None:
        status = self._read_status(active.version_id)
        if active.popen is not None:
            active.popen.poll()
            reaped = active.popen.returncode
        else:  # an adopted launcher may still be a zombie child of this process
            reaped = processes.reap(active.pid) if active.pid else None
        code: Optional[int] = status.get("returncode") if status else reaped
        if active.state is _S.KILLING:
            final = _S.KILLED
        elif status is not None and status.get("abandoned"):
            final = _S.FAILED  # recorded as launched, but the service died before the go-ahead
        elif status is not None:
            final = _S.COMPLETED if code == 0 else _S.FAILED
        elif active.popen is not None and not active.adopted:
            final = _S.FAILED  # the launcher we started died without recording: killed from outside
        else:
            final = _S.LOST
        self._set(active, final, exit_code=code)

    def _read_status(self, version_id: int) -> Optional[Dict[str, Any]]:
        try:
            text = (self.files.run_dir(version_id) / "status.json").read_text(encoding="utf-8")
            return dict(json.loads(text))
        except (OSError, ValueError):
            return None

    # -- restart ----------------------------------------------------------------------

    def _adopt(self, row: Any) -> None:
        state = JobState(row["status"])
        active = _Active(row["version_id"], state, row["create_time"] / 1000.0, row["pid"], row["proc_start"])
        active.adopted = True
        detached = _DETACHED.pop(row["pid"], None) if row["pid"] else None
        if detached is not None and processes.start_time(detached.pid) in (row["proc_start"], None):
            active.popen = detached  # an earlier runner of this process started it
        elif detached is not None:
            _DETACHED[detached.pid] = detached  # not the process the database means
        with self._lock:
            self._active[active.version_id] = active
            if state not in (_S.RUNNING, _S.KILLING):
                return  # still queued: the supervisor launches it
            if not self._alive(active):
                self._finish(active)
                return
            log.info("re-adopted version %s (pid %s, %s)", active.version_id, active.pid, state.name)
            if state is _S.KILLING:
                requested = row["stop_requested_at"] or self.clock()
                active.kill_at = requested + self.stop_grace + KILL_BACKSTOP
                processes.signal_group(active.pid, active.proc_start, signal.SIGTERM)
