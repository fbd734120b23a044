"""JobList's bulk actions against a fake backend: select, confirm, per-row results and failures."""

from __future__ import annotations

from typing import Any, Dict, List, Set

import pytest
from test_widgets_job_list import FakeBackend

from modelarts.exceptions import ConflictError, ServerError
from modelarts.states import JobState
from modelarts.widgets import JobList
from modelarts.widgets.bulk import plan_delete, plan_stop


class PickyBackend(FakeBackend):
    """Fails the calls for some job ids, with the error the service would send."""

    def __init__(self, n: int, failing: Set[str]) -> None:
        super().__init__(n)
        self.failing = failing

    def stop(self, job_id: Any, version_id: Any) -> Dict[str, Any]:
        if str(job_id) in self.failing:
            self.calls.append(("stop", job_id, version_id))
            raise ServerError(500, "ModelArts.0001", "the node did not answer")
        return super().stop(job_id, version_id)

    def delete(self, job_id: Any, force: bool) -> Dict[str, Any]:
        if str(job_id) in self.failing:
            self.calls.append(("delete", job_id, force))
            raise ConflictError(409, "ModelArts.2796", "busy")
        return super().delete(job_id, force)


@pytest.fixture
def make_list():
    made: List[JobList] = []

    def make(backend: FakeBackend, **kwargs: Any) -> JobList:
        kwargs.setdefault("autostart", False)
        widget = JobList(None, backend=backend, stop_timeout=5, **kwargs)
        widget.reload()
        made.append(widget)
        return widget

    yield make
    for widget in made:
        widget.close()
        assert widget.join(10)


def _stderr(widget: JobList) -> str:
    return "".join(o["text"] for o in widget.output.outputs if o.get("name") == "stderr")


def test_nothing_selected_means_nothing_to_do(make_list):
    widget = make_list(FakeBackend(4))
    bulk = widget.bulk
    assert bulk.count.value == "0 selected"
    assert bulk.stop_selected.disabled and bulk.delete_selected.disabled
    bulk.ask("stop")
    assert not bulk.asking


def test_select_all_on_page_and_the_count(make_list):
    widget = make_list(FakeBackend(7), per_page=5)
    bulk = widget.bulk
    bulk.select_all.value = True  # a click on "Select all on this page"
    assert [row.select.value for row in widget.rows] == [True] * 5
    assert bulk.count.value == "5 selected" and not bulk.stop_selected.disabled
    widget.rows[0].select.value = False
    assert bulk.count.value == "4 selected" and bulk.select_all.value is False
    widget.rows[0].select.value = True
    assert bulk.select_all.value is True
    bulk.select_all.value = False
    assert bulk.count.value == "0 selected" and bulk.delete_selected.disabled


def test_stop_selected_confirms_with_a_plan_then_stops_and_waits(make_list):
    backend = FakeBackend(4)  # 100, 102 running; 101, 103 completed
    widget = make_list(backend)
    for job_id in ("100", "101", "102"):
        widget.row(job_id).select.value = True
    widget.bulk.stop_selected.click()
    bulk = widget.bulk
    assert bulk.asking and backend.calls == []  # nothing before the confirmation
    plan = bulk.plan_html.value
    assert "Stop 2 of 3 selected jobs?" in plan
    assert "job-0 (100): will be stopped" in plan and "job-2 (102): will be stopped" in plan
    assert "job-1 (101): skipped: already COMPLETED" in plan
    assert bulk.confirm_button.description == "Confirm: stop 2 jobs"
    bulk.confirm_button.click()
    assert widget.join(10)
    assert sorted(c[1] for c in backend.calls if c[0] == "stop") == ["100", "102"]
    assert widget.row("100").state is JobState.KILLED and widget.row("102").state is JobState.KILLED
    assert "stopped: KILLED" in widget.row("100").result.value
    assert "skipped" in widget.row("101").result.value
    assert "job-2 (102): stopped: KILLED" in bulk.results.value
    assert "Stop selected: 2 done, 0 failed" in "".join(o["text"] for o in widget.output.outputs)
    assert not bulk.asking and widget.row("100").stop_button.disabled


def test_cancel_does_nothing(make_list):
    backend = FakeBackend(2)
    widget = make_list(backend)
    widget.bulk.select_all.value = True
    widget.bulk.delete_selected.click()
    widget.bulk.cancel_button.click()
    assert not widget.bulk.asking
    widget.bulk.confirm_button.click()  # a stale confirm does nothing
    assert widget.join(5) and backend.calls == []


