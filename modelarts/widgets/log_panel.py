"""``LogPanel``: a job's log inside its widget, collapsed until asked for.

A **Show log** toggle opens the panel; while it is open and the job has not
ended, a :class:`~modelarts.widgets.refresher.Refresher` reads the lines the job
wrote since the last read (:class:`modelarts._logs.LogFollower`, through the
job's documented ``get_job_log_file_list`` and ``get_job_log``) and appends
them.  Following stops when the job ends (after one last read), when the panel
is collapsed, and when the widget is closed; opening it again continues where
it stopped.

Memory is bounded: the panel keeps the newest ``max_lines`` lines and says how
many older ones it dropped.  The lines live in one ``HTML`` widget inside a
scroll box whose flex direction is ``column-reverse``, so the browser keeps the
view pinned to the newest line while the text grows, without re-creating any
DOM node (no flicker, no jump to the top).
"""

from __future__ import annotations

import collections
import html
import threading
from typing import Any, Callable, Deque, List, Mapping, Optional

import ipywidgets as widgets

from modelarts._logs import LOG_NOT_READY, LogFollower
from modelarts.exceptions import APIError
from modelarts.widgets.actions import Reporter, checked
from modelarts.widgets.refresher import Poll, Refresher
from modelarts.widgets.render import parse_state

__all__ = ["LogPanel"]


class LogPanel(widgets.VBox):
    """The job's log, followed live while open.

    Parameters
    ----------
    job : TrainingJob
        Anything with ``status``, ``get_job_log_file_list()`` and
        ``get_job_log(log_file, base_line=, lines=, order=)``.
    reporter : Reporter
        Where read errors go (once until a read succeeds again).
    max_lines : int
        How many of the newest lines are kept (and shown).
    interval, max_interval : float
        First and longest wait between reads while the job runs, in seconds.
    ended : callable, optional
        Says whether the job has ended (default: ``job.status`` is terminal).

    Attributes
    ----------
    toggle : ipywidgets.ToggleButton
        Opens (``value=True``) and collapses the panel.
    text : ipywidgets.HTML
        The lines, as one escaped ``<pre>``.
    lines : collections.deque
        The kept lines, oldest first.
    dropped : int
        How many older lines were let go.
    refresher : Refresher or None
        The follower thread while the panel is open and the job runs.
    """

    def __init__(
        self,
        job: Any,
        reporter: Reporter,
        *,
        max_lines: int = 500,
        interval: float = 0.25,
        max_interval: float = 0.75,
        ended: Optional[Callable[[], bool]] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if max_lines < 1:
            raise ValueError("max_lines must be >= 1")
        self.job = job
        self.reporter = reporter
        self.interval, self.max_interval = interval, max(max_interval, interval)
        self._ended = ended or self._job_ended
        self.lines: Deque[str] = collections.deque(maxlen=max_lines)
        self.dropped = 0
        self.refresher: Optional[Refresher] = None
        self._closed = False
        self._read_lock = threading.Lock()
        self._follower = LogFollower(self._files, self._fetch)
        self.toggle = widgets.ToggleButton(
            value=False, description="Show log", icon="file-text-o", tooltip="Show the job's log, following it live",
            layout=widgets.Layout(width="auto"),
        )
        self.toggle.add_class("modelarts-log-toggle")
        self.state_label = widgets.Label("")
        self.text = widgets.HTML("<pre></pre>", layout=widgets.Layout(width="100%"))
        self.box = widgets.Box(
            [self.text],
            layout=widgets.Layout(
                display="none", flex_flow="column-reverse", overflow="auto", max_height="18em",
                border="1px solid #ddd", padding="2px 6px", width="100%",
            ),
        )
        self.box.add_class("modelarts-log")
        self.toggle.observe(self._toggled, names="value")
        self.add_class("modelarts-log-panel")
        self.children = (widgets.HBox([self.toggle, self.state_label]), self.box)

    # -- public ----------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """The panel is expanded."""
        return bool(self.toggle.value)

    @property
    def following(self) -> bool:
        """A follower thread is reading new lines."""
        return self.refresher is not None and self.refresher.is_alive

    def expand(self) -> None:
        """Expand the panel and start following (what clicking **Show log** does)."""
        self.toggle.value = True

    def collapse(self) -> None:
        """Collapse the panel and stop following."""
        self.toggle.value = False

    def read(self) -> int:
        """Read the lines written since the last read now (on this thread).

        Returns
        -------
        int
            How many new lines were shown.
        """
        with self._read_lock:
            try:
                new = self._follower.poll()
            except APIError as err:
                if err.error_code in LOG_NOT_READY:
                    return 0
                raise
            self.reporter.poll_succeeded()
            if new:
                self._append(new)
            return len(new)

    def wake(self) -> None:
        """Read again now (e.g. the job just changed state)."""
        if self.refresher is not None:
            self.refresher.wake()

    def close(self) -> None:
        """Stop following for good, then close the widget."""
        self._closed = True
        if getattr(self, "refresher", None) is not None:  # close() also runs from __del__
            self._stop_following()
        super().close()

    # -- internals -------------------------------------------------------------

    def _job_ended(self) -> bool:
        state = parse_state(getattr(self.job, "status", None))
        return state is not None and state.is_terminal

    def _files(self) -> List[str]:
        answer: Mapping[str, Any] = checked(self.job.get_job_log_file_list())
        return [str(name) for name in answer.get("log_file_list") or []]

    def _fetch(self, query: Mapping[str, Any]) -> Mapping[str, Any]:
        answer: Mapping[str, Any] = checked(
            self.job.get_job_log(query["log_file"], base_line=query["base_line"], lines=query["lines"], order=query["order"])
        )
        return answer

    def _append(self, new: List[str]) -> None:
        overflow = max(0, len(self.lines) + len(new) - (self.lines.maxlen or 0))
        self.dropped += overflow
        self.lines.extend(new)
        head = f"… {self.dropped} earlier lines not kept\n" if self.dropped else ""
        self.text.value = f"<pre>{html.escape(head + chr(10).join(self.lines))}</pre>"

    def _toggled(self, change: Mapping[str, Any]) -> None:
        if change["new"] and not self._closed:
            self.toggle.description, self.toggle.tooltip = "Hide log", "Collapse the log (stops following it)"
            self.box.layout.display = "flex"
            self._start_following()
        else:
            self.toggle.description, self.toggle.tooltip = "Show log", "Show the job's log, following it live"
            self.box.layout.display = "none"
            self._stop_following()

    def _start_following(self) -> None:
        self._stop_following()
        self.state_label.value = "following…"
        self.refresher = Refresher(
            self._poll, interval=self.interval, max_interval=self.max_interval,
            on_error=self.reporter.poll_failed, name="modelarts-log-follow",
        ).start()  # fmt: skip

    def _stop_following(self) -> None:
        if self.refresher is not None:
            self.refresher.close()
        if self._closed or not self.is_open:
            self.state_label.value = ""

    def _poll(self) -> Poll:
        ended = self._ended()  # read before the lines, so the last read sees everything written
        new = self.read()
        if ended:
            self.state_label.value = "job ended · not following"
            return Poll.DONE
        return Poll.CHANGED if new else Poll.SAME
