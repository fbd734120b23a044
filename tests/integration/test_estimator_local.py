"""Estimator against the local service: fit, list, catalogues and every failure mode."""

from __future__ import annotations

from typing import Any, Iterator, List

import pytest
from estimator_helpers import QUICK, SLEEPER, estimator, sessions, unique

from modelarts.estimator import Estimator
from modelarts.exceptions import BadRequestError, ConflictError
from modelarts.job import TrainingJob
from modelarts.session import Session
from modelarts.states import JobState

S = JobState


pytestmark = pytest.mark.usefixtures("fast_polls")

@pytest.fixture
def returning(local_service: Any) -> Iterator[Session]:
    yield from sessions(local_service, errors="return")


class TestFit:
    def test_documented_sample_runs(self, session: Session, bucket: Any) -> None:
        job = estimator(session, bucket).fit(inputs=bucket.url("data/train/"), wait=False, job_name=unique("fit"))
        assert isinstance(job, TrainingJob) and job.job_id.isdigit() and job.version_id.isdigit()
        info = job.get_job_info()
        assert info["is_success"] is True and info["engine_name"] == "PyTorch"
        assert info["engine_version"] == "PyTorch-1.0.0-python3.6" and info["spec_id"] == 1
        assert info["parameter"] == [{"label": "lr", "value": "0.01"}, {"label": "classes", "value": "10"}]
        assert info["job_desc"] == "integration test" and info["data_url"] == bucket.url("data/train/")
        assert job.wait(timeout=30) is S.COMPLETED

    def test_wait_true_streams_logs(self, session: Session, bucket: Any, capsys: Any) -> None:
        job = estimator(session, bucket).fit(inputs=bucket.url("data/"), wait=True)
        assert job.status is S.COMPLETED and job.job_name.startswith("job-")
        out = capsys.readouterr().out
        assert "epoch 2 loss" in out and f"{job.job_name}" in out and "ended COMPLETED" in out

    def test_obs_scheme_and_int_ids(self, session: Session, bucket: Any) -> None:
        job = estimator(session, bucket).fit(inputs="obs:/" + bucket.url("data/"))
        bound = Estimator(session, job_id=int(job.job_id), version_id=int(job.version_id))
        assert bound.get_job_info()["data_url"] == bucket.url("data/")
        job.delete_job(force=True)

    def test_invalid_arguments_send_nothing(self, session: Session, bucket: Any) -> None:
        est = estimator(session, bucket)
        for kwargs in ({}, {"inputs": "/b/", "dataset_id": "x", "dataset_version_id": "y"}, {"dataset_id": "x"},
                       {"inputs": "/b/", "job_name": "bad name!"}, {"inputs": "/b/", "job_name": "x" * 65}):  # fmt: skip
            with pytest.raises(ValueError):
                est.fit(**kwargs)
        with pytest.raises(ValueError, match="available"):
            estimator(session, bucket, train_instance_type="modelarts.vm.tpu.huge").fit(inputs=bucket.url("d/"))

    def test_duplicate_name(self, session: Session, returning: Session, bucket: Any) -> None:
        name = unique("dup")
        estimator(session, bucket).fit(inputs=bucket.url("data/"), job_name=name)
        with pytest.raises(BadRequestError) as info:
            estimator(session, bucket).fit(inputs=bucket.url("data/"), job_name=name)
        assert name in info.value.error_msg
        result = estimator(returning, bucket).fit(inputs=bucket.url("data/"), job_name=name)
        assert result == {"is_success": False, "error_code": info.value.error_code, "error_msg": info.value.error_msg}


