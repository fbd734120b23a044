"""``TrainingJob``: refresh, wait, stop, delete, repr, against an in-memory service."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, List

import pytest
from estimator_fakes import FakeSession

from modelarts import _lifecycle
from modelarts.exceptions import BadRequestError, ConflictError, JobFailedError, JobStateError, WaitTimeoutError
from modelarts.job import TrainingJob
from modelarts.states import JobState

S = JobState


class FakeClock:
    """``clock``/``sleep`` pair: sleeping advances the clock, nothing really waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: List[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_lifecycle.Job, "poll_interval", 0.001)


@pytest.fixture
def session() -> FakeSession:
    return FakeSession()


def make_job(session: FakeSession, status: JobState = S.RUNNING, script: Any = ()) -> TrainingJob:
    v = session.service.add_job("demo", status, script)
    return TrainingJob(session, v.job_id, v.version_id)


class TestConstruction:
    def test_ids_normalised_to_strings(self, session: FakeSession) -> None:
        job = TrainingJob(session, 12, "0034")
        assert (job.job_id, job.version_id, job.status) == ("12", "34", S.UNKNOWN)

    @pytest.mark.parametrize("bad", [None, "", "abc", "1.5", 1.5, True, -3, 0, [1], "12 ", "١٢"])
    def test_bad_ids_raise_before_any_request(self, session: FakeSession, bad: Any) -> None:
        with pytest.raises(ValueError, match="job_id"):
            TrainingJob(session, bad, 1)
        assert session.calls == []

    def test_needs_a_session(self) -> None:
        with pytest.raises(ValueError, match="modelarts_session"):
            TrainingJob(None, 1, 2)


class TestRefresh:
    def test_refresh_updates_status_name_times(self, session: FakeSession) -> None:
        job = make_job(session)
        assert job.refresh() is S.RUNNING
        assert job.status is S.RUNNING and job.job_name == "demo"
        assert job.create_time == 1_700_000_000_000 and job.duration == 1500
        assert job.info is not None and job.info.version_id == job.version_id

    def test_repr_shows_id_name_version_status(self, session: FakeSession) -> None:
        job = make_job(session)
        job.refresh()
        assert repr(job) == f"TrainingJob(name='demo', job_id='{job.job_id}', version_id='{job.version_id}', status=RUNNING)"


class TestWait:
    def test_polls_until_terminal_with_injected_clock(self, session: FakeSession) -> None:
        job = make_job(session, script=[S.RUNNING, S.RUNNING, S.COMPLETED])
        clock = FakeClock()
        assert job.wait(poll=2.0, sleep=clock.sleep, clock=clock) is S.COMPLETED
        assert clock.sleeps == [2.0, 2.0]

    def test_timeout_raises_typed_error_with_last_status(self, session: FakeSession) -> None:
        job = make_job(session, script=[S.RUNNING] * 100)
        clock = FakeClock()
        with pytest.raises(WaitTimeoutError) as info:
            job.wait(timeout=5, poll=2, sleep=clock.sleep, clock=clock)
        assert info.value.last_status is S.RUNNING
        assert clock.sleeps == [2, 2, 1] and isinstance(info.value, TimeoutError)

    def test_killing_is_not_terminal(self, session: FakeSession) -> None:
        job = make_job(session, S.KILLING, script=[S.KILLING, S.KILLING, S.KILLED])
        clock = FakeClock()
        assert job.wait(poll=1, sleep=clock.sleep, clock=clock) is S.KILLED

    @pytest.mark.parametrize("final", [s for s in S if s.is_terminal])
    def test_every_terminal_state_ends_the_wait(self, session: FakeSession, final: JobState) -> None:
        job = make_job(session, script=[final])
        clock = FakeClock()
        state = job.wait(poll=1, sleep=clock.sleep, clock=clock, raise_on_failure=False, stopped_ok=False)
        assert state is final and clock.sleeps == []

    def test_failure_raises_by_default(self, session: FakeSession) -> None:
        job = make_job(session, script=[S.FAILED])
        with pytest.raises(JobFailedError, match="FAILED") as info:
            job.wait(poll=0.001)
        assert info.value.status is S.FAILED

    def test_stopped_is_fine_unless_caller_says_otherwise(self, session: FakeSession) -> None:
        job = make_job(session, S.KILLED)
        assert job.wait(poll=0.001) is S.KILLED
        with pytest.raises(JobFailedError, match="KILLED"):
            job.wait(poll=0.001, stopped_ok=False)
        assert job.wait(poll=0.001, stopped_ok=False, raise_on_failure=False) is S.KILLED

    @pytest.mark.parametrize("kwargs", [{"poll": 0}, {"poll": -1}, {"timeout": -1}, {"poll": "1"}])
    def test_bad_arguments(self, session: FakeSession, kwargs: Any) -> None:
        with pytest.raises(ValueError):
            make_job(session).wait(**kwargs)

    def test_text_progress_and_logs(self, session: FakeSession, capsys: pytest.CaptureFixture[str]) -> None:
        v = session.service.add_job("demo", S.RUNNING, [S.RUNNING, S.COMPLETED], [f"epoch {i}" for i in range(3)])
        job = TrainingJob(session, v.job_id, v.version_id)
        assert job.wait(poll=0.001, progress="text", logs=True) is S.COMPLETED
        out = capsys.readouterr().out.splitlines()
        assert out[0].endswith("job demo (id %s, version %s): RUNNING" % (v.job_id, v.version_id))
        assert out[1:4] == ["epoch 0", "epoch 1", "epoch 2"]
        assert "COMPLETED" in out[4] and out[5].startswith("job demo") and "ended COMPLETED" in out[5]

    def test_log_errors_do_not_abort_the_wait(self, session: FakeSession, caplog: pytest.LogCaptureFixture) -> None:
        job = make_job(session, script=[S.COMPLETED])
        session.service.files = lambda *a, **k: (_ for _ in ()).throw(  # type: ignore[method-assign]
            BadRequestError(400, "ModelArts.0104", "boom")
        )
        assert job.wait(poll=0.001, logs=True) is S.COMPLETED
        assert "could not read the logs" in caplog.text


