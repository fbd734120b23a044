"""JobControls against a fake job: buttons, confirmation, errors, refresher."""

from __future__ import annotations

import functools
import threading
import time
from typing import Any, Callable, Iterator, List, Optional

import pytest
from polling import wait_for

from modelarts.exceptions import ConnectionError, JobConflictError, NotFoundError
from modelarts.states import JobState
from modelarts.widgets import JobControls


class FakeJob:
    """Just enough of TrainingJob: a RUNNING job that KILLING turns KILLED."""

    def __init__(self, status: JobState = JobState.RUNNING, name: str = "demo", kill_polls: int = 2) -> None:
        self.session = None
        self.job_name = name
        self.job_id = "101"
        self.version_id = "201"
        self.status = status
        self.create_time = time.time() * 1000 - 61_000
        self.duration: Optional[int] = None
        self.kill_polls = kill_polls
        self.fail: Optional[Exception] = None
        self.gate: Optional[threading.Event] = None
        self.deleted = False
        self.calls: List[Any] = []
        self._lock = threading.Lock()

    def refresh(self) -> JobState:
        with self._lock:
            if self.fail is not None:
                raise self.fail
            if self.deleted:
                raise NotFoundError(404, "ModelArts.2775", "no such job")
            if self.status is JobState.KILLING:
                self.kill_polls -= 1
                if self.kill_polls <= 0:
                    self.status = JobState.KILLED
                    self.duration = 61_000
            return self.status

    def stop(self, wait: bool = False, timeout: Optional[float] = None, *, poll: Optional[float] = None) -> dict:
        self.calls.append(("stop", wait, timeout))
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail is not None:
            raise self.fail
        if self.status.can_stop:
            self.status = JobState.KILLING
        while wait and not self.refresh().is_terminal:
            time.sleep(0.005)
        return {"is_success": True}

    def delete_job(self, force: bool = False, missing_ok: bool = False) -> dict:
        self.calls.append(("delete", force))
        if self.fail is not None:
            raise self.fail
        if not self.status.is_terminal:
            if not force:
                # what TrainingJob.delete_job raises for a running job
                raise JobConflictError(409, "ModelArts.2878", "job 1 cannot be deleted while it runs; stop it first")
            self.stop(wait=True)
        self.deleted = True
        return {"is_success": True}


#: Wait (bounded) for a background thread to make a condition true; the widgets poll every few ms.
_eventually = functools.partial(wait_for, timeout=5.0, interval=0.005)


def output_text(controls: JobControls, name: str) -> str:
    return "".join(o["text"] for o in controls.output.outputs if o.get("name") == name)


def controls_factory(**defaults: Any) -> Iterator[Callable[..., JobControls]]:
    """The body of a ``make_controls`` fixture: JobControls polling every few ms (plus ``defaults``), every one
    closed at the end, its threads joined."""
    made: List[JobControls] = []

    def make(job: FakeJob, **kwargs: Any) -> JobControls:
        for name, value in {"interval": 0.01, "max_interval": 0.05, **defaults}.items():
            kwargs.setdefault(name, value)
        controls = JobControls(job, **kwargs)
        made.append(controls)
        return controls

    yield make
    for controls in made:
        controls.close()
        assert controls.refresher.join(5), "refresher thread did not end"
        assert controls.join(5), "a click's work did not end"
        assert controls.log_panel.refresher is None or controls.log_panel.refresher.join(5), "log refresher did not end"


@pytest.fixture
def make_controls() -> Iterator[Callable[..., JobControls]]:
    yield from controls_factory()


