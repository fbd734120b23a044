"""``JobList``: the notebook view of ``Estimator.get_job_list``.

A filter bar (status, name search, order, page size, Refresh), the bulk bar
(select all on the page, Stop selected, Delete selected: see
:mod:`modelarts.widgets.bulk`), a table of
:class:`~modelarts.widgets.job_row.JobRow` with per-row selection, Stop and
Delete, a pager, and an output area for every result and error.  Every control
has a visible text label (its accessible name) and is reachable with Tab.  A
:class:`~modelarts.widgets.refresher.Refresher` reloads the current page in the
background until :meth:`JobList.close`; rows are updated in place, so an open
delete confirmation survives a refresh.
"""

from __future__ import annotations

import math
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

import ipywidgets as widgets

from modelarts import _lifecycle
from modelarts.protocols import JobListBackend
from modelarts.states import JobState
from modelarts.widgets.actions import ActionRunner, Reporter, checked
from modelarts.widgets.bulk import BulkBar
from modelarts.widgets.job_row import JobRow, header_row
from modelarts.widgets.parts import make_button
from modelarts.widgets.refresher import Poll, Refresher
from modelarts.widgets.render import parse_state
from modelarts.widgets.style import ROOT_CLASS, stylesheet

__all__ = ["EstimatorBackend", "JobList"]

_PAGE_SIZES = (5, 10, 20, 50, 100)
#: The status filter's "no filter" value (``None`` would show as an empty dropdown).
_ALL = -1


_LABELLED = {"description_width": "initial"}  # the label takes its text's width; the control keeps its own


def _width(width: str) -> widgets.Layout:
    return widgets.Layout(width=width, min_width=width, flex="0 0 auto")


class EstimatorBackend:
    """The three calls :class:`JobList` makes, on the v1 training-job API.

    Parameters
    ----------
    session : modelarts.session.Session
        The session every call uses.
    """

    def __init__(self, session: Any) -> None:
        self.session = session

    def list_jobs(self, **query: Any) -> Mapping[str, Any]:
        """The page ``Estimator.get_job_list(session, **query)`` returns."""
        return _lifecycle.list_jobs(self.session, **query)

    def stop(self, job_id: Any, version_id: Any) -> Any:
        """Send the stop, as ``TrainingJob.stop()``; :class:`JobList` then waits for the end."""
        return _lifecycle.stop_and_wait(self.session, job_id, version_id, wait=False)

    def delete(self, job_id: Any, force: bool) -> Any:
        """Delete the job, as ``Estimator.delete_job_by_id(..., force=force)``."""
        return _lifecycle.Job(self.session, job_id).delete_job(force=force)