class TestStop:
    def test_stop_running_job(self, session: FakeSession) -> None:
        job = make_job(session)
        result = job.stop()
        assert result == {"is_success": True, "status": S.KILLING}
        stop_call = [c for c in session.calls if c.path.endswith("/stop")]
        assert len(stop_call) == 1 and stop_call[0].method == "POST" and stop_call[0].idempotent is True

    def test_stop_and_wait_returns_terminal(self, session: FakeSession) -> None:
        job = make_job(session)
        assert job.stop(wait=True, timeout=5) == {"is_success": True, "status": S.KILLED}
        assert job.status is S.KILLED

    @pytest.mark.parametrize("final", [S.COMPLETED, S.FAILED, S.KILLED, S.CANCELED])
    def test_stop_on_ended_job_is_a_noop(self, session: FakeSession, final: JobState) -> None:
        job = make_job(session, final)
        assert job.stop() == {"is_success": True, "status": final}
        assert job.stop(wait=True) == {"is_success": True, "status": final}
        # each stop is sent once and answered 409, which one refresh explains
        assert [c.method for c in session.calls if c.path.endswith("/stop")] == ["POST", "POST"]

    def test_stop_racing_with_the_end_is_not_an_error(self, session: FakeSession) -> None:
        """The job was RUNNING when the stop was sent, COMPLETED when it arrived (409)."""
        job = make_job(session, script=[S.RUNNING])
        v = session.service.version(job.job_id, job.version_id)
        session.service.stop = lambda *a, **k: (_ for _ in ()).throw(  # type: ignore[method-assign]
            ConflictError(409, "ModelArts.2796", "The job cannot be terminated.")
        )
        v.script = [S.COMPLETED]
        assert job.stop() == {"is_success": True, "status": S.COMPLETED}

    def test_conflict_on_a_live_job_still_raises(self, session: FakeSession) -> None:
        job = make_job(session, script=[S.RUNNING, S.RUNNING])
        session.service.stop = lambda *a, **k: (_ for _ in ()).throw(  # type: ignore[method-assign]
            ConflictError(409, "ModelArts.2796", "The job cannot be terminated.")
        )
        with pytest.raises(ConflictError):
            job.stop()

    def test_stop_wait_timeout(self, session: FakeSession) -> None:
        job = make_job(session)
        session.service.stop = lambda *a, **k: {"is_success": True}  # type: ignore[method-assign]
        session.service.version(job.job_id, job.version_id).script = [S.KILLING] * 1000  # a kill that never ends
        with pytest.raises(WaitTimeoutError):
            job.stop(wait=True, timeout=0.01, poll=0.001)

    def test_stop_job_version_is_stop(self, session: FakeSession) -> None:
        assert make_job(session).stop_job_version()["status"] is S.KILLING

    def test_missing_job(self, session: FakeSession) -> None:
        with pytest.raises(BadRequestError, match="2775"):
            TrainingJob(session, 9999, 1).stop()


