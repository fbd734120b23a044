"""``JobRow``: one line of :class:`~modelarts.widgets.JobList`'s table.

A row shows one entry of ``Estimator.get_job_list(...)["jobs"]`` — name, id,
version, status badge, creation time and duration — with its own Stop button
and two-step Delete.  The name is the label of the row's selection checkbox
(so a screen reader announces "checkbox, <job name>"), and a result line
under the row shows what the last bulk action did to this job.  The row only
draws; the list runs the calls, so every row shares the list's output area and
background worker.

Rows and the header are CSS grids with one column template
(:data:`~modelarts.widgets.style.TABLE_COLUMNS`), so they line up at any width
and a cell wraps its text instead of cutting it.
"""

from __future__ import annotations

import html
from typing import Any, Callable, List, Mapping, Optional, Tuple

import ipywidgets as widgets

from modelarts.states import JobState
from modelarts.widgets.parts import ConfirmDelete, StatusBadge, make_button
from modelarts.widgets.render import DELETED, elapsed_ms, format_duration, format_timestamp, parse_state
from modelarts.widgets.style import TABLE_COLUMNS

__all__ = ["COLUMNS", "JobRow", "header_row"]

#: Column titles of the table, in order (widths: ``TABLE_COLUMNS``).
COLUMNS: List[str] = ["Name", "ID", "Version", "Status", "Created", "Duration", "Actions"]


def _grid(**extra: str) -> widgets.Layout:
    return widgets.Layout(
        grid_template_columns=TABLE_COLUMNS, grid_gap="2px 10px", align_items="center", width="100%", **extra
    )


def _cell(child: widgets.Widget, column: str) -> widgets.Widget:
    child.add_class("modelarts-cell")
    child.add_class(f"modelarts-col-{column.lower()}")
    return child


def header_row() -> widgets.GridBox:
    """The table's bold header line."""
    header = widgets.GridBox(
        [_cell(widgets.HTML(f"<b>{title}</b>"), title) for title in COLUMNS],
        layout=_grid(border_bottom="1px solid #ccc"),
    )
    header.add_class("modelarts-job-header")
    return header


class JobRow(widgets.GridBox):
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
    select : ipywidgets.Checkbox
        Selects the row for the list's bulk actions; labelled with the job's name.
    result : ipywidgets.HTML
        What the last bulk action did to this job (empty until one ran).
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
        self.select = widgets.Checkbox(value=False, description=str(self.job_name), indent=False,
                                       layout=widgets.Layout(width="auto"))  # fmt: skip
        self.select.add_class("modelarts-select")
        self._id = widgets.HTML()
        self._version = widgets.HTML()
        self.status = StatusBadge()
        self._created = widgets.Label()
        self._duration = widgets.Label()
        self.stop_button = make_button("Stop", style="warning", icon="stop", tooltip=f"Stop {self.label}")
        self.stop_button.on_click(lambda _b: on_stop(self))
        wrap = widgets.Layout(flex_flow="row wrap")
        self.deleter = ConfirmDelete(self.describe, lambda force: on_delete(self, force), layout=wrap)
        self.delete_button = self.deleter.delete_button
        self.confirm_button = self.deleter.confirm_button
        self.cancel_button = self.deleter.cancel_button
        self.delete_button.tooltip = f"Delete {self.label} (asks first)"
        self.result = widgets.HTML("", layout=widgets.Layout(grid_column="1 / -1", display="none"))
        self.result.add_class("modelarts-row-result")
        self.add_class("modelarts-job-row")
        actions = widgets.HBox([self.stop_button, self.deleter], layout=widgets.Layout(flex_flow="row wrap"))
        cells = [self.select, self._id, self._version, self.status, self._created, self._duration, actions]
        self.children = tuple(_cell(child, title) for child, title in zip(cells, COLUMNS)) + (self.result,)
        self.layout = _grid(border_bottom="1px solid #eee", padding="2px 0")
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
        self.select.description = str(self.job_name)
        self.select.tooltip = str(job.get("job_desc") or "") or f"Select {self.label} for Stop/Delete selected"
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
        self.select.value = False
        self.sync_buttons()

    def show_result(self, text: str, ok: bool) -> None:
        """Show what a bulk action did to this job, under the row (green, or red on failure)."""
        colour = "#2e7d32" if ok else "#c62828"
        mark = "&#10003;" if ok else "&#10007;"
        self.result.value = f'<span style="color:{colour}">{mark} {html.escape(text)}</span>'
        self.result.layout.display = ""

    def sync_buttons(self) -> None:
        """Enable what the state allows, unless a click's call is running."""
        if self.busy:
            return
        self.stop_button.disabled = self.deleted or (self.state is not None and not self.state.can_stop)
        self.delete_button.disabled = self.deleted
        self.select.disabled = self.deleted
