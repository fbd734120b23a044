"""The widgets against the real local service and real TrainingJob objects.

Every button is driven with ``.click()``, exactly as a browser click arrives in
the kernel; the assertions read the service (and ``/proc``), not only the widget.
"""

from __future__ import annotations

import threading
from typing import Any, Iterator, List

import pytest
from estimator_helpers import SLEEPER, estimator, pid_of, unique
from polling import wait_for

from modelarts.estimator import Estimator
from modelarts.exceptions import APIError
from modelarts.job import TrainingJob
from modelarts.local import LocalService
from modelarts.session import Session
from modelarts.states import JobState
from modelarts.widgets import JobControls, JobList


def widget_threads() -> List[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(("modelarts-refresh", "modelarts-job"))]


class Jobs:
    """Creates running jobs (the shared SLEEPER boot script) and cleans them up."""

    def __init__(self, session: Session, bucket: Any) -> None:
        self.session, self.bucket = session, bucket
        self.created: List[TrainingJob] = []
        self.prefix = unique("widgets") + "x"  # so no prefix is a substring of another

    def start(self, name: str = "job") -> "tuple[TrainingJob, int]":
        """A job of this test, RUNNING, and the pid of its training process."""
        fit = estimator(self.session, self.bucket, SLEEPER).fit
        job = fit(inputs=self.bucket.url("data/"), job_name=f"{self.prefix}-{name}", wait=False)
        self.created.append(job)
        wait_for(lambda: job.refresh() is JobState.RUNNING, what=f"{name} to run", timeout=20)
        return job, pid_of(job)

    def close(self) -> None:
        for job in self.created:
            try:
                job.delete_job(force=True, missing_ok=True)
            except Exception:  # noqa: BLE001 - best effort cleanup (e.g. the service was stopped)
                pass


def service_state(session: Session, job: TrainingJob) -> JobState:
    return TrainingJob(session, job.job_id, job.version_id).refresh()


def listed_ids(session: Session, prefix: str) -> List[str]:
    answer = Estimator.get_job_list(session, search_content=prefix, per_page=100)
    return [str(j["job_id"]) for j in answer["jobs"]]


def output_text(widget: Any, name: str) -> str:
    return "".join(o["text"] for o in widget.output.outputs if o.get("name") == name)


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TrainingJob, "poll_interval", 0.1)
    monkeypatch.setattr(Session, "_overrides", {})


@pytest.fixture
def session(local_service: LocalService) -> Session:
    return Session(environ=local_service.env())


@pytest.fixture
def jobs(session: Session, bucket: Any) -> Iterator[Jobs]:
    made = Jobs(session, bucket)
    yield made
    made.close()


@pytest.fixture
def widgets_made() -> Iterator[List[Any]]:
    """Widgets to close after the test; every widget thread the test started must then end.

    (Threads of widgets other tests displayed and never closed are not this test's: a widget
    keeps watching an ended job for a while, see ``JobControls(watch_after_end=)``.)
    """
    before = set(widget_threads())
    made: List[Any] = []
    yield made
    for widget in made:
        widget.close()
    wait_for(lambda: not set(widget_threads()) - before, timeout=10, what="widget threads to end")


def test_stop_click_kills_the_job_and_its_process(helpers, session, jobs, widgets_made):
    """Stop → KILLED in the widget and on the service; the training process is gone."""
    job, pid = jobs.start("stop")
    controls = JobControls(job, interval=0.1)
    widgets_made.append(controls)
    assert controls.state is JobState.RUNNING and not controls.stop_button.disabled
    controls.stop_button.click()
    assert controls.join(60)
    assert controls.state is JobState.KILLED, output_text(controls, "stderr")
    assert "modelarts-state-KILLED" in controls.status._dom_classes
    assert service_state(session, job) is JobState.KILLED
    assert wait_for(lambda: helpers.pid_gone(pid), what=f"process {pid} to end", timeout=20)
    assert controls.stop_button.disabled and not controls.delete_button.disabled
    assert f"Stopped {job.job_name} ({job.job_id}): KILLED" in output_text(controls, "stdout")
    assert output_text(controls, "stderr") == ""
    # the job ended: the refresher slows down, still watching for a deletion elsewhere
    assert controls.refresher.max_interval == controls.ended_interval and controls.refresher.is_alive


def test_delete_confirm_stops_and_removes_a_running_job(helpers, session, jobs, widgets_made):
    """Delete → Confirm on a running job: stopped first, then gone from the service."""
    job, pid = jobs.start("delete")
    controls = JobControls(job, interval=0.1)
    widgets_made.append(controls)
    controls.delete_button.click()
    assert controls.confirm_button.description == f"Confirm delete {job.job_name} ({job.job_id})"
    assert "stopped first" in controls.deleter.note.value
    controls.confirm_button.click()
    assert controls.join(60)
    assert controls.deleted, output_text(controls, "stderr")
    assert job.job_id not in listed_ids(session, jobs.prefix)
    with pytest.raises(APIError):
        service_state(session, job)
    assert wait_for(lambda: helpers.pid_gone(pid), what=f"process {pid} to end", timeout=20)
    assert controls.stop_button.disabled and controls.delete_button.disabled
    assert controls.refresher.join(10)


