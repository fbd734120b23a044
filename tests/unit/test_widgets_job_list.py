"""JobList against a fake backend: table, filters, paging, per-row actions."""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List, Optional

import pytest

from modelarts.exceptions import ConflictError, ConnectionError
from modelarts.states import JobState
from modelarts.widgets import JobList
from modelarts.widgets.job_list import EstimatorBackend


class FakeBackend:
    """Jobs in memory, listed the way Estimator.get_job_list documents."""

    def __init__(self, n: int = 3) -> None:
        self.jobs: List[Dict[str, Any]] = [
            {
                "job_id": 100 + i,
                "job_name": f"job-{i}",
                "version_id": 200 + i,
                "status": int(JobState.RUNNING if i % 2 == 0 else JobState.COMPLETED),
                "create_time": 1_700_000_000_000 + i,
                "duration": 1000 * i,
                "job_desc": "<desc>",
                "version_count": 1,
            }
            for i in range(n)
        ]
        self.queries: List[Dict[str, Any]] = []
        self.calls: List[Any] = []
        self.fail: Optional[Exception] = None
        self.lock = threading.Lock()

    def list_jobs(self, **query: Any) -> Dict[str, Any]:
        with self.lock:
            self.queries.append(query)
            if self.fail is not None:
                raise self.fail
            jobs = [j for j in self.jobs if query["status"] is None or j["status"] == query["status"]]
            if query["search_content"]:
                jobs = [j for j in jobs if query["search_content"] in j["job_name"]]
            jobs.sort(key=lambda j: j["create_time"], reverse=query["order"] == "desc")
            start = (query["page"] - 1) * query["per_page"]
            page = [dict(j) for j in jobs[start : start + query["per_page"]]]
            return {"is_success": True, "job_total_count": len(jobs), "jobs": page}

    def _find(self, job_id: Any) -> Dict[str, Any]:
        return next(j for j in self.jobs if str(j["job_id"]) == job_id)

    def stop(self, job_id: Any, version_id: Any) -> Dict[str, Any]:
        self.calls.append(("stop", job_id, version_id))
        if self.fail is not None:
            raise self.fail
        job = self._find(job_id)
        if not JobState(job["status"]).can_stop:
            raise ConflictError(409, "ModelArts.2796", "job cannot be stopped")
        job["status"] = int(JobState.KILLED)
        return {"is_success": True}

    def delete(self, job_id: Any, force: bool) -> Dict[str, Any]:
        self.calls.append(("delete", job_id, force))
        if self.fail is not None:
            raise self.fail
        with self.lock:
            self.jobs.remove(self._find(job_id))
        return {"is_success": True}


def _stderr(widget: JobList) -> str:
    return "".join(o["text"] for o in widget.output.outputs if o.get("name") == "stderr")


@pytest.fixture
def make_list():
    made: List[JobList] = []

    def make(backend: FakeBackend, **kwargs: Any) -> JobList:
        kwargs.setdefault("autostart", False)
        kwargs.setdefault("interval", 0.01)
        kwargs.setdefault("max_interval", 0.05)
        widget = JobList(None, backend=backend, **kwargs)
        made.append(widget)
        return widget

    yield make
    for widget in made:
        widget.close()
        assert widget.refresher.join(5) and widget.join(5)


def test_rows_show_each_job(make_list):
    """One row per job, newest first, with escaped text and coloured badges."""
    widget = make_list(FakeBackend(3))
    assert widget.reload()
    assert [row.job_id for row in widget.rows] == ["102", "101", "100"]
    row = widget.row(101)
    assert row.state is JobState.COMPLETED and row.stop_button.disabled
    assert not widget.row("100").stop_button.disabled
    assert row.select.description == "job-1" and row.select.tooltip == "<desc>"  # plain text: no HTML to escape
    assert "modelarts-state-RUNNING" in widget.row(100).status._dom_classes
    assert widget.page_label.value == "Page 1 of 1 · 3 jobs"
    assert widget.prev_button.disabled and widget.next_button.disabled
    assert not widget.reload(), "an unchanged page reports no change"
    assert widget.status_filter.label == "All states" and widget.query()["status"] is None


def test_query_follows_the_filters(make_list):
    """The status filter, search, order and page size reach get_job_list."""
    backend = FakeBackend(4)
    widget = make_list(backend, status="RUNNING", per_page=5, search_content="job", order="asc")
    assert widget.query() == {
        "status": 8, "per_page": 5, "page": 1, "sortBy": "create_time", "order": "asc", "search_content": "job",
    }
    widget.search.value = "job-2"  # a change reloads from page 1, off the UI thread
    assert widget.join(5)
    assert [row.job_name for row in widget.rows] == ["job-2"]
    widget.status_filter.value = int(JobState.COMPLETED)
    assert widget.join(5)
    assert widget.rows == [] and "No training jobs" in widget.table.children[-1].value


def test_paging(make_list):
    """Next and Previous move between pages; the buttons know the ends."""
    backend = FakeBackend(5)
    widget = make_list(backend, per_page=2)
    widget.reload()
    assert widget.page_label.value == "Page 1 of 3 · 5 jobs" and not widget.next_button.disabled
    widget.next_button.click()
    assert widget.join(5)
    assert widget.page == 2 and [r.job_id for r in widget.rows] == ["102", "101"]
    assert not widget.prev_button.disabled
    widget.next_button.click()
    assert widget.join(5) and widget.next_button.disabled and len(widget.rows) == 1
    backend.jobs.pop(0)  # the last page empties: the list falls back to the new last page
    widget.reload()
    assert widget.page == 2 and widget.page_label.value == "Page 2 of 2 · 4 jobs"
    widget.prev_button.click()
    assert widget.join(5) and widget.page == 1 and widget.prev_button.disabled


