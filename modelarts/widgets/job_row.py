"""``JobRow``: one line of :class:`~modelarts.widgets.JobList`'s table.

A row shows one entry of ``Estimator.get_job_list(...)["jobs"]`` — name, id,
version, status badge, creation time and duration — with its own Stop button
and two-step Delete.  The row only draws; the list runs the calls, so every
row shares the list's output area and background worker.
"""

from __future__ import annotations

import html
from typing import Any, Callable, List, Mapping, Optional, Tuple

import ipywidgets as widgets

from modelarts.states import JobState
from modelarts.widgets.parts import ConfirmDelete, StatusBadge, make_button
from modelarts.widgets.render import DELETED, elapsed_ms, format_duration, format_timestamp, parse_state

__all__ = ["COLUMNS", "JobRow", "header_row"]

#: Column titles and widths of the table, in order.
COLUMNS: List[Tuple[str, str]] = [
    ("Name", "12em"),
    ("ID", "4em"),
    ("Version", "4.5em"),
    ("Status", "11em"),
    ("Created", "11.5em"),
    ("Duration", "5.5em"),
    ("Actions", "auto"),
]


def _cell(child: widgets.Widget, width: str) -> widgets.Box:
    """A table cell: fixed width (never squeezed), or the rest of the line for ``auto``."""
    if width == "auto":  # wraps (e.g. a long confirmation) instead of overflowing the output
        return widgets.Box([child], layout=widgets.Layout(flex="1 1 auto", min_width="11em"))
    return widgets.Box([child], layout=widgets.Layout(width=width, min_width=width, flex="0 0 auto", overflow="hidden"))


def header_row() -> widgets.HBox:
    """The table's bold header line."""
    return widgets.HBox(
        [_cell(widgets.HTML(f"<b>{title}</b>"), width) for title, width in COLUMNS],
        layout=widgets.Layout(border_bottom="1px solid #ccc"),
    )


class JobRow(widgets.HBox):
    """One job of the list, with Stop and Delete.

    Parameters
    ----------
    job : mapping
        One entry of ``get_job_list()["jobs"]``: ``job_id``, ``job_name``,
        ``version_id``, ``status``, ``create_time``, ``duration``.
    on_stop : callable
        Called with this row when Stop is clicked.
    on_delete : callable
        Called with this row and ``force`` when the deletion is confirmed.

    Attributes
    ----------
    job_id, version_id : str
        Decimal strings, as ``TrainingJob`` keeps them.
    job_name : str
        As the list returned it.
    state : JobState or None
        The latest status.
    status : StatusBadge
        The badge.
    stop_button, delete_button, confirm_button, cancel_button : ipywidgets.Button
        Drive them with ``.click()``.
    busy : bool
        A click's call is running; :meth:`update` leaves the buttons alone.
    deleted : bool
        The job was deleted from this row.
    """

    def __init__(
        self,
        job: Mapping[str, Any],
        on_stop: Callable[["JobRow"], None],
        on_delete: Callable[["JobRow", bool], None],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_id = str(job["job_id"])
        self.version_id = str(job.get("version_id", ""))
        self.job_name = job.get("job_name", "")
        self.state: Optional[JobState] = None
        self.busy = False
        self.deleted = False
        self.job: Mapping[str, Any] = job
        self._name = widgets.HTML()
        self._id = widgets.HTML()
        self._version = widgets.HTML()
        self.status = StatusBadge()
        self._created = widgets.Label()
        self._duration = widgets.Label()
        self.stop_button = make_button("Stop", style="warning", icon="stop", tooltip="Stop this job")
        self.stop_button.on_click(lambda _b: on_stop(self))
        wrap = widgets.Layout(flex_flow="row wrap")
        self.deleter = ConfirmDelete(self.describe, lambda force: on_delete(self, force), layout=wrap)
        self.delete_button = self.deleter.delete_button
        self.confirm_button = self.deleter.confirm_button
        self.cancel_button = self.deleter.cancel_button
        self.add_class("modelarts-job-row")
        cells = [self._name, self._id, self._version, self.status, self._created, self._duration]
        cells.append(widgets.HBox([self.stop_button, self.deleter], layout=widgets.Layout(flex_flow="row wrap")))
        self.children = tuple(_cell(child, width) for child, (_title, width) in zip(cells, COLUMNS))
        self.update(job)

    @property
    def label(self) -> str:
        """``<name> (<id>)``."""
        return f"{self.job_name} ({self.job_id})"

    def describe(self) -> Tuple[str, bool]:
        """The confirmation's label, and whether the job must be stopped first."""
        return self.label, self.state is None or not self.state.is_terminal

    def update(self, job: Mapping[str, Any]) -> bool:
        """Show a newer copy of this job's list entry.

        Returns
        -------
        bool
            The status changed.
        """
        self.job = job
        self.job_name = job.get("job_name", self.job_name)
        self.version_id = str(job.get("version_id", self.version_id))
        state = parse_state(job.get("status"))
        changed = state != self.state
        self.state = state
        self._name.value = f'<span title="{html.escape(str(job.get("job_desc") or ""))}">{html.escape(str(self.job_name))}</span>'
        self._id.value = f"<code>{html.escape(str(self.job_id))}</code>"
        self._version.value = f"<code>{html.escape(str(self.version_id))}</code>"
        if not self.deleted:
            self.status.show(state if state is not None else job.get("status"))
        terminal = state is not None and state.is_terminal
        self._created.value = format_timestamp(job.get("create_time"))
        self._duration.value = format_duration(elapsed_ms(job.get("create_time"), job.get("duration"), terminal))
        self.sync_buttons()
        return changed

    def mark_deleted(self) -> None:
        """Show the row as deleted and disable its buttons."""
        self.deleted = True
        self.status.show(DELETED)
        self.deleter.cancel()
        self.sync_buttons()

    def sync_buttons(self) -> None:
        """Enable what the state allows, unless a click's call is running."""
        if self.busy:
            return
        self.stop_button.disabled = self.deleted or (self.state is not None and not self.state.can_stop)
        self.delete_button.disabled = self.deleted