def test_shows_name_id_version_badge_and_elapsed(make_controls):
    """The header escapes the name; the badge shows and names the state."""
    controls = make_controls(FakeJob(name="<b>x</b>"), autostart=False)
    assert "&lt;b&gt;x&lt;/b&gt;" in controls.header.value
    assert "101" in controls.header.value and "201" in controls.header.value
    assert controls.state is JobState.RUNNING
    assert ">RUNNING<" in controls.status.value
    assert {"modelarts-status", "modelarts-state-RUNNING"} <= set(controls.status._dom_classes)
    assert controls.elapsed.value.startswith("elapsed 0:01:0")
    assert not controls.stop_button.disabled and not controls.delete_button.disabled
    assert controls.children[-1] is controls.output
    assert repr(controls) == "JobControls(job_name='<b>x</b>', job_id='101', status=RUNNING)"


def test_stop_click_stops_and_waits_off_the_ui_thread(make_controls):
    """Stop is busy while the call runs, then shows KILLED and stays disabled."""
    job = FakeJob()
    job.gate = threading.Event()
    controls = make_controls(job, stop_timeout=30)
    controls.stop_button.click()  # returns at once: the call waits on the gate
    assert controls.stop_button.disabled and controls.stop_button.description == "Stopping…"
    assert controls.delete_button.disabled
    job.gate.set()
    assert controls.join(5)
    assert job.calls[0] == ("stop", True, 30)
    assert controls.state is JobState.KILLED and "modelarts-state-KILLED" in controls.status._dom_classes
    assert "modelarts-state-RUNNING" not in controls.status._dom_classes
    assert controls.stop_button.disabled and controls.stop_button.description == "Stop"
    assert not controls.delete_button.disabled
    assert "Stopped demo (101): KILLED" in output_text(controls, "stdout")
    # the job ended: the refresher slows down but keeps checking that the job still exists
    assert controls.refresher.max_interval == controls.ended_interval and controls.refresher.is_alive
    assert controls.elapsed.value == "elapsed 0:01:01"


def test_delete_of_a_running_job_confirms_it_will_stop_it_first(make_controls):
    """Delete swaps in Confirm/Cancel naming the job; Confirm deletes with force."""
    job = FakeJob()
    controls = make_controls(job, autostart=False)
    controls.delete_button.click()
    assert controls.deleter.children[:2] == (controls.confirm_button, controls.cancel_button)
    assert controls.confirm_button.description == "Confirm delete demo (101)"
    assert "stopped first" in controls.deleter.note.value
    controls.confirm_button.click()
    assert controls.join(5)
    assert job.calls == [("delete", True), ("stop", True, None)]
    assert controls.deleted and "DELETED" in controls.status.value
    assert controls.stop_button.disabled and controls.delete_button.disabled
    assert controls.deleter.children == (controls.delete_button,)
    assert "Deleted demo (101)" in output_text(controls, "stdout")
    assert controls.refresher.closed
    assert "status=DELETED" in repr(controls)


def test_delete_of_an_ended_job_does_not_force(make_controls):
    """A terminal job is deleted plainly, and the confirmation has no warning."""
    job = FakeJob(status=JobState.COMPLETED)
    controls = make_controls(job)
    assert controls.refresher.max_interval == controls.ended_interval  # only checks that the job still exists
    assert controls.stop_button.disabled
    controls.delete_button.click()
    assert controls.deleter.note.value == ""
    controls.confirm_button.click()
    assert controls.join(5)
    assert job.calls == [("delete", False)]


def test_cancel_does_nothing(make_controls):
    """Cancel restores the Delete button and calls nothing."""
    job = FakeJob()
    controls = make_controls(job, autostart=False)
    controls.delete_button.click()
    controls.cancel_button.click()
    assert controls.deleter.children == (controls.delete_button,)
    assert controls.join(1) and job.calls == [] and not controls.deleted
    controls.confirm_button.click()  # a stale confirm button does nothing either
    assert controls.join(1) and job.calls == []


