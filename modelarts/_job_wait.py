"""Waiting on one job: :class:`WaitableJob`, the ``wait``/``follow`` that v1 and v2 jobs share.

A job kind supplies four things: :meth:`~WaitableJob.refresh` (fetch and
return the state), :meth:`~WaitableJob._label` (how the job is named in
messages), :meth:`~WaitableJob._log_reader` (a callable that returns the log
lines that are new since its last call) and :meth:`~WaitableJob._failure` (the
error for a job that ended badly).  The loop itself is
:func:`~modelarts._wait.poll_until_terminal`; the display is
:func:`~modelarts._wait.make_progress`.

Examples
--------
>>> job.wait(timeout=600, stopped_ok=False)       # doctest: +SKIP
<JobState.COMPLETED: 10>
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, List, Optional

from modelarts._wait import Clock, Sleep, make_progress, poll_until_terminal
from modelarts.exceptions import JobFailedError
from modelarts.states import JobState

__all__ = ["STOP_FIRST_POLL", "WAIT_FIRST_POLL", "LogReader", "WaitableJob"]

#: Seconds before the first look of a plain ``wait()``: short jobs end in
#: seconds, so the wait starts brisk and backs off to the poll interval.
WAIT_FIRST_POLL = 0.5
#: Seconds before the first look after a stop (doubling up to the poll interval):
#: a stop usually lands within moments, and a full interval is seconds of waiting.
STOP_FIRST_POLL = 0.05

#: Returns the log lines that are new since its previous call (``[]`` when none).
LogReader = Callable[[], List[str]]


class WaitableJob:
    """A job that can be waited on until it reaches a terminal state."""

    #: Seconds between refreshes while waiting.
    poll_interval: ClassVar[float] = 5.0

    def refresh(self) -> JobState:  # pragma: no cover - every job kind overrides it
        raise NotImplementedError

    def _label(self) -> str:  # pragma: no cover - every job kind overrides it
        raise NotImplementedError

    def _log_reader(self) -> LogReader:  # pragma: no cover - every job kind overrides it
        raise NotImplementedError

    def _failure(self, final: JobState) -> JobFailedError:  # pragma: no cover - every job kind overrides it
        raise NotImplementedError

    def wait(
        self,
        timeout: Optional[float] = None,
        poll: Optional[float] = None,
        *,
        stopped_ok: bool = True,
        raise_on_failure: bool = True,
        progress: Any = False,
        logs: bool = False,
        sleep: Optional[Sleep] = None,
        clock: Optional[Clock] = None,
        first_poll: Optional[float] = None,
    ) -> JobState:
        """Block until the job reaches a terminal state, and return it.

        Parameters
        ----------
        timeout:
            Seconds to wait at most (``None`` = no limit).
        poll:
            Seconds between refreshes (default :attr:`poll_interval`).
        stopped_ok:
            Whether a stopped (KILLED/CANCELED, v2 ``Terminated``) job is a normal end
            (``True``) or a failure.
        raise_on_failure:
            Raise :class:`~modelarts.exceptions.JobFailedError` for a failure
            (FAILED, LOST, IMAGE_FAILED …, v2 ``Failed``/``Abnormal``); otherwise just return it.
        progress:
            ``"auto"``/``True``, ``"text"``, ``"widget"`` or ``False``.
        logs:
            Print the job's new log lines while waiting.
        sleep, clock:
            Replacements for ``time.sleep``/``time.monotonic`` (tests).
        first_poll:
            Seconds before the second refresh, doubling up to ``poll``.  When neither is
            given the wait starts at half a second, so a short job is not kept waiting a
            whole poll interval; an explicit ``poll`` alone is kept as it is.

        Raises
        ------
        WaitTimeoutError
            The job was still running after ``timeout`` seconds.
        JobFailedError
            The job failed (see ``stopped_ok``, ``raise_on_failure``).
        """
        reporter = make_progress(self._label, progress)
        read_logs = self._log_reader() if logs else None
        seen = {"elapsed": 0.0}

        def tick(state: JobState, elapsed: float) -> None:
            seen["elapsed"] = elapsed
            reporter.update(state, elapsed)
            if read_logs is not None:
                reporter.log(read_logs())

        final: Optional[JobState] = None
        try:
            final = poll_until_terminal(
                self.refresh, timeout=timeout, poll=self.poll_interval if poll is None else poll,
                sleep=sleep, clock=clock, on_update=tick, what=self._label(),
                first_poll=WAIT_FIRST_POLL if first_poll is None and poll is None else first_poll,
            )  # fmt: skip
            if read_logs is not None:
                reporter.log(read_logs())
        finally:
            reporter.close(final, seen["elapsed"])
        assert final is not None
        if (final.is_failure or (final.is_stopped and not stopped_ok)) and raise_on_failure:
            raise self._failure(final)
        return final

    def _wait_stopped(self, timeout: Optional[float], poll: Optional[float]) -> JobState:
        """Wait for the end after a stop was sent: looked at soon, and never raised."""
        return self.wait(timeout, poll, raise_on_failure=False, first_poll=STOP_FIRST_POLL)

    def follow(self, timeout: Optional[float] = None, poll: Optional[float] = None) -> JobState:
        """Wait with progress and the job's log lines (what ``fit(wait=True)`` does);
        the final state is returned, never raised."""
        return self.wait(timeout, poll, raise_on_failure=False, progress="auto", logs=True)