def test_delete_selected_stops_running_ones_first(make_list):
    backend = FakeBackend(3)  # 100, 102 running; 101 completed
    widget = make_list(backend)
    widget.bulk.select_all.value = True
    widget.bulk.delete_selected.click()
    plan = widget.bulk.plan_html.value
    assert "Delete 3 of 3 selected jobs?" in plan
    assert "job-0 (100): is RUNNING: will be stopped, then deleted" in plan
    assert "job-1 (101): is COMPLETED: will be deleted" in plan
    widget.bulk.confirm_button.click()
    assert widget.join(10)
    assert sorted(backend.calls) == [("delete", "100", True), ("delete", "101", False), ("delete", "102", True)]
    assert backend.jobs == []
    results = widget.bulk.results.value
    assert "job-0 (100): stopped, then deleted" in results and "job-1 (101): deleted" in results
    widget.reload()
    assert widget.rows == []


def test_one_failure_does_not_stop_the_rest(make_list):
    backend = PickyBackend(4, failing={"101"})
    widget = make_list(backend)
    widget.bulk.select_all.value = True
    widget.bulk.delete_selected.click()
    widget.bulk.confirm_button.click()
    assert widget.join(10)
    assert [j["job_id"] for j in backend.jobs] == [101]  # the others are gone
    results = widget.bulk.results.value
    assert "job-1 (101): ConflictError ModelArts.2796: busy (HTTP 409)" in results
    assert results.count("&#10003;") == 3 and results.count("&#10007;") == 1
    assert "busy" in widget.row("101").result.value and not widget.row("101").deleted
    assert not widget.row("101").delete_button.disabled  # it can be tried again
    assert "Delete selected failed: BulkFailure: Delete selected: 3 done, 1 failed" in _stderr(widget)


def test_a_failed_stop_is_shown_on_its_row(make_list):
    backend = PickyBackend(4, failing={"102"})
    widget = make_list(backend)
    widget.row("100").select.value = widget.row("102").select.value = True
    widget.bulk.stop_selected.click()
    widget.bulk.confirm_button.click()
    assert widget.join(10)
    assert "stopped: KILLED" in widget.row("100").result.value
    assert "ServerError ModelArts.0001" in widget.row("102").result.value
    assert widget.row("102").state is JobState.RUNNING and not widget.row("102").stop_button.disabled


def test_plans_skip_what_cannot_be_done(make_list):
    widget = make_list(FakeBackend(2))
    running, done = widget.row("100"), widget.row("101")
    done.mark_deleted()
    assert [(r.job_id, step) for r, step, _t in plan_stop([running, done])] == [("100", "stop"), ("101", "skip")]
    assert [(r.job_id, step) for r, step, _t in plan_delete([running, done])] == [("100", "stop+delete"), ("101", "skip")]
    assert done.select.disabled


def test_controls_have_visible_labels_and_tooltips(make_list):
    """Accessible names: every control carries text (buttons) or a description (inputs)."""
    widget = make_list(FakeBackend(2))
    for control in (widget.status_filter, widget.search, widget.order, widget.per_page, widget.bulk.select_all):
        assert control.description, control
    assert widget.per_page.label == "10"  # text, not a number squeezed into "1("
    buttons = [widget.refresh_button, widget.prev_button, widget.next_button, widget.bulk.stop_selected,
               widget.bulk.delete_selected]  # fmt: skip
    for row in widget.rows:
        buttons += [row.stop_button, row.delete_button]
        assert row.select.description == row.job_name
        assert row.stop_button.tooltip == f"Stop {row.label}"
    assert all(b.description and b.tooltip for b in buttons)


def test_the_stylesheet_is_shipped_and_scoped(make_list):
    """Both widgets carry the wrap-don't-cut rules, and every rule is scoped to them."""
    import re as _re

    from modelarts.widgets.style import ROOT_CLASS

    widget = make_list(FakeBackend(1))
    assert ROOT_CLASS in widget._dom_classes
    sheet = widget.children[0]
    assert "modelarts-style" in sheet._dom_classes and sheet.layout.display == "none"
    css = _re.sub(r"@container[^{]*\{", "", sheet.value.removeprefix("<style>").removesuffix("</style>"))
    selectors = [s.strip() for block in _re.findall(r"([^{}]+)\{", css) for s in block.split(",") if s.strip()]
    assert selectors and all(s.startswith(f".{ROOT_CLASS}") for s in selectors), selectors
    assert "white-space: normal" in css and "text-overflow: clip" in css


def test_select_all_does_not_flicker(make_list):
    """Ticking "Select all" sets it once; it is not flipped back while the rows follow."""
    widget = make_list(FakeBackend(5))
    seen: List[bool] = []
    widget.bulk.select_all.observe(lambda change: seen.append(change["new"]), names="value")
    widget.bulk.select_all.value = True
    assert seen == [True] and widget.bulk.count.value == "5 selected"
