"""TrainingJob lifecycle against the local service: real processes, real HTTP, real Session."""

from __future__ import annotations

from typing import Any

import pytest
from estimator_helpers import FAILING, QUICK, SLEEPER, estimator, pid_of, process_gone
from polling import wait_for

from modelarts.estimator import Estimator
from modelarts.exceptions import BadRequestError, ConflictError, JobFailedError, WaitTimeoutError
from modelarts.job import TrainingJob
from modelarts.session import Session
from modelarts.states import JobState

S = JobState


pytestmark = pytest.mark.usefixtures("fast_polls")

def running(session: Session, bucket: Any) -> TrainingJob:
    job = estimator(session, bucket, SLEEPER).fit(inputs=bucket.url("data/"))
    wait_for(lambda: job.refresh() is S.RUNNING, what="RUNNING", timeout=20)
    return job


class TestStop:
    def test_create_running_stop_killed_process_gone(self, session: Session, bucket: Any) -> None:
        job = running(session, bucket)
        pid = pid_of(job)
        assert not process_gone(pid)
        result = job.stop(wait=True, timeout=30)
        assert result == {"is_success": True, "status": S.KILLED}
        assert job.status is S.KILLED and job.get_job_info()["status"] == 12
        assert wait_for(lambda: process_gone(pid), what="the process to exit", timeout=20)

    def test_stop_without_wait_then_wait(self, session: Session, bucket: Any) -> None:
        job = running(session, bucket)
        result = job.stop()
        assert result["is_success"] is True and result["status"] in (S.KILLING, S.KILLED)
        assert job.wait(timeout=30) is S.KILLED
        with pytest.raises(JobFailedError, match="KILLED"):
            job.wait(timeout=30, stopped_ok=False)

    def test_stop_on_ended_job_is_a_noop(self, session: Session, bucket: Any) -> None:
        job = estimator(session, bucket, QUICK).fit(inputs=bucket.url("data/"))
        assert job.wait(timeout=30) is S.COMPLETED
        assert job.stop() == {"is_success": True, "status": S.COMPLETED}
        assert job.stop(wait=True) == {"is_success": True, "status": S.COMPLETED}
        assert job.stop_job_version()["status"] is S.COMPLETED
        bound = Estimator(session, job_id=job.job_id, version_id=job.version_id)
        assert bound.stop_job_version() == {"is_success": True, "status": S.COMPLETED}

    def test_stop_a_queued_job(self, session: Session, bucket: Any) -> None:
        job = estimator(session, bucket, SLEEPER).fit(inputs=bucket.url("data/"))
        result = job.stop(wait=True, timeout=30)
        assert result["status"] in (S.CANCELED, S.KILLED) and result["status"].is_stopped

    def test_wait_timeout(self, session: Session, bucket: Any) -> None:
        job = running(session, bucket)
        try:
            with pytest.raises(WaitTimeoutError) as info:
                job.wait(timeout=0.3, poll=0.1)
            assert info.value.last_status is S.RUNNING
        finally:
            job.delete_job(force=True)


class TestDelete:
    def test_running_job_is_refused_then_forced(self, session: Session, bucket: Any) -> None:
        job = running(session, bucket)
        pid = pid_of(job)
        with pytest.raises(ConflictError, match="force=True") as info:
            job.delete_job()
        assert info.value.error_code == "ModelArts.2878" and job.refresh() is S.RUNNING
        assert job.delete_job(force=True, timeout=30) == {"is_success": True}
        assert process_gone(pid)
        with pytest.raises(BadRequestError) as gone:
            job.refresh()
        assert gone.value.error_code == "ModelArts.2775"

    def test_plain_then_twice(self, session: Session, bucket: Any) -> None:
        job = estimator(session, bucket, QUICK).fit(inputs=bucket.url("data/"))
        job.wait(timeout=30)
        assert job.delete_job() == {"is_success": True}
        with pytest.raises(BadRequestError, match="not found"):
            job.delete_job()
        assert job.delete_job(missing_ok=True) == {"is_success": True}
        assert job.delete_job(force=True, missing_ok=True) == {"is_success": True}

    def test_delete_job_by_id_documented_call(self, session: Session, bucket: Any) -> None:
        job = running(session, bucket)
        with pytest.raises(ConflictError, match="stop it first"):
            Estimator.delete_job_by_id(modelarts_session=session, job_id=job.job_id)
        assert Estimator.delete_job_by_id(modelarts_session=session, job_id=job.job_id, force=True) == {
            "is_success": True
        }
        assert Estimator.delete_job_by_id(modelarts_session=session, job_id=int(job.job_id), missing_ok=True) == {
            "is_success": True
        }


