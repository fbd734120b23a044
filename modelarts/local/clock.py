"""The service's one clock: wall-clock epoch seconds that tests can move forward.

Every decision of the local service that depends on the time of day reads
this clock: the gateway's ±15 minute signature window and its AK lockout,
IAM's token and temporary-credential expiry and its password lockout, the
OBS signature window and temporary-URL expiry, and the times the job store
and runner stamp (creation, start, queue delay, stop requests).  Real time
stays where real things happen: socket timeouts, waits for processes, the
HTTP server's request deadline.

:class:`OffsetClock` is real time plus an offset that only grows, so
``LocalService.advance(seconds)`` can make a token expire or a lock lift
without a test sleeping (the same idea as moto's time control).
"""

from __future__ import annotations

import threading
import time
from typing import Callable

__all__ = ["Clock", "OffsetClock"]

Clock = Callable[[], float]
"""Returns the current time as epoch seconds (like :func:`time.time`)."""


class OffsetClock:
    """``base()`` plus an offset that :meth:`advance` increases; callable like :func:`time.time`.

    Moving forward only: a service's stamps never go backwards, so a clock that
    could rewind would make a job appear to end before it started.
    """

    def __init__(self, base: Clock = time.time) -> None:
        self._base = base
        self._offset = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self._base() + self._offset

    @property
    def offset(self) -> float:
        """Seconds this clock is ahead of its base."""
        return self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock ``seconds`` forward (a finite number ≥ 0); the new time."""
        seconds = float(seconds)
        if not seconds >= 0 or seconds == float("inf"):
            raise ValueError(f"a clock moves forward by a finite number of seconds ≥ 0, not {seconds!r}")
        with self._lock:
            self._offset += seconds
        return self()

    def __repr__(self) -> str:
        return f"OffsetClock(offset={self._offset:+.3f}s)"