def test_cancel_does_nothing(helpers, session, jobs, widgets_made):
    """Delete → Cancel leaves the job running on the service."""
    job, pid = jobs.start("cancel")
    controls = JobControls(job, interval=0.1)
    widgets_made.append(controls)
    controls.delete_button.click()
    controls.cancel_button.click()
    assert controls.join(5) and not controls.deleted
    assert controls.deleter.children == (controls.delete_button,)
    assert service_state(session, job) is JobState.RUNNING and not helpers.pid_gone(pid)
    assert job.job_id in listed_ids(session, jobs.prefix)
    assert controls.output.outputs == ()


def test_errors_from_a_stopped_service_land_in_the_output(helpers, tmp_path, widgets_made):
    """With the service gone, Stop and the refresher show typed errors; nothing is raised."""
    service = LocalService(tmp_path / "svc", kill_jobs_on_close=True).start()
    try:
        session = Session(environ=service.env(), retries=0, timeout=2)
        job, _pid = Jobs(session, helpers.Bucket(service.obs_root, "orphans")).start("orphan")
        controls = JobControls(job, interval=0.1, max_interval=0.2)
        widgets_made.append(controls)
    finally:
        service.close(kill_jobs=True)
    controls.stop_button.click()
    assert controls.join(30)
    errors = output_text(controls, "stderr")
    assert f"Stop {job.job_name} ({job.job_id}) failed: ConnectionError" in errors
    wait_for(lambda: "Refresh failed: ConnectionError" in output_text(controls, "stderr"), timeout=20)
    assert not controls.stop_button.disabled and controls.stop_button.description == "Stop"
    assert controls.refresher.is_alive
    controls.close()
    assert controls.refresher.join(10)


def test_displaying_a_job_shows_controls_with_stable_text(session, jobs, widgets_made):
    """A job's mimebundle is the widget plus a text/plain of name, id and status."""
    job, _pid = jobs.start("display")
    before = set(widget_threads())
    bundle = job._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == repr(job) and job.job_id in bundle["text/plain"]
    assert [t.name for t in set(widget_threads()) - before] == [f"modelarts-refresh-{job.job_id}"]
    job.stop(wait=True, timeout=30)
    from ipywidgets.widgets.widget import _instances

    shown = [w for w in list(_instances.values()) if isinstance(w, JobControls) and w.job is job]
    assert len(shown) == 1
    wait_for(lambda: shown[0].state is JobState.KILLED, what="the displayed widget to see KILLED", timeout=20)
    assert shown[0].refresher.max_interval == shown[0].ended_interval  # slowed, still watching
    shown[0].close()
    wait_for(lambda: not set(widget_threads()) - before, what="the displayed widget's refresher to end", timeout=20)


def test_job_list_rows_stop_and_delete(helpers, session, jobs, widgets_made):
    """The list shows this test's jobs; a row's Stop kills one, Delete removes the other."""
    first, first_pid = jobs.start("list-a")
    second, _ = jobs.start("list-b")
    listing = JobList(session, search_content=jobs.prefix, interval=0.1, max_interval=0.2)
    widgets_made.append(listing)
    wait_for(lambda: len(listing.rows) == 2, what="two rows", timeout=20)
    assert [row.job_name for row in listing.rows] == [second.job_name, first.job_name]
    assert listing.total == 2 and listing.page_label.value == "Page 1 of 1 · 2 jobs"
    listing.row(first.job_id).stop_button.click()
    assert listing.join(30)
    wait_for(lambda: listing.row(first.job_id).state is JobState.KILLED, what="row KILLED", timeout=20)
    assert listing.row(first.job_id).stop_button.disabled
    assert wait_for(lambda: helpers.pid_gone(first_pid), what="the stopped process to end", timeout=20)
    row = listing.row(second.job_id)
    row.delete_button.click()
    assert "stopped first" in row.deleter.note.value
    row.confirm_button.click()
    assert listing.join(60)
    assert second.job_id not in listed_ids(session, jobs.prefix), output_text(listing, "stderr")
    wait_for(lambda: [r.job_id for r in listing.rows] == [first.job_id], what="the deleted row to go", timeout=20)
    assert output_text(listing, "stderr") == ""
    listing.status_filter.value = int(JobState.RUNNING)
    assert listing.join(10) and listing.rows == []


def test_a_job_deleted_elsewhere_ends_the_refresher(session, jobs, widgets_made):
    """Deleting the job from code (not the widget) turns the badge DELETED and stops polling."""
    job, _pid = jobs.start("elsewhere")
    controls = JobControls(job, interval=0.1, max_interval=0.2, autostart=False)
    widgets_made.append(controls)
    TrainingJob(session, job.job_id, job.version_id).delete_job(force=True)
    controls.refresher.start()  # (started after: a poll that saw KILLED first would end it)
    assert controls.refresher.join(20), output_text(controls, "stderr")
    assert controls.deleted and controls.status.state == "DELETED"
    assert "no longer exists" in output_text(controls, "stdout")
    assert output_text(controls, "stderr") == ""