class TestWaitAndLogs:
    def test_logs_and_hyperparameters(self, session: Session, bucket: Any) -> None:
        job = estimator(session, bucket, QUICK).fit(inputs=bucket.url("data/"), job_name="logs-" + job_suffix())
        assert job.wait(timeout=30, poll=0.05) is S.COMPLETED
        files = job.get_job_log_file_list()
        assert files == {"is_success": True, "log_file_list": [f"job-{job.job_name}.0"]}
        log = job.get_job_log(log_file=files["log_file_list"][0])
        lines = log["content"].splitlines()
        args = next(line for line in lines if line.startswith("ARGS"))
        assert "--lr=0.01" in args and "--classes=10" in args
        assert [line for line in lines if line.startswith("epoch")][-1].startswith("epoch 2")
        assert log["lines"] == len(lines)
        newest = job.get_job_log(log_file=files["log_file_list"][0], start_byte=-1, offset=-2)
        assert newest["lines"] == 2 and newest["content"].splitlines() == lines[-2:]

    def test_wait_streams_every_line_once(self, session: Session, bucket: Any, capsys: Any) -> None:
        job = estimator(session, bucket, QUICK).fit(inputs=bucket.url("data/"))
        assert job.wait(timeout=30, poll=0.05, progress="text", logs=True) is S.COMPLETED
        out = capsys.readouterr().out.splitlines()
        assert [line for line in out if line.startswith("epoch")] == [
            "epoch 0 loss 1.0", "epoch 1 loss 0.5", "epoch 2 loss 0.3333333333333333"
        ]  # fmt: skip
        assert out[-1].startswith(f"job {job.job_name}") and "ended COMPLETED" in out[-1]

    def test_failed_job(self, session: Session, bucket: Any) -> None:
        job = estimator(session, bucket, FAILING).fit(inputs=bucket.url("data/"))
        with pytest.raises(JobFailedError) as info:
            job.wait(timeout=30)
        assert info.value.status is S.FAILED
        # the reason travels with the error: the exit code and the job's own last words
        assert info.value.exit_code == 1
        assert any("training diverged" in line for line in info.value.log_tail)
        assert "exit code 1" in str(info.value) and "training diverged" in str(info.value)
        assert "training diverged" in info.value.reason
        assert job.wait(timeout=30, raise_on_failure=False) is S.FAILED


class TestVersions:
    def test_create_list_info_delete(self, session: Session, bucket: Any, capsys: Any) -> None:
        first = estimator(session, bucket, QUICK).fit(inputs=bucket.url("data/"))
        first.wait(timeout=30)
        second = first.create_job_version(inputs=bucket.url("data2/"), job_desc="second")
        assert second.job_id == first.job_id and second.version_id != first.version_id
        third = estimator(session, bucket, QUICK).create_job_version(
            job_id=first.job_id, pre_version_id=int(second.version_id), inputs=bucket.url("data3/"), wait=False,
            job_desc="third",
        )  # fmt: skip
        assert second.wait(timeout=30) is S.COMPLETED and third.wait(timeout=30) is S.COMPLETED
        assert second.get_job_info()["data_url"] == bucket.url("data2/")
        info = Estimator(session, job_id=first.job_id).get_job_version_info()
        assert info["is_success"] is True and info["version_count"] == 3
        assert {str(v["version_id"]) for v in info["versions"]} == {first.version_id, second.version_id, third.version_id}
        objects = first.get_job_version_object_list(is_show=True)
        assert {v.version_id for v in objects} == {first.version_id, second.version_id, third.version_id}
        assert all(isinstance(v, TrainingJob) and v.status is S.COMPLETED for v in objects)
        assert "COMPLETED" in capsys.readouterr().out
        assert second.delete_job_version() == {"is_success": True}
        assert Estimator(session, job_id=first.job_id).get_job_version_info()["version_count"] == 2
        assert first.delete_job() == {"is_success": True}

    def test_update_description(self, session: Session, bucket: Any) -> None:
        job = estimator(session, bucket, QUICK).fit(inputs=bucket.url("data/"))
        assert Estimator(session, job_id=job.job_id).update_job_description(description="renamed") == {
            "is_success": True
        }
        assert job.get_job_info()["job_desc"] == "renamed"
        job.delete_job(force=True)


class TestDisplay:
    def test_repr_and_mimebundle(self, session: Session, bucket: Any) -> None:
        job = estimator(session, bucket, QUICK).fit(inputs=bucket.url("data/"), job_name="shown-" + job_suffix())
        job.wait(timeout=30)
        text = f"TrainingJob(name='{job.job_name}', job_id='{job.job_id}', version_id='{job.version_id}', status=COMPLETED)"
        assert repr(job) == text
        bundle = job._repr_mimebundle_()
        assert bundle["text/plain"] == text
        pytest.importorskip("ipywidgets")
        assert "application/vnd.jupyter.widget-view+json" in bundle


def job_suffix() -> str:
    import uuid

    return uuid.uuid4().hex[:8]
