"""JobControls stays true: deleted/stopped elsewhere, the failure's reason, the log panel."""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, Dict, Iterator, List

import pytest
from polling import wait_for
from test_widgets_job_controls import FakeJob, controls_factory, output_text

from modelarts.exceptions import BadRequestError
from modelarts.states import JobState
from modelarts.widgets import JobControls
from modelarts.widgets.log_panel import LogPanel

RETURN_1 = "[ModelArts Service Log]2026-11-28 05:00:00 Training end with return code: 1"


class LoggingJob(FakeJob):
    """A FakeJob with a log file served the way ``get_job_log`` documents it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.log: List[str] = []
        self.log_lock = threading.Lock()
        self.log_reads = 0
        self.no_log = False

    def write(self, *lines: str) -> None:
        with self.log_lock:
            self.log.extend(lines)

    def get_job_log_file_list(self) -> Dict[str, Any]:
        if self.no_log:
            raise BadRequestError(400, "ModelArts.2818", "no log yet")
        return {"is_success": True, "log_file_list": ["job-demo.0"]}

    def get_job_log(self, log_file: str, start_byte: int = 0, offset: int = 2048, *, base_line: Any = None,
                    lines: Any = None, order: Any = None) -> Dict[str, Any]:  # fmt: skip
        assert log_file == "job-demo.0" and order == "desc"
        with self.log_lock:
            self.log_reads += 1
            start = int(base_line or 0)
            chunk = self.log[start : start + int(lines)]  # the lines after marker ``start`` (1-based numbers)
            first, end = (start + 1, start + len(chunk)) if chunk else (start, start)
        return {"is_success": True, "content": "\n".join(chunk), "lines": len(chunk),
                "start_line": str(first), "end_line": str(end)}  # fmt: skip

    def last_log_lines(self, lines: int = 20) -> List[str]:
        with self.log_lock:
            return self.log[-lines:]


#: Wait (bounded) for a background thread to make a condition true; the widgets poll every few ms.
_eventually = functools.partial(wait_for, timeout=5.0, interval=0.005)


@pytest.fixture
def make_controls() -> Iterator[Callable[..., JobControls]]:
    yield from controls_factory(ended_interval=0.1)


class TestStaleWidget:
    def test_deleted_elsewhere_after_the_job_ended(self, make_controls):
        """The reported case: COMPLETED, then a later cell deletes the job; the widget says DELETED."""
        job = LoggingJob(status=JobState.COMPLETED)
        controls = make_controls(job)
        assert not controls.delete_button.disabled
        assert _eventually(lambda: controls.refresher.polls >= 2)  # polling goes on, slowly
        job.deleted = True  # deleted by code elsewhere
        assert _eventually(lambda: controls.deleted)
        assert _eventually(lambda: controls.status.state == "DELETED")
        assert controls.delete_button.disabled and controls.stop_button.disabled
        assert "demo (101) no longer exists (deleted elsewhere)" in output_text(controls, "stdout")
        assert output_text(controls, "stderr") == ""  # no red ModelArts.2775
        assert controls.refresher.join(5), "nothing can change after a deletion: the thread ends"

    def test_delete_click_on_a_job_already_gone_says_so(self, make_controls):
        """Polling slowed right down: the click itself finds out, and no confirmation is shown."""
        job = LoggingJob(status=JobState.COMPLETED)
        controls = make_controls(job, autostart=False)
        job.deleted = True
        controls.delete_button.click()
        assert not controls.deleter.asking
        assert controls.deleted and controls.status.state == "DELETED" and controls.delete_button.disabled
        assert "no longer exists (deleted elsewhere)" in output_text(controls, "stdout") and output_text(controls, "stderr") == ""
        assert job.calls == []

    def test_confirm_after_a_deletion_elsewhere_is_not_an_error(self, make_controls):
        """The confirmation was open when another cell deleted the job."""
        job = LoggingJob(status=JobState.COMPLETED)
        controls = make_controls(job, autostart=False)
        controls.delete_button.click()
        job.deleted = True
        original = job.delete_job

        def gone(force: bool = False, missing_ok: bool = False) -> dict:
            from modelarts.exceptions import NotFoundError

            raise NotFoundError(404, "ModelArts.2775", "no such job")

        job.delete_job = gone  # type: ignore[method-assign]
        controls.confirm_button.click()
        assert controls.join(5)
        job.delete_job = original  # type: ignore[method-assign]
        assert controls.deleted and controls.status.state == "DELETED"
        assert "deleted elsewhere" in output_text(controls, "stdout") and output_text(controls, "stderr") == ""

    def test_stopped_elsewhere(self, make_controls):
        job = LoggingJob()
        controls = make_controls(job)
        job.status = JobState.KILLED
        assert _eventually(lambda: controls.state is JobState.KILLED)
        assert _eventually(lambda: controls.stop_button.disabled)
        assert "demo (101) was stopped elsewhere: KILLED" in output_text(controls, "stdout")
        assert not controls.delete_button.disabled

    def test_our_own_stop_is_not_called_elsewhere(self, make_controls):
        job = LoggingJob()
        controls = make_controls(job)
        controls.stop_button.click()
        assert controls.join(5)
        assert "Stopped demo (101): KILLED" in output_text(controls, "stdout")
        assert "elsewhere" not in output_text(controls, "stdout")


class TestFailureReason:
    def test_the_widget_shows_exit_code_and_last_line(self, make_controls):
        job = LoggingJob()
        controls = make_controls(job)
        job.write("epoch 1", "ValueError: <bad> data", RETURN_1)
        job.status = JobState.FAILED
        assert _eventually(lambda: "exit code 1" in controls.reason.value)
        assert "last log line: ValueError: &lt;bad&gt; data" in controls.reason.value  # escaped
        assert controls.failure is not None and controls.failure.exit_code == 1
        assert controls.failure.log_tail[-1] == RETURN_1
        assert "demo (101) ended FAILED: exit code 1; last log line: ValueError: <bad> data" in output_text(controls, "stdout")

    def test_a_job_displayed_after_it_failed(self, make_controls):
        job = LoggingJob(status=JobState.FAILED)
        job.write("boom", RETURN_1)
        controls = make_controls(job)
        assert _eventually(lambda: "exit code 1" in controls.reason.value)

    def test_success_has_no_reason(self, make_controls):
        job = LoggingJob()
        controls = make_controls(job)
        job.status = JobState.COMPLETED
        assert _eventually(lambda: controls.state is JobState.COMPLETED)
        assert controls.reason.value == "" and controls.failure is None


class TestLogPanel:
    def test_collapsed_by_default_and_reads_nothing(self, make_controls):
        job = LoggingJob()
        job.write("hello")
        controls = make_controls(job)
        panel = controls.log_panel
        assert not panel.is_open and panel.box.layout.display == "none" and panel.toggle.description == "Show log"
        assert _eventually(lambda: controls.refresher.polls >= 3)
        assert job.log_reads == 0 and panel.refresher is None

    def test_follows_live_while_open_and_stops_when_collapsed(self, make_controls):
        job = LoggingJob()
        job.write("line 1")
        controls = make_controls(job)
        panel = controls.log_panel
        panel.toggle.value = True  # what a click on "Show log" does
        assert panel.box.layout.display == "flex" and panel.toggle.description == "Hide log"
        assert _eventually(lambda: "line 1" in panel.text.value)
        job.write("line <2>")
        assert _eventually(lambda: "line &lt;2&gt;" in panel.text.value)
        assert list(panel.lines) == ["line 1", "line <2>"]
        panel.toggle.value = False
        assert panel.refresher is not None and panel.refresher.join(5)
        assert panel.box.layout.display == "none"
        job.write("line 3")
        panel.toggle.value = True  # opening again continues where it stopped
        assert _eventually(lambda: list(panel.lines) == ["line 1", "line <2>", "line 3"])

    def test_stops_following_when_the_job_ends(self, make_controls):
        job = LoggingJob()
        controls = make_controls(job)
        panel = controls.log_panel
        panel.expand()
        assert _eventually(lambda: panel.following)
        job.write("last words")
        job.status = JobState.COMPLETED
        assert panel.refresher is not None and panel.refresher.join(5)
        assert "last words" in panel.text.value  # the last read happened after the end
        assert panel.state_label.value == "job ended · not following"
        reads = job.log_reads
        assert _eventually(lambda: controls.refresher.polls >= 2)
        assert job.log_reads == reads

    def test_stops_following_when_the_widget_closes(self, make_controls):
        job = LoggingJob()
        controls = make_controls(job)
        controls.log_panel.expand()
        assert _eventually(lambda: controls.log_panel.following)
        controls.close()
        assert controls.log_panel.refresher is not None and controls.log_panel.refresher.join(5)

    def test_bounded_memory(self):
        from modelarts.widgets.actions import Reporter
        import ipywidgets as widgets

        job = LoggingJob(status=JobState.COMPLETED)
        job.write(*[f"line {i}" for i in range(120)])
        panel = LogPanel(job, Reporter(widgets.Output()), max_lines=50)
        assert panel.read() == 120
        assert len(panel.lines) == 50 and panel.lines[0] == "line 70" and panel.dropped == 70
        assert panel.text.value.startswith("<pre>… 70 earlier lines not kept") and "line 69\n" not in panel.text.value
        panel.close()
        with pytest.raises(ValueError):
            LogPanel(job, Reporter(widgets.Output()), max_lines=0)

    def test_no_log_yet_is_not_an_error(self, make_controls):
        job = LoggingJob()
        job.no_log = True
        controls = make_controls(job)
        assert controls.log_panel.read() == 0
        controls.log_panel.expand()
        assert _eventually(lambda: controls.log_panel.refresher is not None and controls.log_panel.refresher.polls >= 3)
        assert output_text(controls, "stderr") == ""


def test_watching_after_the_end_is_bounded(make_controls):
    """A widget nobody closes stops checking watch_after_end seconds after its job ended."""
    job = LoggingJob(status=JobState.COMPLETED)
    controls = make_controls(job, watch_after_end=0.2)
    assert controls.refresher.join(5)
    assert controls.refresher.polls >= 2 and not controls.deleted
    job.deleted = True
    controls.delete_button.click()  # the click still finds out
    assert controls.deleted and not controls.deleter.asking
