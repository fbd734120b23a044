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

On start the supervisor re-adopts what the database says is in flight
(:mod:`modelarts.local.adoption`).  The parts: :mod:`~modelarts.local.jobfiles`
where a version's files live, :mod:`~modelarts.local.jobspec` what it runs
with, :mod:`~modelarts.local.spawn` starting its launcher,
:mod:`~modelarts.local.tracking` what is known of it in flight and how its end
is decided.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional

from modelarts.local.adoption import LAUNCHERS, LauncherRegistry, adopt
from modelarts.local.errors import NotTerminable
from modelarts.local.jobfiles import JobFiles
from modelarts.local.jobspec import JOB_UID_BASE, build_spec, job_uid, resolve_sandbox
from modelarts.local.jobstore import JobStore
from modelarts.local.obs import ObsPathError
from modelarts.local.spawn import spawn_launcher
from modelarts.local.tracking import Tracked, final_state
from modelarts.states import JobState

__all__ = ["Runner"]

log = logging.getLogger(__name__)
_S = JobState


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
        launchers: Optional[LauncherRegistry] = None,
    ) -> None:
        """``sandbox`` (:data:`~modelarts.local.jobspec.SANDBOXES`): ``auto`` runs each
        job as a uid of its own (from ``job_uid_base``, default
        :data:`~modelarts.local.jobspec.JOB_UID_BASE`) when the service is root,
        else under ``bwrap`` when installed.

        ``max_running_per_account`` caps how many versions of one account run
        at once (``None``: no cap); the others stay WAITING, first come first
        served, until one ends.  ``launchers`` is where launchers still running
        at :meth:`close` are parked for a later runner of this process
        (default: the process-wide :data:`~modelarts.local.adoption.LAUNCHERS`).
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
        self.launchers = LAUNCHERS if launchers is None else launchers
        self._lock = threading.RLock()
        self._active: Dict[int, Tracked] = {}
        self._halt = threading.Event()
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> None:
        """Re-adopt what is in flight, then start the supervisor thread."""
        for row in self.jobs.in_flight():
            self._resume(adopt(row, self.launchers), row["stop_requested_at"])
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
                        self.launchers.detach(active.popen)
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
            self._active[version_id] = Tracked(version_id, _S.INIT, self.clock())

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
            active.start_killing(now, self.stop_grace)
            return _S.KILLING

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Keep the supervisor still (e.g. while deleting what it might launch)."""
        with self._lock:
            yield

    def is_active(self, version_id: int) -> bool:
        """Whether the supervisor still tracks the version (queued or launched)."""
        with self._lock:
            return version_id in self._active

    # -- the supervisor -------------------------------------------------------------

    def _tick(self) -> None:
        self.launchers.reap_abandoned()
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

    def _account(self, active: Tracked) -> str:
        if active.account is None:
            active.account = self.jobs.account_of(active.version_id)
        return active.account

    def _step(self, active: Tracked, now: float, running: Dict[str, int]) -> None:
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

    def _give_up(self, active: Tracked) -> None:
        """A queued version whose launch broke ends SUBMIT_FAILED; others are retried next tick."""
        if active.state not in (_S.INIT, _S.WAITING):
            return
        try:
            self._set(active, _S.SUBMIT_FAILED)
        except Exception:  # pragma: no cover - the database itself is failing
            log.exception("version %s could not be marked SUBMIT_FAILED", active.version_id)
            self._active.pop(active.version_id, None)

    def _watch(self, active: Tracked, now: float) -> None:
        if not active.alive():
            self._finish(active)
        elif active.kill_at is not None and now >= active.kill_at:
            log.warning("the launcher of version %s did not end after its stop; SIGKILL to its group", active.version_id)
            active.signal(signal.SIGKILL)
            active.kill_at = None

    def _set(self, active: Tracked, state: JobState, **fields: Any) -> None:
        self.jobs.set_status(active.version_id, active.state, state, **fields)
        active.state = state
        if state.is_terminal:
            self._active.pop(active.version_id, None)

    def _launch(self, active: Tracked) -> None:
        version_id = active.version_id
        row = self.jobs.version_row(version_id)
        if row is None:  # deleted meanwhile
            self._active.pop(version_id, None)
            return
        run_dir = self.files.run_dir(version_id)
        try:
            launch = spawn_launcher(run_dir, self._spec(row, run_dir))
        except (OSError, ObsPathError) as exc:
            log.warning("version %s could not be submitted: %s", version_id, exc)
            workers = int(json.loads(row["config"])["worker_server_num"])
            self.files.append_service_log(version_id, row["job_name"], workers, f"the job could not be submitted: {exc}")
            self._set(active, _S.SUBMIT_FAILED)
            return
        active.popen, active.pid, active.proc_start = launch.popen, launch.pid, launch.proc_start
        try:
            # The launch is recorded before the launcher may start anything: a
            # service killed (or a write failing) before the go-ahead leaves a
            # launcher that reads end-of-file and exits having started nothing.
            self._set(
                active, _S.RUNNING, pid=launch.pid, proc_start=launch.proc_start, start_time=int(self.clock() * 1000)
            )
        except BaseException:
            active.popen = active.pid = active.proc_start = None
            launch.cancel()
            self.launchers.abandon(launch.popen)
            raise
        launch.go()

    def _spec(self, row: Any, run_dir: Path) -> Dict[str, Any]:
        """The launcher's spec for ``row`` (a fresh work directory too)."""
        uid = job_uid(self.job_uid_base, row["version_id"])
        return build_spec(row, self.files, run_dir, uid, self.stop_grace, self.sandbox)

    def _finish(self, active: Tracked) -> None:
        status = self.files.read_status(active.version_id)
        final, code = final_state(active, status, active.reap())
        self._set(active, final, exit_code=code)

    # -- restart ----------------------------------------------------------------------

    def _resume(self, active: Tracked, stop_requested_at: Optional[float]) -> None:
        """Track a re-adopted version: queue it again, watch it, or settle how it ended."""
        with self._lock:
            self._active[active.version_id] = active
            if active.state not in (_S.RUNNING, _S.KILLING):
                return  # still queued: the supervisor launches it
            if not active.alive():
                self._finish(active)
                return
            log.info("re-adopted version %s (pid %s, %s)", active.version_id, active.pid, active.state.name)
            if active.state is _S.KILLING:
                active.start_killing(stop_requested_at or self.clock(), self.stop_grace)
