"""``Estimator``: the documented surface against an in-memory service."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from estimator_fakes import FakeSession

from modelarts import _lifecycle, rules
from modelarts.estimator import Estimator, TrainingJob
from modelarts.exceptions import BadRequestError, ConflictError
from modelarts.states import JobState

S = JobState
TRAINING = dict(
    framework_type="PyTorch", framework_version="PyTorch-1.0.0-python3.6", code_dir="/bucket/src/",
    boot_file="/bucket/src/train.py", log_url="/bucket/log/", output_path="/bucket/output/",
    hyperparameters=[{"label": "classes", "value": "10"}, {"label": "lr", "value": "0.001"}],
    train_instance_type="modelarts.vm.cpu.2u", train_instance_count=1, job_description="pytorch-sentiment",
)  # fmt: skip


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_lifecycle.Job, "poll_interval", 0.001)


@pytest.fixture
def session() -> FakeSession:
    return FakeSession()


def estimator(session: Any, **overrides: Any) -> Estimator:
    return Estimator(session, **{**TRAINING, **overrides})


class TestConstructor:
    def test_documented_sample(self, session: FakeSession) -> None:
        est = estimator(session)
        assert est.modelarts_session is session and est.session is session
        assert est.train_instance_count == 1 and est.hyperparameters[1] == {"label": "lr", "value": "0.001"}

    def test_session_is_first_positional(self, session: FakeSession) -> None:
        est = Estimator(session, job_id=182626, version_id="278813")
        assert (est.job_id, est.version_id) == ("182626", "278813")

    def test_undocumented_117_kwargs_accepted(self, session: FakeSession) -> None:
        est = estimator(session, pool_id="pool-1", nas_type="efs", nas_share_addr="1.2.3.4:/", nas_mount_path="/mnt",
                        create_version=False, base_job_name="bench", job_type="train", config_path="/c",
                        autosearch_path="/a", environment=object(), config_name="cfg")  # fmt: skip
        assert est.pool_id == "pool-1" and est.base_job_name == "bench"

    @pytest.mark.parametrize(
        "kwargs, match",
        [
            ({"job_id": "12a"}, "job_id"),
            ({"version_id": 1.5}, "version_id"),
            ({"train_instance_count": 0}, "train_instance_count"),
            ({"hyperparameters": {"lr": 1}}, "hyperparameters"),
            ({"hyperparameters": [{"label": "lr"}]}, "label"),
            ({"output_path": "bucket/out"}, "output_path"),
            ({"train_instance_type": 1.5}, "train_instance_type"),
            ({"job_description": "x" * (rules.DESCRIPTION_MAX + 1)}, "job_description"),
            ({"train_instance_type": " "}, "train_instance_type"),
            ({"train_instance_type": 0}, "train_instance_type"),
            ({"framework_type": 5}, "framework_type"),
            ({"pool_id": ["p"]}, "pool_id"),
            ({"create_version": "yes"}, "create_version"),
            ({"base_job_name": "x" * 45}, "base_job_name"),
            ({"base_job_name": "a b"}, "job_name"),
        ],
    )
    def test_bad_arguments(self, session: FakeSession, kwargs: Dict[str, Any], match: str) -> None:
        with pytest.raises(ValueError, match=match):
            estimator(session, **kwargs)
        assert session.calls == []

    def test_obs_scheme_is_converted(self, session: FakeSession) -> None:
        assert estimator(session, output_path="obs://bucket/out/").output_path == "/bucket/out/"

    def test_no_session(self) -> None:
        with pytest.raises(ValueError, match="modelarts_session"):
            Estimator(None, job_id=1)


class TestFit:
    def test_creates_job_with_documented_config(self, session: FakeSession) -> None:
        job = estimator(session).fit(inputs="/bucket/data/train/", wait=False, job_name="my_training_job")
        assert isinstance(job, TrainingJob) and job.job_name == "my_training_job" and job.status is S.INIT
        create = session.calls[-1]
        assert (create.method, create.path, create.idempotent) == ("POST", "/v1/proj1/training-jobs", False)
        assert create.json == {
            "job_name": "my_training_job",
            "job_desc": "pytorch-sentiment",
            "config": {
                "worker_server_num": 1, "app_url": "/bucket/src/", "boot_file_url": "/bucket/src/train.py",
                "train_url": "/bucket/output/", "log_url": "/bucket/log/", "data_url": "/bucket/data/train/",
                "spec_id": 2, "engine_id": 5,
                "parameter": [{"label": "classes", "value": "10"}, {"label": "lr", "value": "0.001"}],
            },
        }  # fmt: skip

    def test_dataset_source(self, session: FakeSession) -> None:
        estimator(session).fit(dataset_id="4AZ", dataset_version_id="UOF", job_name="ds")
        config = session.calls[-1].json["config"]
        assert config["dataset_id"] == "4AZ" and config["dataset_version_id"] == "UOF" and "data_url" not in config

    def test_data_source_list(self, session: FakeSession) -> None:
        estimator(session).fit(data_source={"type": "obs", "data_url": "/b/d/"}, job_name="dsl")
        assert session.calls[-1].json["config"]["data_source"] == [{"type": "obs", "data_url": "/b/d/"}]

    @pytest.mark.parametrize(
        "kwargs, match",
        [
            ({}, "exactly one data source"),
            ({"inputs": "/b/d/", "dataset_id": "a", "dataset_version_id": "b"}, "exactly one"),
            ({"inputs": "/b/d/", "data_source": [{"type": "obs"}]}, "exactly one"),
            ({"dataset_id": "a"}, "together"),
            ({"dataset_version_id": "b"}, "together"),
            ({"inputs": "/b/d/", "job_name": "has space"}, "job_name"),
            ({"inputs": "/b/d/", "job_name": "x" * (rules.JOB_NAME_MAX + 1)}, "job_name"),
            ({"inputs": "/b/d/", "job_name": ""}, "job_name"),
            ({"inputs": "/b/d/", "job_name": "ünï"}, "job_name"),
            ({"inputs": "/b/d/", "job_name": 12}, "job_name"),
            ({"inputs": 5}, "inputs"),
        ],
    )
    def test_invalid_fit_raises_before_any_request(self, session: FakeSession, kwargs: Any, match: str) -> None:
        with pytest.raises(ValueError, match=match):
            estimator(session).fit(**kwargs)
        assert session.calls == []

    def test_random_name_when_omitted(self, session: FakeSession) -> None:
        first = estimator(session).fit(inputs="/b/d/")
        second = estimator(session, base_job_name="bench").fit(inputs="/b/d/")
        assert first.job_name.startswith("job-") and second.job_name.startswith("bench-")
        assert first.job_name != second.job_name

    @pytest.mark.parametrize(
        "overrides, match",
        [
            ({"output_path": None}, "output_path"),
            ({"train_instance_count": None}, "train_instance_count"),
            ({"train_instance_type": None}, "train_instance_type"),
            ({"code_dir": None, "boot_file": None}, "code_dir"),
            ({"boot_file": "/other/train.py"}, "inside code_dir"),
        ],
    )
    def test_incomplete_estimator(self, session: FakeSession, overrides: Any, match: str) -> None:
        with pytest.raises(ValueError, match=match):
            estimator(session, **overrides).fit(inputs="/b/d/")
        assert session.calls == []

    def test_local_training_is_refused(self, session: FakeSession) -> None:
        with pytest.raises(NotImplementedError, match="LocalService"):
            estimator(session, train_instance_type="local").fit(inputs="/b/d/")

    def test_unknown_flavor_and_framework(self, session: FakeSession) -> None:
        with pytest.raises(ValueError, match="modelarts.vm.cpu.2u"):
            estimator(session, train_instance_type="modelarts.vm.gpu.huge").fit(inputs="/b/d/")
        with pytest.raises(ValueError, match="PyTorch/PyTorch-1.0.0"):
            estimator(session, framework_type="MXNet").fit(inputs="/b/d/")
        assert not session.paths("POST")

    def test_spec_id_pool_model_and_custom_image(self, session: FakeSession) -> None:
        estimator(session, train_instance_type=9).fit(inputs="/b/d/", job_name="a")
        assert session.calls[-1].json["config"]["spec_id"] == 9
        estimator(session, pool_id="pool-1", train_instance_type=None).fit(inputs="/b/d/", job_name="b")
        assert "spec_id" not in session.calls[-1].json["config"] and session.calls[-1].json["config"]["pool_id"] == "pool-1"
        estimator(session, model_name="resnet_v1_50", code_dir=None, boot_file=None, framework_type=None).fit(
            inputs="/b/d/", job_name="c"
        )
        assert session.calls[-1].json["config"]["model_id"] == 7
        estimator(session, user_image_url="swr/img:1", user_command="bash run.sh", code_dir=None, boot_file=None,
                  framework_type=None).fit(inputs="/b/d/", job_name="d")  # fmt: skip
        config = session.calls[-1].json["config"]
        assert config["user_image_url"] == "swr/img:1" and "engine_id" not in config

    def test_duplicate_name_raises_typed_error(self, session: FakeSession) -> None:
        estimator(session).fit(inputs="/b/d/", job_name="same")
        with pytest.raises(BadRequestError, match="2751"):
            estimator(session).fit(inputs="/b/d/", job_name="same")

    def test_duplicate_name_in_return_mode(self) -> None:
        session = FakeSession(errors="return")
        estimator(session).fit(inputs="/b/d/", job_name="same")
        result = estimator(session).fit(inputs="/b/d/", job_name="same")
        assert result == {"is_success": False, "error_code": "ModelArts.2751", "error_msg": "Job name:same is existed"}

    def test_wait_streams_progress_and_logs(self, session: FakeSession, capsys: pytest.CaptureFixture[str]) -> None:
        session.service.create_orig = session.service.create  # type: ignore[attr-defined]

        def create(params: Any, body: Any) -> Any:
            answer = session.service.create_orig(params=params, body=body)  # type: ignore[attr-defined]
            v = session.service.version(answer["job_id"], answer["version_id"])
            v.script, v.lines = [S.RUNNING, S.RUNNING, S.FAILED], ["Traceback ...", "ValueError: bad"]
            return answer

        session.service.create = create  # type: ignore[method-assign]
        job = estimator(session).fit(inputs="/b/d/", wait=True, job_name="waited")
        assert job.status is S.FAILED
        out = capsys.readouterr().out
        assert "ValueError: bad" in out and "job waited (id" in out and "ended FAILED" in out


class TestCreateJobVersion:
    def test_documented_call(self, session: FakeSession) -> None:
        job = estimator(session).fit(inputs="/b/d/", job_name="base")
        new = estimator(session).create_job_version(
            job_id=job.job_id, pre_version_id=int(job.version_id), inputs="/bucket/data/train/", wait=False,
            job_desc="create a job version",
        )  # fmt: skip
        body = session.calls[-1].json
        assert session.calls[-1].path == f"/v1/proj1/training-jobs/{job.job_id}/versions"
        assert body["job_desc"] == "create a job version" and body["config"]["pre_version_id"] == int(job.version_id)
        assert isinstance(new, TrainingJob) and new.job_id == job.job_id

    def test_bound_defaults_and_missing_ids(self, session: FakeSession) -> None:
        job = estimator(session).fit(inputs="/b/d/", job_name="base")
        est = estimator(session, job_id=job.job_id, version_id=job.version_id)
        assert est.create_job_version(inputs="/b/d2/").job_id == job.job_id
        with pytest.raises(ValueError, match="pre_version_id"):
            estimator(session).create_job_version(job_id=job.job_id, inputs="/b/d/")
        with pytest.raises(ValueError, match="exactly one"):
            est.create_job_version()


class TestClassMethods:
    def test_get_job_list_query(self, session: FakeSession) -> None:
        session.service.add_job("job-a", S.RUNNING)
        result = Estimator.get_job_list(modelarts_session=session, status=8, per_page=10, page=1, order="asc",
                                        search_content="job", sortBy="create_time")  # fmt: skip
        assert session.calls[-1].params == {"status": "8", "per_page": 10, "page": 1, "sortBy": "create_time",
                                            "order": "asc", "search_content": "job"}  # fmt: skip
        assert result["is_success"] is True and result["job_total_count"] == 1
        row = result["jobs"][0]
        assert row["job_name"] == row.job_name == "job-a" and row.get("status") == 8

    def test_get_job_list_sort_by_spelling_and_defaults(self, session: FakeSession) -> None:
        Estimator.get_job_list(session, sort_by="job_name", status="JOBSTAT_RUNNING")
        assert session.calls[-1].params == {"sortBy": "job_name", "status": "8"}
        Estimator.get_job_list(session)
        assert session.calls[-1].params is None

    @pytest.mark.parametrize(
        "kwargs",
        [{"per_page": 0}, {"per_page": rules.LIST_PER_PAGE.high + 1}, {"page": 0}, {"page": rules.LIST_PAGE.high + 1},
         {"order": "up"}, {"sortBy": "size"}, {"status": 99}, {"search_content": "x" * (rules.SDK_SEARCH_CONTENT_MAX + 1)},
         {"sortBy": "job_name", "sort_by": "status"}],
    )  # fmt: skip
    def test_get_job_list_bad_arguments(self, session: FakeSession, kwargs: Any) -> None:
        with pytest.raises(ValueError):
            Estimator.get_job_list(session, **kwargs)
        assert session.calls == []

    def test_delete_job_by_id(self, session: FakeSession) -> None:
        v = session.service.add_job("x", S.RUNNING)
        with pytest.raises(ConflictError, match="force=True"):
            Estimator.delete_job_by_id(modelarts_session=session, job_id=str(v.job_id))
        assert Estimator.delete_job_by_id(modelarts_session=session, job_id=str(v.job_id), force=True) == {
            "is_success": True
        }
        assert Estimator.delete_job_by_id(session, v.job_id, missing_ok=True) == {"is_success": True}
        with pytest.raises(ValueError):
            Estimator.delete_job_by_id(session, "155500x")

    def test_catalogues(self, session: FakeSession) -> None:
        assert Estimator.get_train_instance_types(modelarts_session=session) == ["modelarts.vm.cpu.2u"]
        assert Estimator.get_framework_list(modelarts_session=session)[1] == {
            "framework_type": "PyTorch", "framework_version": "PyTorch-1.0.0-python3.6"
        }  # fmt: skip
        algos = Estimator.get_built_in_algorithms(modelarts_session=session)
        assert algos["is_success"] is True and algos["models"][0]["model_name"] == "resnet_v1_50"

    def test_return_mode(self) -> None:
        session = FakeSession(errors="return")
        session.service.specs = None  # type: ignore[assignment]
        assert Estimator.delete_job_by_id(session, 5)["error_code"] == "ModelArts.2775"
        session.service.list = lambda **k: (_ for _ in ()).throw(  # type: ignore[method-assign]
            BadRequestError(400, "ModelArts.0104", "bad")
        )
        assert Estimator.get_job_list(session) == {"is_success": False, "error_code": "ModelArts.0104",
                                                   "error_msg": "bad"}  # fmt: skip


class TestBoundEstimator:
    def test_forwards_to_the_version(self, session: FakeSession) -> None:
        v = session.service.add_job("bound", S.RUNNING, (), ["hello"])
        est = Estimator(modelarts_session=session, job_id=str(v.job_id), version_id=str(v.version_id))
        assert est.get_job_info()["job_name"] == "bound"
        assert est.get_job_log_file_list()["log_file_list"] == ["job-bound.0"]
        assert est.get_job_log(log_file="job-bound.0")["content"] == "hello\n"
        assert est.get_job_version_info()["version_count"] == 1
        assert len(est.get_job_version_object_list(is_show=False)) == 1
        assert est.update_job_description(description="d") == {"is_success": True}
        assert est.stop_job_version() == {"is_success": True, "status": S.KILLING}
        assert est.stop_job_version()["status"] in (S.KILLING, S.KILLED)
        assert est.delete_job(force=True) == {"is_success": True}
        assert est.delete_job(missing_ok=True) == {"is_success": True}

    def test_delete_version(self, session: FakeSession) -> None:
        v = session.service.add_job("bound", S.COMPLETED)
        assert Estimator(session, job_id=v.job_id, version_id=v.version_id).delete_job_version() == {"is_success": True}

    def test_unbound_raises_value_error(self, session: FakeSession) -> None:
        est = Estimator(session, job_id=5)
        for call in (est.get_job_info, est.get_job_log_file_list, est.stop_job_version, est.delete_job_version):
            with pytest.raises(ValueError, match="version_id"):
                call()
        with pytest.raises(ValueError, match="job_id"):
            Estimator(session).delete_job()
        assert session.calls == []

    def test_repr(self, session: FakeSession) -> None:
        assert repr(Estimator(session, job_id=5, version_id=6)).startswith("Estimator(job_id='5', version_id='6'")