class TestDelete:
    def test_delete_ended_job(self, session: FakeSession) -> None:
        job = make_job(session, S.COMPLETED)
        assert job.delete_job() == {"is_success": True}
        assert int(job.job_id) not in session.service.jobs

    def test_running_job_refused_with_advice(self, session: FakeSession) -> None:
        job = make_job(session)
        with pytest.raises(ConflictError, match="force=True") as info:
            job.delete_job()
        assert "stop it first" in str(info.value) and info.value.status_code == 409
        assert isinstance(info.value, JobStateError)  # the job's state makes the delete impossible
        assert int(job.job_id) in session.service.jobs

    def test_force_stops_waits_deletes(self, session: FakeSession) -> None:
        job = make_job(session)
        assert job.delete_job(force=True) == {"is_success": True}
        methods = [(c.method, c.path.rsplit("/", 1)[-1]) for c in session.calls]
        assert ("POST", "stop") in methods and methods[-1][0] == "DELETE"
        assert int(job.job_id) not in session.service.jobs

    def test_force_stops_every_live_version(self, session: FakeSession) -> None:
        job = make_job(session)
        other = session.service.add_version(int(job.job_id), S.WAITING)
        done = session.service.add_version(int(job.job_id), S.COMPLETED)
        assert job.delete_job(force=True) == {"is_success": True}
        stopped = {c.path.split("/")[-2] for c in session.calls if c.path.endswith("/stop")}
        assert stopped == {job.version_id, str(other.version_id)} and str(done.version_id) not in stopped

    def test_force_timeout(self, session: FakeSession) -> None:
        job = make_job(session)
        session.service.stop = lambda *a, **k: {"is_success": True}  # type: ignore[method-assign]
        session.service.version(job.job_id, job.version_id).script = [S.RUNNING] * 1000
        with pytest.raises(WaitTimeoutError):
            job.delete_job(force=True, timeout=0.01)

    def test_twice(self, session: FakeSession) -> None:
        job = make_job(session, S.KILLED)
        job.delete_job()
        with pytest.raises(BadRequestError, match="not found"):
            job.delete_job()
        assert job.delete_job(missing_ok=True) == {"is_success": True}
        assert job.delete_job(force=True, missing_ok=True) == {"is_success": True}

    def test_delete_version(self, session: FakeSession) -> None:
        job = make_job(session, S.COMPLETED)
        assert job.delete_job_version() == {"is_success": True}
        assert session.calls[-1].method == "DELETE" and session.calls[-1].path.endswith(f"/versions/{job.version_id}")


class TestErrorsReturnMode:
    def test_failures_become_documented_dicts(self) -> None:
        session = FakeSession(errors="return")
        job = TrainingJob(session, 9999, 1)
        expected = {"is_success": False, "error_code": "ModelArts.2775", "error_msg": "Training job (ID: 9999) not found."}
        for call in (job.get_job_info, job.stop, job.stop_job_version, job.delete_job, job.get_job_log_file_list,
                     job.get_job_version_info, job.delete_job_version, lambda: job.get_job_log(log_file="x.0"),
                     lambda: job.update_job_description(description="x"), job.get_job_version_object_list):  # fmt: skip
            assert call() == expected

    def test_conflict_dict_carries_the_advice(self) -> None:
        session = FakeSession(errors="return")
        job = make_job(session)
        result = job.delete_job()
        assert result["is_success"] is False and "force=True" in result["error_msg"]

    def test_bad_arguments_still_raise(self) -> None:
        job = make_job(FakeSession(errors="return"))
        with pytest.raises(ValueError):
            job.update_job_description(description=123)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            job.get_job_log(log_file="")


