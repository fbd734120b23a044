"""What the supervisor knows of one version in flight, and how its end is decided.

A :class:`Tracked` version is queued (INIT, WAITING) or launched (RUNNING,
KILLING).  Once launched it has its launcher's pid and start time (the
pid-reuse guard of :mod:`modelarts.local.processes`) and, when this process
started the launcher, its ``Popen``.  A version re-adopted from the database
after a restart is marked ``adopted``.

When the launcher is gone, :func:`final_state` decides the version's end:

============================================  ============
what is known                                 final state
============================================  ============
a stop was in progress (KILLING)              KILLED
``status.json`` says ``"abandoned"``          FAILED
``status.json`` has the return code           COMPLETED if 0, else FAILED
no status, launched by this runner            FAILED (killed from outside)
no status, adopted after a restart            LOST
============================================  ============
"""

from __future__ import annotations

import signal
import subprocess
from typing import Any, Dict, Optional, Tuple

import attrs

from modelarts.local import processes
from modelarts.states import JobState

__all__ = ["KILL_BACKSTOP", "Tracked", "final_state"]

#: The launcher SIGKILLs a stopped job's tree itself after the stop grace; the
#: service SIGKILLs the launcher's group only if it is still there this much later.
KILL_BACKSTOP = 5.0


@attrs.define
class Tracked:
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

    def alive(self) -> bool:
        """Whether the launcher still runs (a zombie counts as ended)."""
        if self.popen is not None:
            return self.popen.poll() is None
        return processes.is_alive(self.pid, self.proc_start)

    def reap(self) -> Optional[int]:
        """Collect the ended launcher; its return code if this process could collect it."""
        if self.popen is not None:
            self.popen.poll()
            return self.popen.returncode
        # an adopted launcher may still be a zombie child of this process
        return processes.reap(self.pid) if self.pid else None

    def signal(self, sig: int) -> bool:
        """Send ``sig`` to the launcher's process group if it is still the same process."""
        return processes.signal_group(self.pid, self.proc_start, sig)

    def start_killing(self, requested_at: float, stop_grace: float) -> None:
        """SIGTERM the launcher's group; arm the service's SIGKILL backstop."""
        self.kill_at = requested_at + stop_grace + KILL_BACKSTOP
        self.signal(signal.SIGTERM)


def final_state(
    tracked: Tracked, status: Optional[Dict[str, Any]], reaped: Optional[int]
) -> Tuple[JobState, Optional[int]]:
    """The end state and exit code of a version whose launcher is gone.

    ``status`` is the launcher's ``status.json`` (``None`` if it wrote none),
    ``reaped`` the launcher's own return code if this process collected it.
    """
    code: Optional[int] = status.get("returncode") if status else reaped
    if tracked.state is JobState.KILLING:
        return JobState.KILLED, code
    if status is not None and status.get("abandoned"):
        return JobState.FAILED, code  # recorded as launched, but the service died before the go-ahead
    if status is not None:
        return (JobState.COMPLETED if code == 0 else JobState.FAILED), code
    if tracked.popen is not None and not tracked.adopted:
        return JobState.FAILED, code  # the launcher we started died without recording: killed from outside
    return JobState.LOST, code