def test_errors_land_in_the_output_and_buttons_come_back(make_controls, caplog):
    """A failing call shows its type and message; the button works again."""
    job = FakeJob()
    job.fail = ConnectionError("connection refused")
    controls = make_controls(job, autostart=False)
    with caplog.at_level("ERROR", logger="modelarts.widgets"):
        controls.stop_button.click()
        assert controls.join(5)
    assert "Stop demo (101) failed: ConnectionError: connection refused" in output_text(controls, "stderr")
    assert "connection refused" in caplog.text
    assert not controls.stop_button.disabled and controls.stop_button.description == "Stop"
    assert controls.state is JobState.RUNNING
    controls.delete(force=False, background=False)
    assert "Delete demo (101) failed" in output_text(controls, "stderr")
    assert not controls.deleted and not controls.delete_button.disabled


def test_refresh_errors_are_shown_once_and_the_refresher_backs_off(make_controls):
    """A service that went away is reported once; polling goes on, slower."""
    job = FakeJob()
    job.fail = ConnectionError("service stopped")
    controls = make_controls(job, interval=0.01, max_interval=0.04)
    deadline = time.monotonic() + 5
    while controls.refresher.polls < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert output_text(controls, "stderr").count("Refresh failed: ConnectionError: service stopped") == 1
    assert controls.refresher.is_alive and controls.refresher.current_interval == pytest.approx(0.04)
    job.fail = None
    job.status = JobState.COMPLETED
    assert _eventually(lambda: controls.state is JobState.COMPLETED)
    assert _eventually(lambda: controls.stop_button.disabled)
    assert controls.refresher.max_interval == controls.ended_interval


def test_refresher_follows_the_job_and_slows_when_it_ends(make_controls):
    """A job that fails on its own turns the badge red and slows the thread down."""
    job = FakeJob()
    controls = make_controls(job)
    assert controls.refresher.is_alive
    job.status = JobState.FAILED
    assert _eventually(lambda: controls.state is JobState.FAILED)
    assert "#c62828" in controls.status.value
    assert _eventually(lambda: controls.refresher.max_interval == controls.ended_interval)


def test_close_ends_the_refresher(make_controls):
    """close() stops a refresher that would otherwise poll for ever."""
    controls = make_controls(FakeJob(), interval=0.01)
    controls.close()
    assert controls.refresher.join(5) and controls.refresher.closed


def test_refresher_does_not_re_enable_stop_during_a_stop(make_controls):
    """While Stop's call runs, polls that still see RUNNING leave the buttons alone."""
    job = FakeJob()
    job.gate = threading.Event()
    controls = make_controls(job)
    controls.stop_button.click()
    before = controls.refresher.polls
    deadline = time.monotonic() + 5
    while controls.refresher.polls < before + 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert controls.stop_button.disabled
    job.gate.set()
    assert controls.join(5)


def test_failure_dicts_are_shown_as_errors(make_controls):
    """With Session(errors="return") a failed stop is reported, not 'Stopped'."""
    job = FakeJob()
    job.stop = lambda wait=False, timeout=None, poll=None: {"is_success": False, "error_code": "X.1", "error_msg": "nope"}
    controls = make_controls(job, autostart=False)
    controls.stop(background=False)
    assert "Stop demo (101) failed: APIError X.1: nope" in output_text(controls, "stderr")
    assert "Stopped" not in output_text(controls, "stdout")


def test_a_job_deleted_elsewhere_shows_deleted_and_ends_the_refresher(make_controls):
    """When the service says the job is gone, the widget says so and stops polling."""
    job = FakeJob()
    controls = make_controls(job)
    job.deleted = True  # refresh() now raises NotFoundError ModelArts.2775
    assert controls.refresher.join(5)
    assert controls.deleted and controls.status.state == "DELETED"
    assert "demo (101) no longer exists" in output_text(controls, "stdout")
    assert controls.stop_button.disabled and controls.delete_button.disabled
    assert output_text(controls, "stderr") == ""


def test_stop_from_code_on_an_ended_job_says_so(make_controls):
    """stop() on a completed job is the SDK's no-op, and the message does not claim a stop."""
    job = FakeJob(status=JobState.COMPLETED)
    controls = make_controls(job)
    controls.stop(background=False)
    assert output_text(controls, "stdout") == "demo (101) had already ended: COMPLETED\n"