class TestDocumentedReads:
    def test_get_job_info_refreshes(self, session: FakeSession) -> None:
        job = make_job(session)
        info = job.get_job_info()
        assert info["is_success"] is True and info["status"] == 8 and job.status is S.RUNNING

    def test_update_description(self, session: FakeSession) -> None:
        job = make_job(session)
        assert job.update_job_description(description="new") == {"is_success": True}
        assert session.calls[-1].json == {"job_desc": "new"} and session.calls[-1].method == "PUT"
        with pytest.raises(ValueError, match="256"):
            job.update_job_description(description="x" * 257)

    def test_logs(self, session: FakeSession) -> None:
        v = session.service.add_job("demo", S.RUNNING, (), ["a", "b", "c"])
        job = TrainingJob(session, v.job_id, v.version_id)
        files = job.get_job_log_file_list()
        assert files == {"is_success": True, "log_file_list": ["job-demo.0"]}
        chunk = job.get_job_log(log_file="job-demo.0")
        assert chunk["content"] == "a\nb\nc\n" and chunk["lines"] == 3
        assert session.calls[-1].params == {"log_file": "job-demo.0", "base_line": "0", "lines": 500, "order": "desc"}
        job.get_job_log(log_file="job-demo.0", base_line="2", lines=1, order="asc")
        assert session.calls[-1].params == {"log_file": "job-demo.0", "base_line": "2", "lines": 1, "order": "asc"}

    def test_version_objects(self, session: FakeSession, capsys: pytest.CaptureFixture[str]) -> None:
        job = make_job(session, S.COMPLETED)
        session.service.add_version(int(job.job_id), S.RUNNING)
        versions = job.get_job_version_object_list(is_show=True)
        assert [v.status for v in versions] == [S.RUNNING, S.COMPLETED]
        assert all(isinstance(v, TrainingJob) and v.job_name == "demo" for v in versions)
        assert "RUNNING" in capsys.readouterr().out
        assert job.get_job_version_object_list(is_show=False)[1].version_id == job.version_id
        assert capsys.readouterr().out == ""

    def test_create_version_reuses_config(self, session: FakeSession) -> None:
        job = make_job(session, S.COMPLETED)
        session.service.version(job.job_id, job.version_id).config = {
            "worker_server_num": 1, "app_url": "/b/src/", "boot_file_url": "/b/src/t.py", "spec_id": 2,
            "data_url": "/b/data/", "parameter": [{"label": "lr", "value": "1"}], "train_url": "/b/out/",
        }  # fmt: skip
        new = job.create_job_version(inputs="/b/data2/", job_desc="again")
        body = session.calls[-1].json
        assert body["job_desc"] == "again" and body["config"]["data_url"] == "/b/data2/"
        assert body["config"]["pre_version_id"] == int(job.version_id) and body["config"]["spec_id"] == 2
        assert isinstance(new, TrainingJob) and new.job_id == job.job_id and new.version_id != job.version_id
        job.create_job_version()
        assert session.calls[-1].json["config"]["data_url"] == "/b/data/"

    def test_create_version_rejects_other_job_id(self, session: FakeSession) -> None:
        with pytest.raises(ValueError, match="not this job"):
            make_job(session).create_job_version(job_id=1, inputs="/b/d/")


class TestDisplay:
    def test_mimebundle_without_widgets(self, session: FakeSession, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "modelarts.widgets", None)
        job = make_job(session)
        assert job._repr_mimebundle_() == {"text/plain": repr(job)}

    def test_mimebundle_with_widget_keeps_stable_text(self, session: FakeSession, monkeypatch: pytest.MonkeyPatch) -> None:
        import types

        class Controls:
            def __init__(self, job: Any) -> None:
                self.job = job

            def _repr_mimebundle_(self, **kwargs: Any) -> Any:
                return {"text/plain": "JobControls(random 0x1234)", "application/vnd.jupyter.widget-view+json": {}}

        monkeypatch.setitem(sys.modules, "modelarts.widgets", types.SimpleNamespace(JobControls=Controls))
        job = make_job(session)
        bundle = job._repr_mimebundle_(include=None, exclude=None)
        assert bundle["text/plain"] == repr(job) and "application/vnd.jupyter.widget-view+json" in bundle

    def test_mimebundle_survives_a_broken_widget(self, session: FakeSession, monkeypatch: pytest.MonkeyPatch) -> None:
        import types

        def broken(job: Any) -> Any:
            raise RuntimeError("no comm")

        monkeypatch.setitem(sys.modules, "modelarts.widgets", types.SimpleNamespace(JobControls=broken))
        job = make_job(session)
        assert job._repr_mimebundle_() == {"text/plain": repr(job)}


def test_importing_job_and_estimator_does_not_import_ipywidgets() -> None:
    code = "import sys, modelarts.job, modelarts.estimator; print(sorted(m for m in sys.modules if 'ipywidgets' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_default_wait_starts_brisk_and_backs_off_to_the_interval(session: FakeSession) -> None:
    job = make_job(session, script=[S.RUNNING] * 6 + [S.COMPLETED])
    job.poll_interval = 5.0
    clock = FakeClock()
    assert job.wait(sleep=clock.sleep, clock=clock) is S.COMPLETED
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
