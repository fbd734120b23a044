"""A job's whole process tree: become its subreaper, find it, signal it, reap it.

Used by the launcher (:mod:`modelarts.local.launcher`), which runs as a
standalone script, so this module needs nothing but the standard library.

The launcher marks itself a *child subreaper* (Linux ``prctl(2)``
``PR_SET_CHILD_SUBREAPER``): a worker's descendant whose parent exits — a
double fork, a ``setsid`` daemon, a background ``&`` child — is re-parented to
the launcher instead of to init, so it stays findable under the launcher's
pid and nothing of the job can escape the final sweep.  Descendants are found
by walking ``/proc/<pid>/stat`` parent links, whatever session or process
group they moved to.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import time
from typing import Collection, Dict, List, Optional

__all__ = ["PR_SET_CHILD_SUBREAPER", "become_subreaper", "descendants", "kill_tree", "reap_children", "sweep"]

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make this process the subreaper of its descendants; whether that worked."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return False


def _parents(zombies: bool = False) -> Dict[int, int]:
    """``{pid: parent pid}`` of every live process (and of the exited, unreaped ones with ``zombies``)."""
    links: Dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                raw = handle.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2:].split()
        if len(fields) > 2 and fields[0] != "X" and (zombies or fields[0] != "Z"):
            links[int(entry)] = int(fields[1])
    return links


def descendants(root: Optional[int] = None) -> List[int]:
    """Live descendants of ``root`` (default: this process), parents first."""
    top = os.getpid() if root is None else root
    children: Dict[int, List[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found: List[int] = []
    todo = list(children.get(top, []))
    while todo:
        pid = todo.pop(0)
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def kill_tree(sig: int, root: Optional[int] = None) -> int:
    """Send ``sig`` to every live descendant of ``root``; how many got it."""
    sent = 0
    for pid in descendants(root):
        try:
            os.kill(pid, sig)
            sent += 1
        except (ProcessLookupError, PermissionError):
            pass
    return sent


def reap_children(keep: Collection[int] = ()) -> None:
    """Collect exited children (re-parented orphans included), without blocking.

    The pids in ``keep`` (the workers) are left alone: their ``Popen`` must
    read their exit status, and a child reaped here would later read as 0.
    """
    if keep:
        me = os.getpid()
        for pid, parent in _parents(zombies=True).items():
            if parent == me and pid not in keep:
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
        return
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def sweep(deadline_seconds: float = 5.0) -> None:
    """SIGKILL everything below this process until nothing is left (bounded)."""
    stop_at = time.monotonic() + deadline_seconds
    while True:
        reap_children()
        if not kill_tree(signal.SIGKILL) or time.monotonic() > stop_at:
            break
        time.sleep(0.01)
    reap_children()
