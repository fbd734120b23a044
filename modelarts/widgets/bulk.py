"""Bulk actions of :class:`~modelarts.widgets.JobList`: Stop selected, Delete selected.

The bar above the table::

    [x] Select all on this page   2 selected   [Stop selected] [Delete selected]
    <confirmation: what will happen to each job>  [Confirm] [Cancel]
    <results: one line per job>

Nothing happens before the confirmation, which lists each selected job and what
will happen to it: *stop*, *stop, then delete* (a job that has not ended) or
*delete*, and which ones are skipped and why.  The jobs are then handled
concurrently (a few at a time); each job's outcome is shown under its row and
in the results list, and one job's failure neither stops the others nor hides
their results.  Stop selected waits (bounded) until the stopped jobs have
ended, so the results say how they ended.
"""

from __future__ import annotations

import concurrent.futures
import html
import time
from typing import Any, Callable, List, Sequence, Tuple

import ipywidgets as widgets

from modelarts.widgets.actions import ActionRunner, checked
from modelarts.widgets.job_row import JobRow
from modelarts.widgets.parts import make_button
from modelarts.widgets.render import format_error

__all__ = ["BulkBar", "BulkFailure", "Plan", "plan_delete", "plan_stop"]

#: One planned step: the row, what will be done (``"stop"``, ``"delete"``, ``"stop+delete"`` or ``"skip"``),
#: and the text the confirmation shows.
Plan = Tuple[JobRow, str, str]


def plan_stop(rows: Sequence[JobRow]) -> List[Plan]:
    """What Stop selected will do to each row."""
    plan: List[Plan] = []
    for row in rows:
        if row.deleted:
            plan.append((row, "skip", "skipped: already deleted"))
        elif row.state is not None and not row.state.can_stop:
            plan.append((row, "skip", f"skipped: already {row.state}"))
        else:
            plan.append((row, "stop", "will be stopped"))
    return plan


def plan_delete(rows: Sequence[JobRow]) -> List[Plan]:
    """What Delete selected will do to each row (running jobs are stopped first)."""
    plan: List[Plan] = []
    for row in rows:
        if row.deleted:
            plan.append((row, "skip", "skipped: already deleted"))
        elif row.state is None or not row.state.is_terminal:
            plan.append((row, "stop+delete", f"is {row.state or 'running'}: will be stopped, then deleted"))
        else:
            plan.append((row, "delete", f"is {row.state}: will be deleted"))
    return plan


