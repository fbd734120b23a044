"""JobList in a real browser: filter, page, select, Stop selected, Delete selected with its confirmation.

The jobs are created from the test process; the notebook only displays the
list.  Chromium clicks and types the way a person does (checkboxes by their
accessible names, the Name filter with Enter), the test asserts on the DOM and
then asks the service itself.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict

import pytest
from browser_helpers import button, clipped, put_boot, run_notebook, session_cell, settle, start_job
from playwright.sync_api import Page, expect
from polling import wait_for

from modelarts.estimator import Estimator
from modelarts.local import LocalService
from modelarts.session import Session
from modelarts.states import JobState

pytestmark = pytest.mark.browser

FOREVER = "import time\nwhile True:\n    print('tick', flush=True)\n    time.sleep(0.2)\n"
QUICK = "print('done', flush=True)\n"


def _wait_all(session: Session, jobs: Dict[str, object], ok, timeout: float = 60) -> None:
    """Wait (at most ``timeout`` seconds in all) until ``ok`` holds for every job's state."""
    wait_for(lambda: all(ok(job.refresh()) for job in jobs.values()), timeout=timeout, interval=0.1,  # type: ignore[attr-defined]
             what=f"jobs {sorted(jobs)} to get there")


def test_filter_page_select_bulk_stop_and_delete(page: Page, lab, browser_service: LocalService, artifacts: Path) -> None:
    session = Session(environ=browser_service.env())
    put_boot(browser_service.obs_root, "bulkrun", FOREVER)
    put_boot(browser_service.obs_root, "bulkdone", QUICK)
    running = {f"bulk_run_{i}": start_job(session, "bulkrun", f"bulk_run_{i}") for i in range(4)}
    finished = {f"bulk_done_{i}": start_job(session, "bulkdone", f"bulk_done_{i}") for i in range(3)}
    _wait_all(session, running, lambda s: s is JobState.RUNNING)
    _wait_all(session, finished, lambda s: s.is_terminal)

    run_notebook(page, lab, "job_list.ipynb", [
        session_cell(),
        "from modelarts.widgets import JobList\njob_list = JobList(session, search_content='bulk_', per_page=5)\njob_list",
    ])  # fmt: skip
    widget = page.locator(".modelarts-job-list")
    expect(widget).to_have_count(1, timeout=90_000)
    rows = widget.locator(".modelarts-job-row")
    expect(rows).to_have_count(5, timeout=60_000)
    expect(widget).to_contain_text("Page 1 of 2 · 7 jobs")

    # page
    button(widget, "Next").click()
    expect(rows).to_have_count(2)
    expect(widget).to_contain_text("Page 2 of 2 · 7 jobs")
    button(widget, "Previous").click()
    expect(rows).to_have_count(5)

    # filter: the Name box, applied with Enter
    name_box = widget.get_by_role("textbox", name="Name")
    name_box.fill("bulk_run")
    name_box.press("Enter")
    expect(rows).to_have_count(4)
    expect(widget).to_contain_text("Page 1 of 1 · 4 jobs")
    for name in running:
        expect(widget.get_by_role("checkbox", name=name)).to_have_count(1)

    # select two by their names, then all on the page
    widget.get_by_role("checkbox", name="bulk_run_0").check()
    widget.get_by_role("checkbox", name="bulk_run_1").check()
    expect(widget).to_contain_text("2 selected")
    widget.get_by_role("checkbox", name="Select all on this page").check()
    expect(widget).to_contain_text("4 selected")

    # bulk Stop: one confirmation listing each job, then all KILLED
    button(widget, "Stop selected").click()
    confirm = widget.locator(".modelarts-bulk-confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Stop 4 of 4 selected jobs?")
    for name in running:
        expect(confirm).to_contain_text(re.compile(rf"{name} \(\d+\): will be stopped"))
    assert all(job.refresh() is JobState.RUNNING for job in running.values()), "nothing happens before Confirm"
    widget.screenshot(path=str(artifacts / "job_list_bulk_stop_confirm.png"))
    button(widget, "Confirm: stop 4 jobs").click()
    expect(widget.locator(".modelarts-status.modelarts-state-KILLED")).to_have_count(4, timeout=60_000)
    results = widget.locator(".modelarts-bulk-results")
    for name in running:
        expect(results).to_contain_text(re.compile(rf"{name} \(\d+\): stopped: KILLED"))
    assert all(job.refresh() is JobState.KILLED for job in running.values()), "the service agrees"
    widget.screenshot(path=str(artifacts / "job_list_bulk_stopped.png"))

    # bulk Delete: back to every bulk_ job; select all on page 1 (5 rows, a mix of killed and completed)
    name_box.fill("bulk_")
    name_box.press("Enter")
    expect(rows).to_have_count(5)
    select_all = widget.get_by_role("checkbox", name="Select all on this page")
    if select_all.is_checked():
        select_all.uncheck()
    select_all.check()
    expect(widget).to_contain_text("5 selected")
    shown = [widget.locator(".modelarts-select").nth(i).inner_text().strip() for i in range(5)]
    button(widget, "Delete selected").click()
    expect(confirm).to_contain_text("Delete 5 of 5 selected jobs?")
    for name in shown:
        expect(confirm).to_contain_text(re.compile(rf"{name} \(\d+\): is (KILLED|COMPLETED): will be deleted"))
    widget.screenshot(path=str(artifacts / "job_list_bulk_delete_confirm.png"))
    button(widget, "Confirm: delete 5 jobs").click()
    for name in shown:
        expect(results).to_contain_text(re.compile(rf"{name} \(\d+\): deleted"), timeout=60_000)
    expect(rows).to_have_count(2, timeout=60_000)
    expect(widget).to_contain_text("Page 1 of 1 · 2 jobs")
    left = {str(j["job_name"]) for j in Estimator.get_job_list(session, search_content="bulk_")["jobs"]}
    assert left == (set(running) | set(finished)) - set(shown)
    expect(widget.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    page.screenshot(path=str(artifacts / "job_list.png"))
    widget_errors = [e for e in page.console_errors if "widget" in e.lower() or "modelarts" in e.lower()]  # type: ignore[attr-defined]
    assert not widget_errors, widget_errors


def test_layout_holds_from_600_to_1400_px(page: Page, lab, browser_service: LocalService, artifacts: Path) -> None:
    """No control's text is cut, with every confirmation open, at 600 px and at 1400 px."""
    session = Session(environ=browser_service.env())
    put_boot(browser_service.obs_root, "layout", FOREVER)
    long_name = "newcomer_running_job_with_a_rather_long_name"
    job = start_job(session, "layout", long_name)
    _wait_all(session, {"job": job}, lambda s: s is JobState.RUNNING)
    run_notebook(page, lab, "layout.ipynb", [
        session_cell(),
        f"from modelarts.job import TrainingJob\njob = TrainingJob(session, {job.job_id!r}, {job.version_id!r})\njob.refresh()\njob",
        f"from modelarts.widgets import JobList\njob_list = JobList(session, search_content={long_name!r})\njob_list",
    ])  # fmt: skip
    controls, widget = page.locator(".modelarts-job-controls"), page.locator(".modelarts-job-list")
    expect(controls).to_have_count(1, timeout=90_000)
    expect(widget.locator(".modelarts-job-row")).to_have_count(1, timeout=60_000)
    expect(controls.locator(".modelarts-status")).to_have_text("RUNNING", timeout=60_000)

    # every confirmation and the log open at once: the widest the widgets get
    button(controls, "Delete").click()
    expect(button(controls, f"Confirm delete {long_name} ({job.job_id})")).to_be_visible()
    controls.get_by_role("button", name=re.compile("Show log")).click()
    expect(controls.locator(".modelarts-log")).to_contain_text("tick", timeout=30_000)
    button(widget.locator(".modelarts-job-row"), "Delete").click()
    widget.get_by_role("checkbox", name="Select all on this page").check()
    button(widget, "Delete selected").click()
    expect(widget.locator(".modelarts-bulk-confirm")).to_be_visible()

    for width in (600, 1400):
        page.set_viewport_size({"width": width, "height": 1000})
        settle(page)
        for label, scope in (("JobControls", controls), ("JobList", widget)):
            scope.scroll_into_view_if_needed()
            settle(page)
            result = clipped(page, scope)
            assert result["checked"] > 10, result
            assert result["found"] == [], f"{label} at {width} px: {result['found']}"
            scope.screenshot(path=str(artifacts / f"layout_{label.lower()}_{width}px.png"))
        box = widget.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width, "the list fits the page"
        page.screenshot(path=str(artifacts / f"layout_{width}px.png"))

    # keyboard: Tab reaches the buttons (and the focus is where Tab put it)
    page.set_viewport_size({"width": 1280, "height": 900})
    widget.get_by_role("textbox", name="Name").focus()
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("() => (document.activeElement.innerText || document.activeElement.getAttribute('aria-label') || document.activeElement.tagName).trim()"))
        if any("Delete selected" in r for r in reached):
            break
    assert any(r.endswith("Refresh") for r in reached), reached
    assert any("Delete selected" in r for r in reached), reached
    button(widget, "Cancel").first.click()
    session_job_cleanup = Session(environ=browser_service.env())
    from modelarts.job import TrainingJob

    TrainingJob(session_job_cleanup, job.job_id, job.version_id).stop(wait=True, timeout=60)
