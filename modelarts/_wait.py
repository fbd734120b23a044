"""Waiting for a job: the poll loop and the progress display.

:func:`poll_until_terminal` is the one loop every wait goes through
(``TrainingJob.wait``, ``stop(wait=True)``, ``delete_job(force=True)``,
``fit(wait=True)``).  It stops on *every* terminal state, never on KILLING,
and raises :class:`~modelarts.exceptions.WaitTimeoutError` at the deadline.
``sleep`` and ``clock`` are injectable so unit tests never really sleep.

The progress display is text (a line per status change) or, inside a
Jupyter kernel with ipywidgets installed, a progress bar.  ipywidgets is
imported only when a bar is actually shown.

Examples
--------
>>> states = iter([JobState.RUNNING, JobState.COMPLETED])
>>> poll_until_terminal(lambda: next(states), poll=1, sleep=lambda s: None)
<JobState.COMPLETED: 10>
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any, Callable, Iterable, Optional, TextIO, Union

from modelarts.exceptions import WaitTimeoutError
from modelarts.states import JobState

__all__ = [
    "Progress",
    "TextProgress",
    "WidgetProgress",
    "check_wait",
    "format_elapsed",
    "make_progress",
    "poll_until_terminal",
    "Clock",
    "Label",
    "Sleep",
]

Sleep = Callable[[float], None]
Clock = Callable[[], float]

#: How far along a job in each in-flight state is, for the progress bar.
_FRACTION = {
    JobState.UNKNOWN: 0.0,
    JobState.INIT: 0.1,
    JobState.IMAGE_CREATING: 0.2,
    JobState.SUBMIT_TRYING: 0.3,
    JobState.WAITING: 0.4,
    JobState.SCALING: 0.5,
    JobState.RUNNING: 0.6,
    JobState.CHECK_INIT: 0.7,
    JobState.CHECK_RUNNING: 0.8,
    JobState.CHECK_RUNNING_COMPLETED: 0.9,
    JobState.KILLING: 0.9,
}


def format_elapsed(seconds: float) -> str:
    """``75.2`` → ``'1m15s'``; ``3700`` → ``'1h01m40s'``."""
    whole = int(max(seconds, 0))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def check_wait(timeout: Any, poll: Any) -> None:
    """``ValueError`` unless ``poll`` is a positive finite number and ``timeout`` is
    ``None`` or a non-negative number (NaN is neither: a NaN timeout never expires)."""
    if isinstance(poll, bool) or not isinstance(poll, (int, float)) or not 0 < poll < math.inf:
        raise ValueError(f"poll must be a positive number of seconds, got {poll!r}")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout >= 0):
        raise ValueError(f"timeout must be None or a non-negative number of seconds, got {timeout!r}")


def poll_until_terminal(
    refresh: Callable[[], JobState],
    *,
    timeout: Optional[float] = None,
    poll: float = 5.0,
    sleep: Optional[Sleep] = None,
    clock: Optional[Clock] = None,
    on_update: Optional[Callable[[JobState, float], None]] = None,
    what: str = "job",
    first_poll: Optional[float] = None,
) -> JobState:
    """Call ``refresh()`` every ``poll`` seconds until it returns a terminal state.

    With ``first_poll`` the sleeps start at that many seconds and double up to
    ``poll`` (for waits that usually end within moments, like a stop).

    Raises
    ------
    WaitTimeoutError
        ``timeout`` seconds passed first; ``err.last_status`` is the last state seen.
    ValueError
        ``poll`` is not positive or ``timeout`` is negative.
    """
    check_wait(timeout, poll)
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    start = clock()
    delay = poll if first_poll is None else min(first_poll, poll)
    while True:
        state = refresh()
        elapsed = clock() - start
        if on_update is not None:
            on_update(state, elapsed)
        if state.is_terminal:
            return state
        if timeout is not None and elapsed >= timeout:
            raise WaitTimeoutError(
                f"{what} is still {state.name} after {format_elapsed(elapsed)} (timeout {timeout}s)",
                last_status=state,
            )
        sleep(delay if timeout is None else max(min(delay, timeout - elapsed), 0.0))
        delay = min(delay * 2, poll)


Label = Union[str, Callable[[], str]]


class Progress:
    """Shows a wait: ``update`` on every poll, ``log`` for new log lines, ``close`` at the end.

    ``label`` names the job; a callable is re-read each time (names arrive with the first refresh).
    """

    label: Label = ""

    @property
    def name(self) -> str:
        """The current label text."""
        return self.label() if callable(self.label) else self.label

    def update(self, state: JobState, elapsed: float) -> None:
        """A poll returned ``state`` after ``elapsed`` seconds."""

    def log(self, lines: Iterable[str]) -> None:
        """New log lines of the job."""

    def close(self, state: Optional[JobState], elapsed: float) -> None:
        """The wait ended (``state`` is ``None`` if it ended by an error)."""


class TextProgress(Progress):
    """One line per status change, plus the log lines, on ``stream`` (default stdout)."""

    def __init__(self, label: Label, stream: Optional[TextIO] = None) -> None:
        self.label = label
        self.stream = stream
        self._last: Optional[JobState] = None

    def _print(self, text: str) -> None:
        print(text, file=self.stream or sys.stdout, flush=True)

    def update(self, state: JobState, elapsed: float) -> None:
        if state is not self._last:
            self._last = state
            self._print(f"[{format_elapsed(elapsed):>8}] {self.name}: {state.name}")

    def log(self, lines: Iterable[str]) -> None:
        for line in lines:
            self._print(line)

    def close(self, state: Optional[JobState], elapsed: float) -> None:
        if state is not None:
            self._print(f"{self.name} ended {state.name} after {format_elapsed(elapsed)}")


class WidgetProgress(Progress):
    """A progress bar with status and elapsed time; log lines print below it."""

    def __init__(self, label: Label) -> None:
        import ipywidgets  # lazy: only notebooks pay for it
        from IPython.display import display

        self.label = label
        self.bar = ipywidgets.FloatProgress(value=0.0, min=0.0, max=1.0, bar_style="info")
        self.text = ipywidgets.HTML(value=f"{self.name}: starting")
        self.box = ipywidgets.HBox([self.bar, self.text])
        display(self.box)

    def update(self, state: JobState, elapsed: float) -> None:
        self.bar.value = 1.0 if state.is_terminal else _FRACTION.get(state, 0.5)
        self.text.value = f"{self.name}: <b>{state.name}</b> · {format_elapsed(elapsed)}"

    def log(self, lines: Iterable[str]) -> None:
        for line in lines:
            print(line, flush=True)

    def close(self, state: Optional[JobState], elapsed: float) -> None:
        if state is None:
            self.bar.bar_style = "danger"
            return
        self.bar.value = 1.0
        self.bar.bar_style = "success" if state.is_success else "warning" if state.is_stopped else "danger"
        self.text.value = f"{self.name}: <b>{state.name}</b> after {format_elapsed(elapsed)}"


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell: Any = ipython.get_ipython()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - any failure just means "not a notebook"
        return False
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def make_progress(label: Label, mode: Any = "auto") -> Progress:
    """The display for a wait: ``"auto"``/``True`` (bar in a notebook, else text),
    ``"text"``, ``"widget"`` or ``False``/``None`` (nothing)."""
    if mode in (False, None):
        return Progress()
    if mode == "text":
        return TextProgress(label)
    if mode == "widget" or (mode in ("auto", True) and _in_notebook()):
        try:
            return WidgetProgress(label)
        except ImportError:
            return TextProgress(label)
    if mode in ("auto", True):
        return TextProgress(label)
    raise ValueError(f"progress must be 'auto', 'text', 'widget', True or False, got {mode!r}")