class BulkBar(widgets.VBox):
    """Selection and the two bulk actions, over a list's rows.

    Parameters
    ----------
    rows : callable
        Returns the rows on the page now.
    backend : object
        ``stop(job_id, version_id)`` and ``delete(job_id, force)``.
    actions : ActionRunner
        Runs the bulk work off the UI thread and reports errors.
    reload : callable
        Reloads the page (on the calling thread); used while waiting for stops.
    stop_timeout : float
        How long Stop selected waits for the stopped jobs to end.
    workers : int
        How many jobs are handled at the same time.

    Attributes
    ----------
    select_all : ipywidgets.Checkbox
        Selects (or clears) every row on the page.
    stop_selected, delete_selected, confirm_button, cancel_button : ipywidgets.Button
        Drive them with ``.click()``.
    plan_html, results : ipywidgets.HTML
        The confirmation's list; the last action's outcome per job.
    plan : list
        What the shown confirmation will do.
    """

    def __init__(
        self,
        rows: Callable[[], List[JobRow]],
        backend: Any,
        actions: ActionRunner,
        reload: Callable[[], Any],
        *,
        stop_timeout: float = 120.0,
        workers: int = 8,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._rows, self.backend, self.actions, self._reload = rows, backend, actions, reload
        self.stop_timeout, self.workers = stop_timeout, max(1, int(workers))
        self.plan: List[Plan] = []
        self._action = ""
        self._selecting = False
        self.select_all = widgets.Checkbox(value=False, description="Select all on this page", indent=False,
                                           layout=widgets.Layout(width="auto"))  # fmt: skip
        self.select_all.add_class("modelarts-select-all")
        self.count = widgets.Label("0 selected")
        self.stop_selected = make_button("Stop selected", style="warning", icon="stop",
                                         tooltip="Stop every selected job (asks first)")  # fmt: skip
        self.delete_selected = make_button("Delete selected", style="danger", icon="trash",
                                           tooltip="Delete every selected job; running ones are stopped first (asks first)")  # fmt: skip
        self.confirm_button = make_button("Confirm", style="danger", icon="check")
        self.cancel_button = make_button("Cancel", icon="times", tooltip="Do nothing")
        self.plan_html = widgets.HTML("")
        self.results = widgets.HTML("")
        self.results.add_class("modelarts-bulk-results")
        self.confirmation = widgets.VBox(
            [self.plan_html, widgets.HBox([self.confirm_button, self.cancel_button])],
            layout=widgets.Layout(display="none", border="1px solid #e0a800", padding="4px 8px", margin="4px 0"),
        )
        self.confirmation.add_class("modelarts-bulk-confirm")
        self.select_all.observe(self._select_all_changed, names="value")
        self.stop_selected.on_click(lambda _b: self.ask("stop"))
        self.delete_selected.on_click(lambda _b: self.ask("delete"))
        self.confirm_button.on_click(lambda _b: self.confirm())
        self.cancel_button.on_click(lambda _b: self.cancel())
        self.add_class("modelarts-bulk")
        self.children = (
            widgets.HBox([self.select_all, self.count, self.stop_selected, self.delete_selected],
                         layout=widgets.Layout(flex_flow="row wrap", align_items="center")),  # fmt: skip
            self.confirmation,
            self.results,
        )
        self.sync()

    # -- selection -------------------------------------------------------------

    @property
    def selected(self) -> List[JobRow]:
        """The selected rows on the page, in table order."""
        return [row for row in self._rows() if row.select.value]

    @property
    def asking(self) -> bool:
        """A confirmation is showing."""
        return self.confirmation.layout.display != "none"

    def watch(self, row: JobRow) -> None:
        """Keep the count and buttons current when ``row``'s checkbox changes."""
        row.select.observe(lambda _change: None if self._selecting else self.sync(), names="value")

    def sync(self) -> None:
        """Show the selection count; enable the actions only when something is selected."""
        rows = self._rows()
        chosen = [row for row in rows if row.select.value]
        self.count.value = f"{len(chosen)} selected"
        busy = self.actions.busy and self._action != ""
        self.stop_selected.disabled = busy or not chosen
        self.delete_selected.disabled = busy or not chosen
        selectable = [row for row in rows if not row.deleted]
        all_on = bool(selectable) and all(row.select.value for row in selectable)
        if self.select_all.value != all_on:
            self.select_all.unobserve(self._select_all_changed, names="value")
            self.select_all.value = all_on
            self.select_all.observe(self._select_all_changed, names="value")

    def _select_all_changed(self, change: Any) -> None:
        # one sync at the end: a sync per row would flip "Select all" back and forth while the rows follow
        self._selecting = True
        try:
            for row in self._rows():
                if not row.deleted:
                    row.select.value = bool(change["new"])
        finally:
            self._selecting = False
        self.sync()

    # -- the two-step actions ----------------------------------------------------

    def ask(self, action: str) -> None:
        """Show what ``action`` (``"stop"`` or ``"delete"``) will do to each selected job."""
        rows = self.selected
        if not rows:
            return
        self._action = action
        self.plan = plan_stop(rows) if action == "stop" else plan_delete(rows)
        todo = sum(1 for _row, step, _text in self.plan if step != "skip")
        verb = "Stop" if action == "stop" else "Delete"
        items = "".join(f"<li>{html.escape(row.label)}: {html.escape(text)}</li>" for row, _step, text in self.plan)
        self.plan_html.value = f"<b>{verb} {todo} of {len(rows)} selected jobs?</b><ul>{items}</ul>"
        self.confirm_button.description = f"Confirm: {verb.lower()} {todo} jobs"
        self.confirm_button.tooltip = f"{verb} the jobs listed above"
        self.confirm_button.disabled = todo == 0
        self.confirmation.layout.display = "flex"

    def cancel(self) -> None:
        """Hide the confirmation; nothing happens."""
        self.confirmation.layout.display = "none"
        self.plan = []
        self._action = ""

    def confirm(self, background: bool = True) -> None:
        """Carry out the shown plan (what Confirm does)."""
        if not self.asking or not self.plan:
            return
        plan, action = self.plan, self._action
        self.confirmation.layout.display = "none"
        self.results.value = ""
        rows = [row for row, step, _text in plan if step != "skip"]
        for row in rows:
            row.busy = True
            row.stop_button.disabled = row.delete_button.disabled = True
        for row, step, text in plan:
            if step == "skip":
                row.show_result(text.replace("skipped: ", "skipped — "), ok=True)
        buttons = [self.stop_selected, self.delete_selected, self.select_all]
        busy = {self.stop_selected if action == "stop" else self.delete_selected:
                "Stopping…" if action == "stop" else "Deleting…"}  # fmt: skip

        def done() -> None:
            for row in rows:
                row.busy = False
                if row.deleted:
                    row.mark_deleted()
                row.sync_buttons()
            self._action = ""
            self.plan = []
            self.sync()

        self.actions.run(f"{action.capitalize()} selected", lambda: self._run(plan, action),
                         buttons=buttons, busy=busy, done=done, background=background)  # fmt: skip

    # -- the work ------------------------------------------------------------------

    def _run(self, plan: List[Plan], action: str) -> str:
        steps = [(row, step) for row, step, _text in plan if step != "skip"]
        outcomes: List[Tuple[JobRow, bool, str]] = []
        with concurrent.futures.ThreadPoolExecutor(self.workers, thread_name_prefix="modelarts-bulk") as pool:
            futures = [(row, pool.submit(self._one, row, step)) for row, step in steps]
            for row, future in futures:
                try:
                    text = future.result()
                    outcomes.append((row, True, text))
                except Exception as err:  # noqa: BLE001 - shown per row; the others go on
                    outcomes.append((row, False, format_error(err)))
        if action == "stop":
            outcomes = self.await_end(outcomes)
        for row, ok, text in outcomes:
            row.show_result(text, ok)
        self._show_results(outcomes)
        failed = sum(1 for _row, ok, _text in outcomes if not ok)
        verb = "Stop" if action == "stop" else "Delete"
        summary = f"{verb} selected: {len(outcomes) - failed} done, {failed} failed"
        if failed:
            raise BulkFailure(summary)
        return summary

    def _one(self, row: JobRow, step: str) -> str:
        if step == "stop":
            checked(self.backend.stop(row.job_id, row.version_id))
            return "stop requested"
        checked(self.backend.delete(row.job_id, step == "stop+delete"))
        row.deleted = True
        return "stopped, then deleted" if step == "stop+delete" else "deleted"

    def await_end(self, outcomes: List[Tuple[JobRow, bool, str]]) -> List[Tuple[JobRow, bool, str]]:
        """Reload until every stopped row has ended (or ``stop_timeout``); say how each ended."""
        pending = [row for row, ok, _text in outcomes if ok]
        deadline = time.monotonic() + self.stop_timeout
        wait = 0.1
        while pending and time.monotonic() < deadline:
            try:
                self._reload()
            except Exception:  # noqa: BLE001 - the list's own refresher reports reload errors
                pass
            pending = [row for row in pending if not row.deleted and (row.state is None or not row.state.is_terminal)]
            if pending:
                time.sleep(wait)  # the service needs this long to end the processes; bounded by stop_timeout
                wait = min(wait * 1.5, 1.0)
        result: List[Tuple[JobRow, bool, str]] = []
        for row, ok, text in outcomes:
            if ok and row in pending:
                text = f"stop requested; still {row.state} after {self.stop_timeout:g} s"
            elif ok:
                text = "already deleted" if row.deleted else f"stopped: {row.state}"
            result.append((row, ok, text))
        return result

    def _show_results(self, outcomes: List[Tuple[JobRow, bool, str]]) -> None:
        items = []
        for row, ok, text in outcomes:
            colour, mark = ("#2e7d32", "&#10003;") if ok else ("#c62828", "&#10007;")
            items.append(f'<li style="color:{colour}">{mark} {html.escape(row.label)}: {html.escape(text)}</li>')
        self.results.value = f"<ul>{''.join(items)}</ul>" if items else ""


class BulkFailure(Exception):
    """Some jobs of a bulk action failed (each one's error is shown on its row)."""