class JobList(widgets.VBox):
    """The training jobs of a session as a live table with Stop and Delete.

    Parameters
    ----------
    session : Session
        The ModelArts session to list with.
    status : JobState, int or str, optional
        Show only jobs in this state.
    per_page, page : int
        Page size and the page shown first (1-based).
    sort_by, order : str
        Passed to ``get_job_list`` as ``sortBy`` and ``order`` (``"desc"`` or ``"asc"``).
    search_content : str, optional
        Show only jobs whose name contains this text.
    interval, max_interval : float
        The refresher's first and longest wait between reloads, in seconds.
    autostart : bool
        Start the refresher (whose first poll loads the page) now.
    backend : JobListBackend, optional
        What makes the calls; tests pass a fake.
    stop_timeout : float
        How long Stop (a row's or Stop selected) waits for the stopped jobs to end.

    Attributes
    ----------
    status_filter, search, order, per_page : ipywidgets widgets
        The filter bar; changing one reloads from page 1.  ``status_filter``
        holds a status code, or -1 for all states.
    refresh_button, prev_button, next_button : ipywidgets.Button
        Reload; previous and next page.
    bulk : BulkBar
        Selection and Stop selected / Delete selected.
    page : int
        The page shown.
    total : int
        ``job_total_count`` of the latest answer.
    output : ipywidgets.Output
        Every result and error.
    refresher : Refresher
        Reloads in the background until :meth:`close`.
    """

    def __init__(
        self,
        session: Any,
        status: Union[JobState, int, str, None] = None,
        per_page: int = 10,
        page: int = 1,
        sort_by: str = "create_time",
        order: str = "desc",
        search_content: Optional[str] = None,
        *,
        interval: float = 2.0,
        max_interval: float = 30.0,
        autostart: bool = True,
        backend: Optional[JobListBackend] = None,
        stop_timeout: float = 120.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.backend = backend if backend is not None else EstimatorBackend(session)
        self.sort_by = sort_by
        self.page = max(int(page), 1)
        self.total = 0
        self._rows: Dict[str, JobRow] = {}
        self._load_lock = threading.Lock()
        states = [("All states", _ALL)] + [(s.name, int(s)) for s in JobState]
        first = parse_state(status)
        self.status_filter = widgets.Dropdown(
            options=states, value=_ALL if first is None else int(first), description="Status",
            style=_LABELLED, layout=_width("14em"), tooltip="Show only jobs in this state",
        )
        self.search = widgets.Text(
            value=search_content or "", placeholder="part of a name", continuous_update=False, description="Name",
            style=_LABELLED, layout=_width("13em"), tooltip="Show only jobs whose name contains this (Enter applies)",
        )
        self.order = widgets.Dropdown(
            options=[("Newest first", "desc"), ("Oldest first", "asc")], value=order, description="Order",
            style=_LABELLED, layout=_width("12em"),
        )
        sizes = sorted(set(_PAGE_SIZES) | {int(per_page)})
        self.per_page = widgets.Dropdown(
            options=[(str(size), size) for size in sizes], value=int(per_page), description="Per page",
            style=_LABELLED, layout=_width("9.5em"),
        )
        self.refresh_button = make_button("Refresh", icon="refresh", tooltip="Reload this page now")
        self.prev_button = make_button("Previous", icon="chevron-left", tooltip="Previous page")
        self.next_button = make_button("Next", icon="chevron-right", tooltip="Next page")
        self.page_label = widgets.Label()
        self.table = widgets.VBox()
        self._header = header_row()
        self.output = widgets.Output(layout=widgets.Layout(max_height="12em", overflow="auto"))
        self.reporter = Reporter(self.output)
        self.actions = ActionRunner(self.reporter, name="modelarts-job-list")
        self.refresher = Refresher(
            self._poll, interval=interval, max_interval=max(max_interval, interval),
            on_error=self.reporter.poll_failed, name="modelarts-job-list-refresh",
        )
        self.bulk = BulkBar(lambda: self.rows, self.backend, self.actions, self.reload, stop_timeout=stop_timeout)
        for control in (self.status_filter, self.search, self.order, self.per_page):
            control.observe(lambda _change: self._goto(1), names="value")
        self.refresh_button.on_click(lambda _b: self._goto(self.page))
        self.prev_button.on_click(lambda _b: self._goto(self.page - 1))
        self.next_button.on_click(lambda _b: self._goto(self.page + 1))
        self.add_class("modelarts-job-list")
        self.add_class(ROOT_CLASS)
        wrap = widgets.Layout(flex_flow="row wrap", align_items="center")
        self.children = (
            stylesheet(),
            widgets.HBox([self.status_filter, self.search, self.order, self.per_page, self.refresh_button], layout=wrap),
            self.bulk,
            self.table,
            widgets.HBox([self.prev_button, self.page_label, self.next_button], layout=wrap),
            self.output,
        )
        self._draw_table()
        if autostart:
            self.refresher.start()

    # -- public API ----------------------------------------------------------

    @property
    def rows(self) -> List[JobRow]:
        """The rows shown, in table order."""
        return [child for child in self.table.children if isinstance(child, JobRow)]

    def row(self, job_id: Any) -> JobRow:
        """The row of ``job_id``; ``KeyError`` if it is not on this page."""
        return self._rows[str(job_id)]

    @property
    def pages(self) -> int:
        """How many pages the latest answer spans (at least 1)."""
        return max(1, math.ceil(self.total / int(self.per_page.value)))

    def query(self) -> Dict[str, Any]:
        """The keyword arguments of the next ``get_job_list`` call."""
        state = self.status_filter.value
        return {
            "status": None if state == _ALL else state,
            "per_page": int(self.per_page.value),
            "page": self.page,
            "sortBy": self.sort_by,
            "order": self.order.value,
            "search_content": self.search.value or None,
        }

    def reload(self) -> bool:
        """Fetch the current page now (on this thread) and redraw.

        Returns
        -------
        bool
            Something shown changed.

        Raises
        ------
        ModelArtsError
            The list call failed; the table keeps what it showed.
        """
        with self._load_lock:
            answer = self._fetch()
            if not answer.get("jobs") and self.page > self.pages:  # the last page emptied
                self.page = self.pages
                answer = self._fetch()
            changed = False
            rows: List[JobRow] = []
            for job in answer.get("jobs") or []:
                key = str(job["job_id"])
                row = self._rows.get(key)
                if row is None:
                    row = self._rows[key] = JobRow(job, self._stop_row, self._delete_row)
                    self.bulk.watch(row)
                    changed = True
                else:
                    changed = row.update(job) or changed
                rows.append(row)
            changed = changed or [r.job_id for r in rows] != [r.job_id for r in self.rows]
            for key in set(self._rows) - {str(r.job_id) for r in rows}:
                self._rows.pop(key).close()
            self._draw_table(rows)
            return changed

    def join(self, timeout: Optional[float] = None) -> bool:
        """Wait for the work started by clicks and filter changes.

        Returns
        -------
        bool
            ``True`` if none is still running.
        """
        return self.actions.join(timeout)

    def close(self) -> None:
        """Stop the refresher, then close the widget."""
        self.refresher.close()
        super().close()

    def __repr__(self) -> str:
        return f"JobList(page={self.page}/{self.pages}, jobs={self.total}, shown={[r.job_name for r in self.rows]})"

    # -- internals -----------------------------------------------------------

    def _fetch(self) -> Mapping[str, Any]:
        answer: Mapping[str, Any] = checked(self.backend.list_jobs(**self.query()))
        self.total = int(answer.get("job_total_count") or 0)
        return answer

    def _draw_table(self, rows: Optional[List[JobRow]] = None) -> None:
        rows = self.rows if rows is None else rows
        empty = [] if rows else [widgets.HTML("<i>No training jobs.</i>")]
        if not self.table.children or rows != self.rows or not rows:
            self.table.children = (self._header, *rows, *empty)
        self.bulk.sync()
        self.page_label.value = f"Page {self.page} of {self.pages} · {self.total} jobs"
        self.prev_button.disabled = self.page <= 1
        self.next_button.disabled = self.page >= self.pages

    def _goto(self, page: int) -> None:
        self.page = max(1, min(page, self.pages))
        controls = [self.refresh_button, self.prev_button, self.next_button]
        self.actions.run("Reload", self._reload_quietly, buttons=controls, done=self._draw_table)
        self.refresher.wake()

    def _reload_quietly(self) -> bool:
        changed = self.reload()
        self.reporter.poll_succeeded()  # the next poll error is news again
        return changed

    def _poll(self) -> Poll:
        return Poll.CHANGED if self._reload_quietly() else Poll.SAME

    def _row_action(self, row: JobRow, action: str, work: Callable[[], str], busy_text: str, button: widgets.Button) -> None:
        row.busy = True

        def done() -> None:
            row.busy = False
            if row.deleted:
                row.mark_deleted()
            row.sync_buttons()
            self.refresher.wake()

        buttons = [row.stop_button, row.delete_button]
        self.actions.run(action, work, buttons=buttons, busy={button: busy_text}, done=done)

    def _stop_row(self, row: JobRow) -> None:
        def work() -> str:
            checked(self.backend.stop(row.job_id, row.version_id))
            # like JobControls' Stop: wait (up to stop_timeout) until the job has ended
            ((_row, _ok, text),) = self.bulk.await_end([(row, True, "stop requested")])
            return f"Stopped {row.label}: {row.state}" if text.startswith("stopped") else f"{row.label}: {text}"

        self._row_action(row, f"Stop {row.label}", work, "Stopping…", row.stop_button)

    def _delete_row(self, row: JobRow, force: bool) -> None:
        def work() -> str:
            checked(self.backend.delete(row.job_id, force))
            row.deleted = True
            return f"Deleted {row.label}"

        text = "Stopping and deleting…" if force else "Deleting…"
        self._row_action(row, f"Delete {row.label}", work, text, row.delete_button)
