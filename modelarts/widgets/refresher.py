"""A background poller shared by the notebook widgets.

A widget that shows live status must not block the notebook, so it polls from a
daemon thread.  :class:`Refresher` owns that thread: it calls one ``poll``
function, waits between calls with a geometric back-off, and ends when ``poll``
says the work is done, when :meth:`Refresher.close` is called, or when the
interpreter exits (the thread is a daemon).

The ``poll`` function must only set widget traits or append to an ``Output``
widget through ``append_stdout``/``append_stderr``: output printed from a thread
lands in whichever cell happens to be running.
"""

from __future__ import annotations

import enum
import logging
import threading
from typing import Callable, Optional

__all__ = ["Poll", "Refresher"]

logger = logging.getLogger("modelarts.widgets")


class Poll(enum.Enum):
    """What one call of a refresher's ``poll`` function found."""

    #: Something changed: poll again soon (the interval goes back to its start).
    CHANGED = "changed"
    #: Nothing changed: wait longer before the next poll (back off).
    SAME = "same"
    #: Nothing more will change: end the thread.
    DONE = "done"


class Refresher:
    """Call ``poll`` from a daemon thread until it returns :attr:`Poll.DONE`.

    Parameters
    ----------
    poll : callable
        Called with no arguments; returns a :class:`Poll`.  An exception is
        passed to ``on_error`` (or logged) and treated as :attr:`Poll.SAME`, so
        a flaky network backs the refresher off instead of killing it.
    interval : float
        Seconds before the second poll (the first one runs at once).
    max_interval : float
        The back-off never waits longer than this.
    backoff : float
        Factor applied to the wait after each unchanged or failed poll.
    on_error : callable, optional
        Called with the exception a poll raised.
    name : str
        The thread's name, for debugging.

    Examples
    --------
    >>> ticks = []
    >>> def poll():
    ...     ticks.append(1)
    ...     return Poll.DONE if len(ticks) == 3 else Poll.SAME
    >>> r = Refresher(poll, interval=0.01).start()
    >>> r.join(5)
    True
    >>> len(ticks)
    3
    """

    def __init__(
        self,
        poll: Callable[[], Poll],
        *,
        interval: float = 1.0,
        max_interval: float = 15.0,
        backoff: float = 1.5,
        on_error: Optional[Callable[[BaseException], None]] = None,
        name: str = "modelarts-refresher",
    ) -> None:
        if interval <= 0 or max_interval < interval:
            raise ValueError("need 0 < interval <= max_interval")
        if backoff < 1:
            raise ValueError("backoff must be >= 1")
        self._poll = poll
        self.interval = float(interval)
        self.max_interval = float(max_interval)
        self.backoff = float(backoff)
        self._on_error = on_error
        self._name = name
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()
        #: How many times ``poll`` has been called.
        self.polls = 0
        #: The wait that follows the latest poll, in seconds.
        self.current_interval = self.interval

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> "Refresher":
        """Start the thread (once; a closed refresher does not restart).

        Returns
        -------
        Refresher
            ``self``, so ``Refresher(...).start()`` reads naturally.
        """
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        return self

    def wake(self) -> None:
        """Poll now and reset the back-off (e.g. right after a button click)."""
        self.current_interval = self.interval
        self._wake.set()

    def close(self) -> None:
        """Ask the thread to end; it does so before its next poll."""
        self._stop.set()
        self._wake.set()

    def join(self, timeout: Optional[float] = None) -> bool:
        """Wait for the thread to end.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait; ``None`` waits for ever.

        Returns
        -------
        bool
            ``True`` if no thread is running any more.
        """
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.is_alive

    @property
    def is_alive(self) -> bool:
        """The polling thread is running."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    @property
    def closed(self) -> bool:
        """:meth:`close` was called."""
        return self._stop.is_set()

    # -- the thread ----------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            outcome = self._poll_once()
            if outcome is Poll.DONE:
                return
            if outcome is Poll.CHANGED:
                self.current_interval = self.interval
            self._wake.wait(self.current_interval)
            if outcome is not Poll.CHANGED and not self._wake.is_set():
                self.current_interval = min(self.current_interval * self.backoff, self.max_interval)

    def _poll_once(self) -> Poll:
        self.polls += 1
        try:
            outcome = self._poll()
        except Exception as err:  # noqa: BLE001 - a poll must never kill the thread
            if self._on_error is not None:
                try:
                    self._on_error(err)
                except Exception:  # noqa: BLE001
                    logger.exception("refresher %s: error handler failed", self._name)
            else:
                logger.warning("refresher %s: poll failed", self._name, exc_info=True)
            return Poll.SAME
        return outcome if isinstance(outcome, Poll) else Poll.SAME
