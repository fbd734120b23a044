"""Job logs: the ``get_job_log`` argument mapping and a follower for live output.

The SDK docs (page modelarts_04_0164) describe ``get_job_log(log_file,
start_byte=0, offset=2048)`` in bytes, but the v1 API the SDK uses with AK/SK
(``GET …/aom-log``, page modelarts_03_0149) is line based: ``base_line`` (an
opaque position; empty = newest), ``lines`` (0–500) and ``order`` (``desc`` =
the records after ``base_line``, ``asc`` = the records before it).
:func:`log_query` maps one onto the other:

==============================  =============================================
documented argument             ``aom-log`` query
==============================  =============================================
``start_byte=-1``               ``base_line=""`` (the newest lines)
``start_byte=N`` (N >= 0)       ``base_line="N"`` (0 = from the beginning)
``offset=K`` (K >= 0)           ``lines=min(K, 500)``, ``order="desc"``
``offset=-K``                   ``lines=min(K, 500)``, ``order="asc"``
==============================  =============================================

Passing ``base_line``, ``lines`` or ``order`` directly (as SDK 1.1.7 sends
them) bypasses the mapping.

Examples
--------
>>> log_query("job.0")
{'log_file': 'job.0', 'base_line': '0', 'lines': 500, 'order': 'desc'}
>>> log_query("job.0", start_byte=-1, offset=-100)
{'log_file': 'job.0', 'base_line': '', 'lines': 100, 'order': 'asc'}
"""

from __future__ import annotations

import logging
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from modelarts import rules
from modelarts._validate import check_choice, check_int
from modelarts.exceptions import BadRequestError

__all__ = ["LOG_NOT_READY", "LogFollower", "exit_code_in", "log_query"]

log = logging.getLogger(__name__)

#: Error codes meaning "no log (yet)": not generated, cleared, path not found.
LOG_NOT_READY = frozenset({"ModelArts.2818", "ModelArts.2819", "ModelArts.2820"})
_MAX_LINES = rules.LOG_LINES.high
#: The line ModelArts writes when a training process ends.
_RETURN_CODE = re.compile(r"Training end with return code:\s*(-?\d+)")


def exit_code_in(lines: Sequence[str]) -> Optional[int]:
    """The last ``Training end with return code: N`` in ``lines``; ``None`` if absent.

    With several workers the first non-zero code wins (the one that failed the job).
    """
    codes = [int(m.group(1)) for m in map(_RETURN_CODE.search, lines) if m]
    return next((code for code in codes if code != 0), codes[-1] if codes else None)


def log_query(
    log_file: Any,
    start_byte: Any = 0,
    offset: Any = 2048,
    *,
    base_line: Any = None,
    lines: Any = None,
    order: Any = None,
) -> Dict[str, Any]:
    """The ``aom-log`` query for the documented or the native arguments (see module doc)."""
    if not isinstance(log_file, str) or log_file.strip(".") == "" or "/" in log_file or "\\" in log_file:
        raise ValueError(f"log_file must be a log file name from get_job_log_file_list(), got {log_file!r}")
    if base_line is not None or lines is not None or order is not None:
        if base_line is not None and not isinstance(base_line, (str, int)) or isinstance(base_line, bool):
            raise ValueError(f"base_line must be a position string from an earlier answer, got {base_line!r}")
        return {
            "log_file": log_file,
            "base_line": "" if base_line is None else str(base_line),
            "lines": 50 if lines is None else check_int(lines, "lines", *rules.LOG_LINES),
            "order": "desc" if order is None else check_choice(order, "order", ("desc", "asc")),
        }
    start = check_int(start_byte, "start_byte", *rules.LOG_START_BYTE)
    size = check_int(offset, "offset", *rules.LOG_OFFSET)
    return {
        "log_file": log_file,
        "base_line": "" if start == -1 else str(start),
        "lines": min(abs(size), _MAX_LINES),
        "order": "desc" if size >= 0 else "asc",
    }


class LogFollower:
    """Yields the lines a job has written since the last :meth:`poll`.

    ``list_files()`` returns the log file names; ``fetch(query)`` returns one
    ``aom-log`` answer.  The first read of a file starts at ``base_line="0"``;
    later reads continue from the previous ``end_line``.  A chunk that starts
    exactly at that position (an inclusive server) has its first line dropped.
    With several files (distributed jobs) each line is prefixed ``[file]``.
    """

    def __init__(
        self,
        list_files: Callable[[], Sequence[str]],
        fetch: Callable[[Mapping[str, Any]], Mapping[str, Any]],
        *,
        batch: int = _MAX_LINES,
        max_batches: int = 20,
    ) -> None:
        self._list_files = list_files
        self._fetch = fetch
        self._batch = batch
        self._max_batches = max_batches
        self._cursor: Dict[str, Optional[str]] = {}

    def poll(self) -> List[str]:
        """New lines of every log file, oldest first."""
        try:
            files = list(self._list_files())
        except BadRequestError as err:
            if err.error_code in LOG_NOT_READY:
                return []
            raise
        out: List[str] = []
        for name in files:
            prefix = f"[{name}] " if len(files) > 1 else ""
            out.extend(prefix + line for line in self._read(name))
        return out

    def _read(self, name: str) -> List[str]:
        lines: List[str] = []
        for _ in range(self._max_batches):
            cursor = self._cursor.get(name)
            query = {"log_file": name, "base_line": cursor or "0", "lines": self._batch, "order": "desc"}
            try:
                from modelarts.models import LogChunk

                chunk = LogChunk.from_api(self._fetch(query))
            except BadRequestError as err:
                if err.error_code in LOG_NOT_READY:
                    break
                raise
            new = list(chunk.splitlines())
            if cursor is not None and new and chunk.start_line == cursor:
                new = new[1:]
            lines.extend(new)
            if chunk.end_line:
                self._cursor[name] = chunk.end_line
            if not new or chunk.lines < self._batch or chunk.end_line in ("", cursor):
                break
        return lines
