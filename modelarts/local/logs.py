"""Per-worker log files and the ``aom-log`` line window over them.

Each version's workers write ``job-<job_name>.<worker_index>`` under
``<data-dir>/logs/<version_id>/``.  ``aom-log`` positions are 1-based line
numbers rendered as strings (the API treats them as opaque markers):

* no ``base_line`` → the newest ``lines`` lines;
* ``order=desc`` → the ``lines`` lines *after* ``base_line`` (next records);
* ``order=asc`` → the ``lines`` lines *before* ``base_line`` (previous records).

An empty window answers ``lines: 0`` with ``start_line == end_line ==
base_line`` so a follower can keep polling from the same marker.

Windows are read by seeking (:mod:`modelarts.local.logindex`): memory stays
flat however large the log grows.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Mapping

from modelarts import rules
from modelarts.local.errors import InvalidArgument, LogNotFound, ParameterError
from modelarts.local.logindex import read_lines
from modelarts.local.validation import integer

__all__ = ["log_file_names", "read_window", "resolve_log_file"]

_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def log_file_names(job_name: str, workers: int) -> List[str]:
    """``["job-<name>.0", "job-<name>.1", …]``."""
    return [f"job-{job_name}.{index}" for index in range(workers)]


def resolve_log_file(log_dir: Path, name: Any, allowed: List[str]) -> Path:
    """The path of log ``name`` of one version; refuses traversal and unknown names."""
    if not isinstance(name, str) or not name:
        raise InvalidArgument("log_file is required")
    if not _SAFE_NAME.fullmatch(name) or ".." in name:
        raise InvalidArgument(f"invalid log_file {name!r}")
    path = log_dir / name
    if name not in allowed or not path.is_file():
        raise LogNotFound(log_file=name)
    return path


def read_window(path: Path, query: Mapping[str, str]) -> Dict[str, Any]:
    """The ``aom-log`` answer for one file and the request's query."""
    count = integer(query.get("lines"), "lines", *rules.LOG_LINES, default=50)
    order = query.get("order") or "desc"
    if order not in rules.ORDERS:
        raise ParameterError("order must be 'asc' (previous) or 'desc' (next)")
    base_text = (query.get("base_line") or "").strip()
    if base_text and not re.fullmatch(r"[0-9]{1,18}", base_text):
        raise ParameterError(f"base_line must be a marker from a previous answer, got {base_text!r}")
    _, total = read_lines(path, 0, 0)
    if not base_text:
        first = max(0, total - count)
        last = total
    elif order == "desc":
        first = min(int(base_text), total)
        last = min(first + count, total)
    else:
        last = max(0, min(int(base_text) - 1, total))
        first = max(0, last - count)
    chosen, _ = read_lines(path, first, last)
    if not chosen:
        marker = base_text or str(total)
        return {"content": "", "lines": 0, "start_line": marker, "end_line": marker}
    return {
        "content": "\n".join(chosen) + "\n",
        "lines": len(chosen),
        "start_line": str(first + 1),
        "end_line": str(last),
    }
