"""A read-through, in-memory cache of database rows that rarely change.

The gateway looks up the caller's access key and project on every request;
both are created rarely and never edited in place, so :class:`RowCache`
keeps the rows it has read.  Only rows that exist are kept (an unknown key is
asked of the database every time, so a flood of made-up keys cannot fill
memory, and a key created later is found at once).  Every write to the
tables behind a cache calls :meth:`RowCache.clear`; a generation counter
makes sure a read that raced with such a write does not store the old row.
Time-dependent facts (a temporary key's expiry) are kept as data and still
checked on every request by the caller.
"""

from __future__ import annotations

import threading
from typing import Callable, Dict, Generic, Hashable, Optional, TypeVar

__all__ = ["RowCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RowCache(Generic[K, V]):
    """Rows by key, loaded with ``load(key)`` on a miss; at most ``max_entries`` kept."""

    def __init__(self, load: Callable[[K], Optional[V]], max_entries: int = 4096) -> None:
        self._load = load
        self._max_entries = max_entries
        self._rows: Dict[K, V] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> Optional[V]:
        """The row for ``key`` (``None`` if there is none; that answer is not kept)."""
        row = self._rows.get(key)
        if row is not None:
            return row
        generation = self._generation
        row = self._load(key)
        if row is None:
            return None
        with self._lock:
            if generation == self._generation:  # no write since the read began
                if len(self._rows) >= self._max_entries:
                    self._rows.clear()
                self._rows[key] = row
        return row

    def clear(self) -> None:
        """Forget every row (call after any write to the rows' tables)."""
        with self._lock:
            self._generation += 1
            self._rows.clear()

    def __len__(self) -> int:
        return len(self._rows)
