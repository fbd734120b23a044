"""Where the files of the service and of each job version live.

Under the service's private data directory:

* ``obs/`` — the OBS root (``obs://bucket/key`` maps to ``obs/bucket/key``);
* ``logs/<version_id>/`` — one log per worker (``job-<name>.<index>``, see
  :func:`~modelarts.local.logs.log_file_names`);
* ``runs/<version_id>/`` — the launcher's ``spec.json``, its own
  ``launcher.log`` and the ``status.json`` it writes when the job ends.

Each version also has a *work directory* of its own, outside the data
directory when the service runs as root (see :func:`default_work_root`):
``job/`` (the job's home, code, data, output, tmp) and ``python/`` (where the
interpreter is bound in when the job's user cannot reach it).

``status.json`` is written atomically by the launcher
(:mod:`modelarts.local.launcher`): ``{"exit_codes": [...], "returncode": N,
"finished_at": epoch}``, plus ``"abandoned": true`` when the service never
gave it the go-ahead.  It is how a restarted service learns how a job whose
processes outlived it ended.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional

import attrs

from modelarts.local.logs import log_file_names

__all__ = ["SERVICE_LOG_PREFIX", "JobFiles", "default_work_root"]

#: How the service's own lines in a job's log start (the launcher writes the same prefix).
SERVICE_LOG_PREFIX = "[ModelArts Service Log]"


def default_work_root(data_dir: Path) -> Path:
    """Where job work directories live.

    A root service keeps its data directory private (0700), so jobs run
    under a root-owned, search-only (0711) directory of the temp dir, one
    per data directory.  An unprivileged service uses ``<data-dir>/work``.
    """
    if os.geteuid() != 0:
        return data_dir / "work"
    tag = hashlib.sha256(str(data_dir).encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"modelarts-local-work-{tag}"


@attrs.frozen
class JobFiles:
    """Where the files of the service and of each version live."""

    data_dir: Path
    work_root: Path = attrs.field(default=attrs.Factory(lambda self: default_work_root(self.data_dir), takes_self=True))

    @property
    def obs_root(self) -> Path:
        return self.data_dir / "obs"

    def log_dir(self, version_id: int) -> Path:
        return self.data_dir / "logs" / str(version_id)

    def run_dir(self, version_id: int) -> Path:
        return self.data_dir / "runs" / str(version_id)

    def work_dir(self, version_id: int) -> Path:
        """The version's work directory: ``job/`` (the job's own files) and the runtime mount point."""
        return self.work_root / str(version_id)

    def status_file(self, version_id: int) -> Path:
        """Where the launcher records how the version ended."""
        return self.run_dir(version_id) / "status.json"

    def read_status(self, version_id: int) -> Optional[Dict[str, Any]]:
        """The version's ``status.json``, or ``None`` if absent or unreadable."""
        try:
            text = self.status_file(version_id).read_text(encoding="utf-8")
            return dict(json.loads(text))
        except (OSError, ValueError, TypeError):
            return None

    def append_service_log(self, version_id: int, job_name: str, workers: int, text: str) -> None:
        """Append one service line (``text`` after :data:`SERVICE_LOG_PREFIX`) to worker 0's log."""
        name = log_file_names(job_name, workers)[0]
        with open(self.log_dir(version_id) / name, "a", encoding="utf-8") as handle:
            handle.write(f"{SERVICE_LOG_PREFIX} {text}\n")

    def prepare_work_root(self) -> None:
        """Create the work root, refusing one that is not a plain directory of ours."""
        self.work_root.mkdir(mode=0o711, parents=True, exist_ok=True)
        info = os.lstat(self.work_root)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            raise OSError(f"{self.work_root} is not a directory owned by this service")
        os.chmod(self.work_root, 0o711)

    def remove(self, version_id: int) -> None:
        """Delete the version's logs, run directory and work directory."""
        for path in (self.log_dir(version_id), self.run_dir(version_id), self.work_dir(version_id)):
            shutil.rmtree(path, ignore_errors=True)