def test_row_stop(make_list):
    """A row's Stop calls stop_job_version for that job and the row shows KILLED."""
    backend = FakeBackend(1)
    widget = make_list(backend)
    widget.reload()
    row = widget.row(100)
    row.stop_button.click()
    assert widget.join(5)
    assert backend.calls == [("stop", "100", "200")]
    widget.reload()
    assert row.state is JobState.KILLED and row.stop_button.disabled
    assert "Stopped job-0 (100): KILLED" in "".join(o["text"] for o in widget.output.outputs)


def test_row_delete_confirm_and_cancel(make_list):
    """Delete asks first; Cancel does nothing; Confirm deletes (forced if running)."""
    backend = FakeBackend(2)
    widget = make_list(backend)
    widget.reload()
    running, ended = widget.row(100), widget.row(101)
    running.delete_button.click()
    assert running.confirm_button.description == "Confirm delete job-0 (100)"
    assert "stopped first" in running.deleter.note.value
    widget.reload()  # a refresh keeps the open confirmation
    assert running.deleter.asking
    running.cancel_button.click()
    assert widget.join(1) and backend.calls == []
    ended.delete_button.click()
    assert ended.deleter.note.value == ""
    ended.confirm_button.click()
    assert widget.join(5)
    assert backend.calls == [("delete", "101", False)]
    assert "DELETED" in ended.status.value and ended.delete_button.disabled
    widget.reload()
    assert [r.job_id for r in widget.rows] == ["100"]
    running.delete_button.click()
    running.confirm_button.click()
    assert widget.join(5) and backend.calls[-1] == ("delete", "100", True)


def test_errors_land_in_the_output(make_list):
    """Failing calls show type, code and message; the buttons come back."""
    backend = FakeBackend(2)
    widget = make_list(backend)
    widget.reload()
    backend.jobs[1]["status"] = int(JobState.RUNNING)
    widget.reload()
    backend.jobs[1]["status"] = int(JobState.COMPLETED)  # ended meanwhile: the service refuses
    widget.row(101).stop_button.click()
    assert widget.join(5)
    assert "Stop job-1 (101) failed: ConflictError ModelArts.2796: job cannot be stopped (HTTP 409)" in _stderr(widget)
    backend.fail = ConnectionError("service stopped")
    widget.refresh_button.click()
    assert widget.join(5)
    assert "Reload failed: ConnectionError: service stopped" in _stderr(widget)
    assert not widget.refresh_button.disabled
    widget.row(100).stop_button.click()
    assert widget.join(5) and not widget.row(100).stop_button.disabled
    assert "Stop job-0 (100) failed: ConnectionError" in _stderr(widget)


def test_unsuccessful_answer_raises_typed_error(make_list):
    """An is_success: false answer is an APIError, not an empty table."""
    backend = FakeBackend(1)
    backend.list_jobs = lambda **q: {"is_success": False, "error_code": "ModelArts.0101", "error_msg": "bad"}
    widget = make_list(backend)
    with pytest.raises(Exception, match="ModelArts.0101"):
        widget.reload()


def test_refresher_reloads_live_and_ends_on_close(make_list):
    """The background refresher picks up new jobs and stops on close()."""
    backend = FakeBackend(1)
    widget = make_list(backend, autostart=True)
    deadline = time.monotonic() + 5
    while not widget.rows and time.monotonic() < deadline:
        time.sleep(0.01)
    backend.jobs.append(dict(backend.jobs[0], job_id=999, job_name="late", create_time=1_800_000_000_000))
    while len(widget.rows) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert widget.rows[0].job_name == "late"
    backend.fail = ConnectionError("down")
    while "down" not in _stderr(widget) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _stderr(widget).count("Refresh failed: ConnectionError: down") == 1
    widget.close()
    assert widget.refresher.join(5)


def test_estimator_backend_calls_the_v1_lifecycle(monkeypatch):
    """The default backend lists, stops and deletes through the lifecycle API (JobList waits for the end)."""
    from modelarts import _lifecycle

    seen: List[Any] = []

    class FakeJob:
        def __init__(self, session: Any, job_id: Any) -> None:
            seen.append(("job", session, job_id))

        def delete_job(self, force: bool = False) -> str:
            seen.append(("delete", force))
            return "deleted"

    def list_jobs(session: Any, **query: Any) -> Dict[str, Any]:
        seen.append(("list", session, query))
        return {}

    def stop_and_wait(session: Any, job_id: Any, version_id: Any, wait: bool = False) -> str:
        seen.append(("stop", session, job_id, version_id, wait))
        return "stopped"

    monkeypatch.setattr(_lifecycle, "Job", FakeJob)
    monkeypatch.setattr(_lifecycle, "list_jobs", list_jobs)
    monkeypatch.setattr(_lifecycle, "stop_and_wait", stop_and_wait)
    backend = EstimatorBackend("S")
    backend.list_jobs(page=1)
    assert backend.stop(1, 2) == "stopped"
    assert backend.delete(1, True) == "deleted"
    assert seen == [
        ("list", "S", {"page": 1}),
        ("stop", "S", 1, 2, False),
        ("job", "S", 1),
        ("delete", True),
    ]


def test_text_form_names_page_total_and_rows(make_list):
    """The text/plain a frontend without widgets (and nbval) shows."""
    widget = make_list(FakeBackend(3), per_page=2)
    assert widget.reload()
    assert repr(widget) == "JobList(page=1/2, jobs=3, shown=['job-2', 'job-1'])"
