"""Small process helpers: start times, liveness with pid-reuse guard, group signals.

A job's launcher runs in its own session, so its pid is also its process
group id.  We remember the launcher's start time (field 22 of
``/proc/<pid>/stat``, clock ticks since boot); a pid whose start time differs
is a different process that reused the number and is never signalled.  On
systems without ``/proc`` the guard is skipped.
"""

from __future__ import annotations

import os
import signal
from typing import Optional, Tuple

__all__ = ["exit_code_from_status", "is_alive", "proc_stat", "reap", "signal_group", "start_time"]


def proc_stat(pid: int) -> Optional[Tuple[str, str]]:
    """``(state, start_time)`` from ``/proc/<pid>/stat``, or ``None`` if unreadable."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            raw = handle.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name is in parentheses and may itself contain spaces or ')'.
    fields = raw[raw.rfind(")") + 2:].split()
    if len(fields) < 20:
        return None
    return fields[0], fields[19]


def start_time(pid: int) -> Optional[str]:
    """The process start time as recorded in ``/proc``, or ``None``."""
    stat = proc_stat(pid)
    return None if stat is None else stat[1]


def exit_code_from_status(status: int) -> int:
    """A ``waitpid`` status as a Popen-style return code (negative = signal)."""
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else status


def reap(pid: int) -> Optional[int]:
    """Collect ``pid`` if it is our exited child; its return code, else ``None``."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except (ChildProcessError, OSError):
        return None
    return exit_code_from_status(status) if done == pid else None


def is_alive(pid: Optional[int], expected_start: Optional[str]) -> bool:
    """Whether ``pid`` is still the same running (non-zombie) process."""
    if not pid:
        return False
    stat = proc_stat(pid)
    if stat is None:
        if os.path.isdir("/proc"):
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    state, started = stat
    if state in ("Z", "X"):
        return False
    return not (expected_start and started != expected_start)


def signal_group(pid: Optional[int], expected_start: Optional[str], sig: int = signal.SIGTERM) -> bool:
    """Send ``sig`` to the process group led by ``pid`` if it is still ours."""
    if not is_alive(pid, expected_start):
        return False
    assert pid is not None
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True
