"""Starting a version's launcher: its own session, held at a go-ahead pipe.

The launcher (:mod:`modelarts.local.launcher`) runs as a script with the
standard library only, in a new session (so its pid is its process group id
and a stop can signal the whole job), with stdin closed, stdout and stderr
appended to ``launcher.log`` in the version's run directory, and the minimal
environment of :func:`~modelarts.local.jobspec.launcher_env`.

It first waits on a pipe for the service's go-ahead.  The service records the
launch (pid and start time, state RUNNING) between :func:`spawn_launcher` and
:meth:`PendingLaunch.go`; if the service dies or the write fails before the
go-ahead, the launcher reads end-of-file, records ``"abandoned": true`` in
``status.json`` and exits having started nothing.  So no job ever runs that
the database does not know about.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import attrs

from modelarts.local import launcher, processes
from modelarts.local.jobspec import launcher_env

__all__ = ["PendingLaunch", "spawn_launcher"]


@attrs.define
class PendingLaunch:
    """A launcher started and waiting for the go-ahead (or end-of-file) on ``go_fd``."""

    popen: "subprocess.Popen[bytes]"
    proc_start: Optional[str]
    go_fd: int
    _done: bool = False

    @property
    def pid(self) -> int:
        return self.popen.pid

    def go(self) -> None:
        """Let the launcher start the job (a launcher already gone is left to the supervisor)."""
        if self._done:
            raise RuntimeError("this launch was already released")
        self._done = True
        try:
            with contextlib.suppress(OSError):
                os.write(self.go_fd, b"1")
        finally:
            os.close(self.go_fd)

    def cancel(self) -> None:
        """Close the pipe unwritten: the launcher records it was abandoned and exits."""
        if self._done:
            return
        self._done = True
        os.close(self.go_fd)


def spawn_launcher(run_dir: Path, spec: Dict[str, Any]) -> PendingLaunch:
    """Write ``spec.json`` into ``run_dir`` and start its launcher, held before the go-ahead.

    Raises ``OSError`` (having closed what it opened) when the spec cannot be
    written or the process cannot be started.
    """
    spec_path = run_dir / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    read_fd, write_fd = os.pipe()
    try:
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
    except BaseException:
        os.close(write_fd)
        raise
    finally:
        os.close(read_fd)
    return PendingLaunch(popen, processes.start_time(popen.pid), write_fd)
