"""``modelarts.estimatorV2`` and ``TrainingJobV2`` over a scripted fake v2 session (no network)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

import pytest

from modelarts import rules
from modelarts.estimatorV2 import Estimator, EstimatorV2Backend
from modelarts.exceptions import ConflictError, JobFailedError, WaitTimeoutError, error_from_response
from modelarts.job import TrainingJob
from modelarts.job_v2 import TrainingJobV2
from modelarts.protocols import ManagedJob
from modelarts.states import JobState
from modelarts.train_params import InputData, OutputData, TrainingFiles

JOB_ID = "3f1d4a52-5f0e-4a8c-9a53-1f2b3c4d5e6f"


def _job(phase: str, secondary: Optional[str] = None) -> Dict[str, Any]:
    return {
        "kind": "job",
        "metadata": {"id": JOB_ID, "name": "demo", "create_time": 1_700_000_000_000, "description": "d"},
        "status": {"phase": phase, "secondary_phase": secondary or phase, "duration": 1200},
    }


def _fail(status: int, code: str) -> Exception:
    body = {"error_code": code, "error_msg": f"failed with {code}", "error_solution": "do something"}
    return error_from_response(status, json.dumps(body), {"X-Request-Id": "req-1"})


class FakeSession:
    """Answers from a script keyed by (method, path suffix); records every call."""

    project_id = "proj"

    def __init__(self, errors: str = "raise") -> None:
        self.errors = errors
        self.calls: List[Tuple[str, str, Any]] = []
        self.phases: List[str] = []
        self.answers: Dict[Tuple[str, str], Any] = {}

    def request(self, method: str, path: str, *, params: Any = None, json: Any = None, idempotent: Any = None) -> Any:
        suffix = path.split("/v2/proj", 1)[1]
        self.calls.append((method, suffix, json))
        if method == "GET" and suffix == f"/training-jobs/{JOB_ID}" and self.phases:
            phase = self.phases.pop(0) if len(self.phases) > 1 else self.phases[0]
            return _job(phase)
        answer = self.answers.get((method, suffix))
        if isinstance(answer, Exception):
            raise answer
        return answer

    def sent(self, method: str) -> List[Tuple[str, str, Any]]:
        return [call for call in self.calls if call[0] == method]


def _estimator(session: Any, **overrides: Any) -> Estimator:
    params: Dict[str, Any] = dict(
        session=session,
        training_files=TrainingFiles(code_dir="obs://bucket/src", boot_file="train.py"),
        outputs=[OutputData(obs_path="obs://bucket/out/", name="train_url")],
        parameters=[{"name": "epochs", "value": 3}],
        framework_type="PyTorch", framework_version="PyTorch-1.4.0-python3.6",
        train_instance_type="modelarts.vm.cpu.2u", train_instance_count=2,
        log_url="obs://bucket/log/", env_variables={"A": "1"}, working_dir="/work",
    )  # fmt: skip
    params.update(overrides)
    return Estimator(**params)


def test_fit_sends_the_documented_job_body() -> None:
    session = FakeSession()
    session.answers[("POST", "/training-jobs")] = _job("Creating")
    job = _estimator(session).fit(inputs=[InputData(obs_path="obs://bucket/data/", name="data_url")], job_name="demo")
    assert isinstance(job, TrainingJobV2) and job.status is JobState.INIT and job.phase == "Creating"
    (_, path, body), = session.sent("POST")
    assert path == "/training-jobs"
    assert body["metadata"] == {"name": "demo", "description": ""}
    alg = body["algorithm"]
    assert alg["code_dir"] == "obs://bucket/src" and alg["boot_file"] == "obs://bucket/src/train.py"
    assert alg["parameters"] == [{"name": "epochs", "value": "3"}] and alg["environments"] == {"A": "1"}
    assert alg["inputs"] == [{"name": "data_url", "remote": {"obs": {"obs_url": "obs://bucket/data/"}}}]
    assert alg["outputs"] == [{"name": "train_url", "remote": {"obs": {"obs_url": "obs://bucket/out/"}}}]
    assert alg["engine"] == {"engine_name": "PyTorch", "engine_version": "PyTorch-1.4.0-python3.6"}
    assert body["spec"] == {"resource": {"node_count": 2, "flavor_id": "modelarts.vm.cpu.2u"},
                            "log_export_path": {"obs_url": "obs://bucket/log/"}}  # fmt: skip


def test_custom_image_body() -> None:
    session = FakeSession()
    session.answers[("POST", "/training-jobs")] = _job("Creating")
    _estimator(session, training_files=None, framework_type=None, user_image_url="img:1", user_command="python x.py").fit(
        job_name="demo"
    )
    body = session.sent("POST")[0][2]
    assert body["algorithm"]["engine"] == {"image_url": "img:1"} and body["algorithm"]["command"] == "python x.py"


def test_terminate_on_an_ended_job_is_not_an_error_and_reports_the_final_state() -> None:
    session = FakeSession()
    session.phases = ["Completed"]
    session.answers[("POST", f"/training-jobs/{JOB_ID}/actions")] = _fail(409, "ModelArts.2796")
    answer = TrainingJobV2(session, JOB_ID).control_job()
    assert answer["status"]["phase"] == "Completed"
    # The terminate goes first (the 409 already says the job has ended), then one look.
    assert [(call[0], call[1]) for call in session.calls] == [
        ("POST", f"/training-jobs/{JOB_ID}/actions"), ("GET", f"/training-jobs/{JOB_ID}")]


def test_terminate_of_a_running_job_is_one_post_and_no_precheck() -> None:
    session = FakeSession()
    session.answers[("POST", f"/training-jobs/{JOB_ID}/actions")] = _job("Terminating")
    answer = TrainingJobV2(session, JOB_ID).stop()
    assert answer["status"]["phase"] == "Terminating"
    assert [call[0] for call in session.calls] == ["POST"]


def test_terminate_racing_the_end_is_not_an_error() -> None:
    session = FakeSession()
    session.phases = ["Completed"]  # it ended between the user's click and the terminate
    session.answers[("POST", f"/training-jobs/{JOB_ID}/actions")] = _fail(409, "ModelArts.2796")
    answer = Estimator.control_job_by_id(session=session, job_id=JOB_ID)
    assert answer["status"]["phase"] == "Completed"
    assert session.sent("POST")[0][2] == {"action_type": "terminate"}


def test_terminate_conflict_on_a_live_job_raises() -> None:
    session = FakeSession()
    session.phases = ["Running"]
    session.answers[("POST", f"/training-jobs/{JOB_ID}/actions")] = _fail(409, "ModelArts.2796")
    with pytest.raises(ConflictError):
        TrainingJobV2(session, JOB_ID).stop()


def test_stop_wait_polls_until_terminated() -> None:
    session = FakeSession()
    session.phases = ["Running", "Terminating", "Terminating", "Terminated"]
    session.answers[("POST", f"/training-jobs/{JOB_ID}/actions")] = _job("Terminating")
    job = TrainingJobV2(session, JOB_ID)
    answer = job.stop(wait=True, timeout=10, poll=0.001)
    assert answer["status"]["phase"] == "Terminated" and job.status is JobState.KILLED


def test_wait_timeout_and_failure_are_typed() -> None:
    session = FakeSession()
    session.phases = ["Running"]
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(WaitTimeoutError):
        TrainingJobV2(session, JOB_ID).wait(timeout=3, poll=1, sleep=sleep, clock=lambda: now[0])
    session.phases = ["Failed"]
    with pytest.raises(JobFailedError) as failed:
        TrainingJobV2(session, JOB_ID).wait(timeout=3, poll=1, sleep=sleep, clock=lambda: now[0])
    assert failed.value.status is JobState.FAILED
    session.phases = ["Terminated"]
    assert TrainingJobV2(session, JOB_ID).wait(timeout=3, poll=1, sleep=sleep, clock=lambda: now[0]) is JobState.KILLED
    with pytest.raises(JobFailedError):
        TrainingJobV2(session, JOB_ID).wait(timeout=3, poll=1, stopped_ok=False, sleep=sleep, clock=lambda: now[0])


def test_delete_rules() -> None:
    session = FakeSession()
    session.answers[("DELETE", f"/training-jobs/{JOB_ID}")] = _fail(409, "ModelArts.2878")
    with pytest.raises(ConflictError, match="force=True"):
        TrainingJobV2(session, JOB_ID).delete_job()
    session.answers[("DELETE", f"/training-jobs/{JOB_ID}")] = _fail(400, "ModelArts.2775")
    assert TrainingJobV2(session, JOB_ID).delete_job(missing_ok=True) is None
    returning = FakeSession(errors="return")
    returning.answers[("DELETE", f"/training-jobs/{JOB_ID}")] = _fail(400, "ModelArts.2775")
    answer = Estimator.delete_job_by_id(session=returning, job_id=JOB_ID)
    assert answer == {"is_success": False, "error_code": "ModelArts.2775",
                      "error_msg": "failed with ModelArts.2775", "error_solution": "do something"}  # fmt: skip


def test_force_delete_terminates_waits_then_deletes() -> None:
    session = FakeSession()
    session.phases = ["Running", "Terminating", "Terminated"]
    session.answers[("POST", f"/training-jobs/{JOB_ID}/actions")] = _job("Terminating")
    assert TrainingJobV2(session, JOB_ID).delete_job(force=True, timeout=10, poll=0.001) is None
    assert [call[0] for call in session.calls if call[0] != "GET"] == ["POST", "DELETE"]


def test_get_job_list_body_and_argument_checks() -> None:
    session = FakeSession()
    session.answers[("POST", "/training-job-searches")] = {"total": 0, "count": 0, "items": []}
    filters = [{"key": "name", "operator": "like", "value": ["demo"]}]
    Estimator.get_job_list(session=session, offset=5, limit=50, order="asc", group_by="phase", filters=filters)
    assert session.sent("POST")[0][2] == {"offset": 5, "limit": 50, "sort_by": "create_time", "order": "asc",
                                          "group_by": "phase", "filters": filters}  # fmt: skip
    for bad in ({"limit": 0}, {"limit": rules.V2_SEARCH_LIMIT.high + 1}, {"offset": -1}, {"order": "up"},
                {"offset": rules.V2_SEARCH_OFFSET.high + 1}, {"sort_by": "job_name"}):
        with pytest.raises(ValueError):
            Estimator.get_job_list(session=session, **bad)


@pytest.mark.parametrize(
    "change",
    [
        {"training_files": None, "framework_type": None},
        {"framework_type": None},
        {"train_instance_type": None},
        {"train_instance_count": True},
        {"log_url": "/bucket/log/"},
        {"parameters": [{"label": "x", "value": 1}]},
        {"outputs": ["obs://bucket/out/"]},
        {"env_variables": {"A": 1}},
    ],
)
def test_bad_constructor_arguments(change: Dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        _estimator(FakeSession(), **change)


@pytest.mark.parametrize("job_id", ["123", "", None, 7, "not-a-uuid"])
def test_job_ids_are_uuids(job_id: Any) -> None:
    with pytest.raises(ValueError):
        TrainingJobV2(FakeSession(), job_id)


def test_train_params() -> None:
    assert TrainingFiles(code_dir="obs://b/src/", boot_file="obs://b/src/a/t.py").boot_file_url == "obs://b/src/a/t.py"
    assert OutputData(obs_path="obs://b/o/", name="out", local_path="/cache").to_api()["local_dir"] == "/cache"
    for bad in (lambda: TrainingFiles(code_dir="obs://b/src/", boot_file="../x.py"),
                lambda: InputData(obs_path="s3://b/d/"), lambda: InputData(obs_path="obs://b/d/", name="")):  # fmt: skip
        with pytest.raises(ValueError):
            bad()


def test_both_job_kinds_implement_the_protocol() -> None:
    v1 = TrainingJob(FakeSession(), job_id="1", version_id="2", job_name="x")
    assert isinstance(v1, ManagedJob) and isinstance(TrainingJobV2(FakeSession(), JOB_ID), ManagedJob)


def test_backend_presents_v2_jobs_as_list_rows() -> None:
    session = FakeSession()
    session.answers[("POST", "/training-job-searches")] = {"total": 7, "count": 1, "items": [_job("Running")]}
    answer = EstimatorV2Backend(session).list_jobs(status=JobState.RUNNING, per_page=5, page=2, search_content="de")
    body = session.sent("POST")[0][2]
    assert body["offset"] == 5 and body["limit"] == 5
    assert {"key": "phase", "operator": "eq", "value": ["Running"]} in body["filters"]
    assert {"key": "name", "operator": "like", "value": ["de"]} in body["filters"]
    assert answer["job_total_count"] == 7
    (row,) = answer["jobs"]
    assert row["job_id"] == JOB_ID and row["status"] is JobState.RUNNING and row["duration"] == 1200


def test_wait_with_logs_prints_each_new_line_once(capsys: Any) -> None:
    session = FakeSession()
    session.phases = ["Running", "Running", "Running", "Completed"]
    previews = iter([
        {"content": "", "current_size": 0, "full_size": 0},
        {"content": "a\nb", "current_size": 3, "full_size": 3},
        {"content": "a\nb\nc\n", "current_size": 6, "full_size": 6},
        {"content": "c\nd\n", "current_size": 4, "full_size": 8},  # only the tail fits in a preview
        {"content": "c\nd\n", "current_size": 4, "full_size": 8},
    ])  # fmt: skip
    path = f"/training-jobs/{JOB_ID}/tasks/worker-0/logs/preview"
    original = session.request

    def request(method: str, full: str, **kwargs: Any) -> Any:
        if full.endswith(path):
            return next(previews)
        return original(method, full, **kwargs)

    session.request = request  # type: ignore[method-assign]
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    state = TrainingJobV2(session, JOB_ID).wait(timeout=60, poll=1, progress="text", logs=True, sleep=sleep,
                                                clock=lambda: now[0])  # fmt: skip
    assert state is JobState.COMPLETED
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if len(line) == 1] == ["a", "b", "c", "d"]
    assert any("RUNNING" in line for line in out) and "ended COMPLETED" in out[-1]


def test_both_list_backends_implement_the_backend_protocol() -> None:
    from modelarts.protocols import JobListBackend
    from modelarts.widgets.job_list import EstimatorBackend

    assert isinstance(EstimatorBackend(FakeSession()), JobListBackend)
    assert isinstance(EstimatorV2Backend(FakeSession()), JobListBackend)


def test_an_unknown_phase_is_unknown_not_final() -> None:
    session = FakeSession()
    session.phases = ["Hibernating"]
    job = TrainingJobV2(session, JOB_ID)
    assert job.refresh() is JobState.UNKNOWN and job.phase == "Hibernating" and not job.status.is_terminal
