"""Jobs left by an earlier service: re-adopting them, and this process's launcher registry.

Jobs outlive the service that started them (unless it was closed with
``kill_jobs``): their launchers keep running in sessions of their own and
record how the job ended in ``status.json``.  A service started later on
the same data directory re-adopts every version the database says is in
flight (:meth:`JobStore.in_flight <modelarts.local.jobstore.JobStore.in_flight>`):

* a queued one (INIT, WAITING) is simply queued again;
* a launched one whose launcher still runs — the same pid *and* the same
  start time, so a reused pid is never mistaken for it — is watched again
  (a half-done stop is resumed: SIGTERM again, the SIGKILL backstop re-armed
  from the recorded stop time);
* a launched one whose launcher is gone gets the state its ``status.json``
  records, LOST without it (:func:`~modelarts.local.tracking.final_state`).

When the earlier service ran in this same process (a notebook or a test
restarting :class:`~modelarts.local.LocalService`), its launchers are still
children of this process.  A closed runner parks their ``Popen`` objects in
a :class:`LauncherRegistry`, and the next runner claims them, so they are
reaped through ``Popen`` (no zombies, no "still running" warning from
``Popen.__del__``).  That registry has to outlive every runner and app of
the process, so the default one, :data:`LAUNCHERS`, is process-wide; a
runner can be given its own.
"""

from __future__ import annotations

import subprocess
import threading
from typing import Any, Dict, List, Optional

from modelarts.local import processes
from modelarts.local.tracking import Tracked
from modelarts.states import JobState

__all__ = ["LAUNCHERS", "LauncherRegistry", "adopt"]


class LauncherRegistry:
    """Launchers this process started that no runner watches right now.

    * *detached*: still running when their runner closed; a later runner
      claims them by pid;
    * *abandoned*: started but never given the go-ahead (their launch could
      not be recorded); they exit on their own and are only kept to be reaped.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._detached: Dict[int, "subprocess.Popen[bytes]"] = {}
        self._abandoned: List["subprocess.Popen[bytes]"] = []

    def detach(self, popen: "subprocess.Popen[bytes]") -> None:
        """Park a launcher that is still running when its runner closes."""
        with self._lock:
            self._detached[popen.pid] = popen

    def claim(self, pid: int, proc_start: Optional[str]) -> Optional["subprocess.Popen[bytes]"]:
        """The parked ``Popen`` of launcher ``pid`` started at ``proc_start``, taken out of the registry.

        A parked process whose start time differs is not the one the database
        means (the pid was reused): it stays parked and ``None`` is returned.
        """
        with self._lock:
            popen = self._detached.pop(pid, None)
            if popen is None:
                return None
            if processes.start_time(popen.pid) in (proc_start, None):
                return popen
            self._detached[pid] = popen
            return None

    def abandon(self, popen: "subprocess.Popen[bytes]") -> None:
        """Keep a launcher that was never given the go-ahead until it has exited and is reaped."""
        with self._lock:
            self._abandoned.append(popen)

    def reap_abandoned(self) -> int:
        """Reap the abandoned launchers that have exited; how many are still running."""
        with self._lock:
            self._abandoned[:] = [popen for popen in self._abandoned if popen.poll() is None]
            return len(self._abandoned)

    def detached_pids(self) -> List[int]:
        """The pids of the parked launchers, sorted."""
        with self._lock:
            return sorted(self._detached)


#: The process-wide registry every runner uses unless given another.
LAUNCHERS = LauncherRegistry()


def adopt(row: Any, registry: LauncherRegistry) -> Tracked:
    """The :class:`~modelarts.local.tracking.Tracked` record of an in-flight version row.

    Its ``Popen`` is claimed from ``registry`` when an earlier runner of this
    process started the launcher; otherwise the launcher is watched by pid.
    """
    tracked = Tracked(
        row["version_id"],
        JobState(row["status"]),
        row["create_time"] / 1000.0,
        row["pid"],
        row["proc_start"],
        adopted=True,
    )
    if row["pid"]:
        tracked.popen = registry.claim(row["pid"], row["proc_start"])
    return tracked
