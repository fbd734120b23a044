"""Line windows of a growing log file, served by seeking.

A sparse index per file records the byte offset of every
:data:`CHECKPOINT`-th line.  It is built by streaming the file once in
fixed-size chunks and then extended only by the bytes appended since, so a
notebook following a multi-GB log costs one pass over new bytes per call and
memory that does not grow with the file: a window is read by seeking to the
checkpoint before it and reading at most the lines it needs, each capped at
:data:`MAX_LINE_BYTES`.

Lines end with ``\\n``; a last line without one (still being written) counts.
"""

from __future__ import annotations

import collections
import os
import threading
from pathlib import Path
from typing import BinaryIO, List, Tuple

import attrs

__all__ = ["CHECKPOINT", "CHUNK_BYTES", "LineIndex", "MAX_LINE_BYTES", "read_lines"]

CHECKPOINT = 4096
CHUNK_BYTES = 1 << 20
#: A longer line is cut here (the rest is skipped, never held in memory).
MAX_LINE_BYTES = 16 * 1024
_TRUNCATED = b" [line truncated]"
_CACHE_SIZE = 256


@attrs.define
class LineIndex:
    """Offsets of every ``CHECKPOINT``-th line start, over the first ``size`` bytes."""

    identity: Tuple[int, int] = (0, 0)
    size: int = 0
    newlines: int = 0
    marks: List[int] = attrs.Factory(lambda: [0])
    last_line_start: int = 0

    def lines(self) -> int:
        """Lines in the scanned part (a trailing partial line included)."""
        return self.newlines + (1 if self.size > self.last_line_start else 0)

    def extend(self, handle: BinaryIO, size: int) -> None:
        """Scan bytes ``self.size .. size`` of ``handle``."""
        handle.seek(self.size)
        position = self.size
        while position < size:
            chunk = handle.read(min(CHUNK_BYTES, size - position))
            if not chunk:
                break
            count = chunk.count(b"\n")
            if count:
                next_mark = len(self.marks) * CHECKPOINT
                if self.newlines + count >= next_mark:
                    self._mark(chunk, position)
                else:
                    self.newlines += count
                self.last_line_start = position + chunk.rfind(b"\n") + 1
            position += len(chunk)
        self.size = position

    def _mark(self, chunk: bytes, base: int) -> None:
        cursor = 0
        while True:
            found = chunk.find(b"\n", cursor)
            if found < 0:
                return
            self.newlines += 1
            cursor = found + 1
            if self.newlines % CHECKPOINT == 0:
                self.marks.append(base + cursor)


_lock = threading.Lock()
_indexes: "collections.OrderedDict[str, LineIndex]" = collections.OrderedDict()


def _index(path: Path, handle: BinaryIO) -> LineIndex:
    info = os.fstat(handle.fileno())
    identity = (info.st_dev, info.st_ino)
    key = str(path)
    with _lock:
        index = _indexes.pop(key, None)
        if index is None or index.identity != identity or info.st_size < index.size:
            index = LineIndex(identity=identity)
        index.extend(handle, info.st_size)
        _indexes[key] = index
        while len(_indexes) > _CACHE_SIZE:
            _indexes.popitem(last=False)
        return attrs.evolve(index, marks=index.marks)


def _read_line(handle: BinaryIO) -> bytes:
    """One line without its ``\\n``, cut at ``MAX_LINE_BYTES`` (the rest skipped)."""
    line = handle.readline(MAX_LINE_BYTES + 1)
    if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
        return line.rstrip(b"\n")
    while True:  # skip the rest of an overlong line in bounded reads
        rest = handle.readline(CHUNK_BYTES)
        if not rest or rest.endswith(b"\n"):
            break
    return line[:MAX_LINE_BYTES] + _TRUNCATED


def read_lines(path: Path, first: int, last: int) -> Tuple[List[str], int]:
    """Lines ``first`` (0-based, included) to ``last`` (excluded), and the file's line count.

    ``first``/``last`` are clamped to the file; negative ``first`` counts from the end.
    """
    with open(path, "rb") as handle:
        index = _index(path, handle)
        total = index.lines()
        if first < 0:
            first = max(0, total + first)
        first, last = max(0, min(first, total)), max(0, min(last, total))
        if first >= last:
            return [], total
        mark = min(first // CHECKPOINT, len(index.marks) - 1)
        handle.seek(index.marks[mark])
        for _ in range(first - mark * CHECKPOINT):
            _read_line(handle)
        chosen = [_read_line(handle).decode("utf-8", "replace") for _ in range(last - first)]
        return chosen, total