class TestJobList:
    @pytest.fixture
    def three(self, session: Session, bucket: Any) -> Iterator[List[TrainingJob]]:
        tag = unique("lst").replace("-", "")
        jobs = [estimator(session, bucket, script).fit(inputs=bucket.url("d/"), job_name=f"{tag}_{letter}")
                for letter, script in (("b", QUICK), ("a", SLEEPER), ("c", QUICK))]  # fmt: skip
        for job in jobs:
            job.refresh()
        jobs[0].wait(timeout=30)
        jobs[2].wait(timeout=30)
        yield jobs
        for job in jobs:
            job.delete_job(force=True, missing_ok=True)

    def test_search_sort_page(self, session: Session, three: List[TrainingJob]) -> None:
        tag = three[0].job_name.split("_")[0]
        asc = Estimator.get_job_list(modelarts_session=session, search_content=tag, sortBy="job_name", order="asc")
        assert asc["is_success"] is True and asc["job_total_count"] == 3
        assert [j["job_name"] for j in asc["jobs"]] == [f"{tag}_a", f"{tag}_b", f"{tag}_c"]
        assert {"job_count_limit", "quotas"} <= set(asc)
        desc = Estimator.get_job_list(session, search_content=tag, sort_by="job_name", order="desc")
        assert [j.job_name for j in desc["jobs"]] == [f"{tag}_c", f"{tag}_b", f"{tag}_a"]
        page1 = Estimator.get_job_list(session, search_content=tag, sortBy="job_name", order="asc", per_page=2, page=1)
        page2 = Estimator.get_job_list(session, search_content=tag, sortBy="job_name", order="asc", per_page=2, page=2)
        assert [j["job_name"] for j in page1["jobs"] + page2["jobs"]] == [j["job_name"] for j in asc["jobs"]]
        assert len(page1["jobs"]) == 2 and page1["job_total_count"] == 3

    def test_status_filter_and_row_types(self, session: Session, three: List[TrainingJob]) -> None:
        tag = three[0].job_name.split("_")[0]
        done = Estimator.get_job_list(session, status=S.COMPLETED, search_content=tag)
        assert sorted(j["job_name"] for j in done["jobs"]) == [f"{tag}_b", f"{tag}_c"]
        row = done["jobs"][0]
        assert isinstance(row["job_id"], int) and isinstance(row["create_time"], int) and row["status"] == 10
        assert row.job_id == row["job_id"] and row.version_count == 1
        three[1].refresh()
        live = Estimator.get_job_list(session, status=str(int(three[1].status)), search_content=tag)
        assert [j["job_name"] for j in live["jobs"]] == [three[1].job_name]


class TestCatalogues:
    def test_flavors_frameworks_algorithms(self, session: Session) -> None:
        assert "modelarts.vm.cpu.2u" in Estimator.get_train_instance_types(modelarts_session=session)
        frameworks = Estimator.get_framework_list(modelarts_session=session)
        assert {"framework_type": "PyTorch", "framework_version": "PyTorch-1.0.0-python3.6"} in frameworks
        algorithms = Estimator.get_built_in_algorithms(modelarts_session=session)
        assert algorithms["is_success"] is True and algorithms["models"]

    def test_built_in_algorithm_by_name(self, session: Session, bucket: Any) -> None:
        name = Estimator.get_built_in_algorithms(session)["models"][0]["model_name"]
        est = estimator(session, bucket, model_name=name, code_dir=None, boot_file=None, framework_type=None,
                        framework_version=None)  # fmt: skip
        job = est.fit(inputs=bucket.url("data/"))
        assert job.get_job_info()["is_success"] is True
        job.delete_job(force=True)


class TestFailures:
    def test_unknown_job_is_bad_request_2775(self, session: Session) -> None:
        est = Estimator(session, job_id="999999999", version_id="999999999")
        for call in (est.get_job_info, est.stop_job_version, est.delete_job_version, est.get_job_log_file_list,
                     est.get_job_version_info, est.delete_job):  # fmt: skip
            with pytest.raises(BadRequestError) as info:
                call()
            assert info.value.status_code == 400 and info.value.error_code == "ModelArts.2775"

    def test_return_mode_gives_documented_dicts(self, returning: Session, bucket: Any) -> None:
        est = Estimator(returning, job_id="999999999", version_id="999999999")
        for call in (est.get_job_info, est.stop_job_version, est.delete_job_version, est.get_job_log_file_list,
                     est.get_job_version_info, est.delete_job, lambda: est.get_job_log(log_file="x.0"),
                     lambda: est.update_job_description(description="d"),
                     lambda: Estimator.delete_job_by_id(returning, "999999999")):  # fmt: skip
            result = call()
            assert result["is_success"] is False and result["error_code"] == "ModelArts.2775"
            assert set(result) == {"is_success", "error_code", "error_msg"}
        assert Estimator.delete_job_by_id(returning, "999999999", missing_ok=True) == {"is_success": True}

    def test_return_mode_running_delete_and_bad_log(self, returning: Session, bucket: Any) -> None:
        job = estimator(returning, bucket, SLEEPER).fit(inputs=bucket.url("data/"))
        result = job.delete_job()
        assert result["is_success"] is False and result["error_code"] == "ModelArts.2878"
        assert "force=True" in result["error_msg"]
        assert job.get_job_log(log_file="job-nosuch.0")["is_success"] is False
        with pytest.raises(ValueError):
            job.get_job_log(log_file="")
        assert job.delete_job(force=True) == {"is_success": True}

    def test_conflict_raises_typed(self, session: Session, bucket: Any) -> None:
        job = estimator(session, bucket, SLEEPER).fit(inputs=bucket.url("data/"))
        with pytest.raises(ConflictError) as info:
            Estimator(session, job_id=job.job_id).delete_job()
        assert info.value.status_code == 409 and "stop it first" in info.value.error_msg
        assert Estimator(session, job_id=job.job_id).delete_job(force=True) == {"is_success": True}
