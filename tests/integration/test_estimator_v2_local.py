"""``modelarts.estimatorV2`` against the local service: create, list, terminate, delete, wait, widgets."""

from __future__ import annotations

import threading
from typing import Any, Iterator

import pytest
from estimator_helpers import FAILING, QUICK, SLEEPER, sessions, unique
from polling import wait_for

from modelarts.estimatorV2 import Estimator, EstimatorV2Backend
from modelarts.exceptions import APIError, ConflictError, JobFailedError, WaitTimeoutError
from modelarts.job_v2 import TrainingJobV2
from modelarts.protocols import ManagedJob
from modelarts.states import JobState
from modelarts.train_params import InputData, OutputData, TrainingFiles


@pytest.fixture(autouse=True)
def fast_v2_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """v2 jobs poll every 0.1 s instead of the documented 5 s."""
    monkeypatch.setattr(TrainingJobV2, "poll_interval", 0.1)


@pytest.fixture
def returning(local_service: Any) -> Iterator[Any]:
    yield from sessions(local_service, errors="return")


def _estimator(session: Any, bucket: Any, script: str, **overrides: Any) -> Estimator:
    bucket.write("src/train.py", script)
    params: dict = dict(
        session=session,
        training_files=TrainingFiles(code_dir=f"obs://{bucket.name}/src/", boot_file="train.py"),
        outputs=[OutputData(obs_path=f"obs://{bucket.name}/output/", name="train_url")],
        parameters=[{"name": "lr", "value": 0.01}, {"name": "amp", "value": True}],
        framework_type="PyTorch", framework_version="PyTorch-1.4.0-python3.6",
        train_instance_type="modelarts.vm.cpu.2u", train_instance_count=1,
        log_url=f"obs://{bucket.name}/log/", env_variables={"STAGE": "test"}, working_dir="/home/ma-user",
    )  # fmt: skip
    params.update(overrides)
    return Estimator(**params)


def _inputs(bucket: Any) -> list:
    return [InputData(obs_path=f"obs://{bucket.name}/data/", name="data_url")]


#: Reads its input and writes an output, each through the local directory its argument names.
IO_SCRIPT = """import argparse, os
parser = argparse.ArgumentParser()
parser.add_argument("--data_url"); parser.add_argument("--train_url")
args, _ = parser.parse_known_args()
print("STAGE", os.environ["STAGE"])
text = open(os.path.join(args.data_url, "input.txt")).read()
with open(os.path.join(args.train_url, "model.txt"), "w") as out:
    out.write(text.upper())
"""


@pytest.mark.usefixtures("fast_polls")
def test_fit_wait_completes_with_arguments_in_the_log(session: Any, bucket: Any) -> None:
    bucket.write("data/input.txt", "weights")
    job = _estimator(session, bucket, QUICK + IO_SCRIPT).fit(
        inputs=_inputs(bucket), job_name=unique("v2-quick"), wait=True, timeout=60
    )
    assert isinstance(job, TrainingJobV2) and isinstance(job, ManagedJob)
    assert job.status is JobState.COMPLETED and job.phase == "Completed"
    content = job.get_job_log()["content"]
    assert "--lr=0.01" in content and "--amp=true" in content and "STAGE test" in content
    # Inputs are staged into the job's own directory and outputs copied back to OBS when it ends.
    assert "/inputs/data_url/" in content and "/outputs/train_url/" in content and str(bucket.path) not in content
    assert (bucket.path / "output" / "model.txt").read_text() == "WEIGHTS"
    info = job.get_job_info()
    assert info["metadata"]["id"] == job.job_id and info["algorithm"]["working_dir"] == "/home/ma-user"
    assert Estimator.delete_job_by_id(session=session, job_id=job.job_id) is None


@pytest.mark.usefixtures("fast_polls")
def test_terminate_is_idempotent_and_delete_needs_force(session: Any, bucket: Any) -> None:
    job = _estimator(session, bucket, SLEEPER).fit(inputs=_inputs(bucket), job_name=unique("v2-sleep"))
    wait_for(lambda: job.refresh() is JobState.RUNNING, timeout=20)
    with pytest.raises(ConflictError, match="force=True"):
        job.delete_job()
    answer = job.control_job(wait=True, timeout=30)
    assert answer["status"]["phase"] == "Terminated" and job.status is JobState.KILLED
    again = Estimator.control_job_by_id(session=session, job_id=job.job_id)
    assert again["status"]["phase"] == "Terminated"
    assert job.delete_job() is None
    assert job.delete_job(missing_ok=True) is None
    with pytest.raises(APIError) as gone:
        job.delete_job()
    assert gone.value.error_code == "ModelArts.2775"


@pytest.mark.usefixtures("fast_polls")
def test_force_delete_of_a_running_job(session: Any, bucket: Any) -> None:
    job = _estimator(session, bucket, SLEEPER).fit(inputs=_inputs(bucket), job_name=unique("v2-force"))
    wait_for(lambda: job.refresh() is JobState.RUNNING, timeout=20)
    assert job.delete_job(force=True, timeout=30) is None
    with pytest.raises(APIError) as gone:
        job.refresh()
    assert gone.value.error_code == "ModelArts.2775"


@pytest.mark.usefixtures("fast_polls")
def test_wait_raises_typed_errors(session: Any, bucket: Any) -> None:
    failing = _estimator(session, bucket, FAILING).fit(inputs=_inputs(bucket), job_name=unique("v2-fail"))
    with pytest.raises(JobFailedError) as failed:
        failing.wait(timeout=60)
    assert failed.value.status is JobState.FAILED and failing.phase == "Failed"
    sleeper = _estimator(session, bucket, SLEEPER).fit(inputs=_inputs(bucket), job_name=unique("v2-slow"))
    with pytest.raises(WaitTimeoutError):
        sleeper.wait(timeout=0.2, poll=0.05)
    sleeper.delete_job(force=True, timeout=30)
    failing.delete_job()


@pytest.mark.usefixtures("fast_polls")
def test_get_job_list_filters_and_pages(session: Any, bucket: Any) -> None:
    prefix = unique("v2-list")
    estimator = _estimator(session, bucket, QUICK)
    jobs = [estimator.fit(inputs=_inputs(bucket), job_name=f"{prefix}-{i}", wait=True, timeout=60) for i in range(3)]
    like = [{"key": "name", "operator": "like", "value": [prefix]}]
    page = Estimator.get_job_list(session=session, offset=0, limit=2, sort_by="create_time", order="asc", filters=like)
    assert page["total"] == 3 and page["count"] == 2
    assert [item["metadata"]["id"] for item in page["items"]] == [job.job_id for job in jobs[:2]]
    group = Estimator.get_job_list(session=session, group_by="phase", filters=like)
    assert group["group_by"] == "phase" and group["total"] == 3
    with pytest.raises(ValueError):
        Estimator.get_job_list(session=session, limit=51)
    for job in jobs:
        job.delete_job()


def test_errors_return_mode_gives_the_documented_failure_dict(returning: Any, bucket: Any) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    answer = Estimator.delete_job_by_id(session=returning, job_id=missing)
    assert answer["is_success"] is False and answer["error_code"] == "ModelArts.2775"
    assert answer["error_msg"] and answer["error_solution"]
    bad = _estimator(returning, bucket, QUICK, train_instance_type="no.such.flavor").fit(
        inputs=_inputs(bucket), job_name=unique("v2-bad")
    )
    assert bad["is_success"] is False and bad["error_code"] == "ModelArts.0104"
    assert Estimator.delete_job_by_id(session=returning, job_id=missing, missing_ok=True) is None


def test_bad_arguments_raise_before_any_request(session: Any, bucket: Any) -> None:
    with pytest.raises(ValueError):
        TrainingFiles(code_dir="/bucket/src/", boot_file="train.py")
    with pytest.raises(ValueError):
        TrainingFiles(code_dir="obs://bucket/src/", boot_file="obs://other/train.py")
    with pytest.raises(ValueError):
        InputData(obs_path="obs://bucket/data/", name="bad name")
    with pytest.raises(ValueError):
        _estimator(session, bucket, QUICK, train_instance_count=0)
    with pytest.raises(ValueError):
        _estimator(session, bucket, QUICK).fit(inputs=["obs://bucket/data/"], job_name="x")
    with pytest.raises(ValueError):
        Estimator.delete_job_by_id(session=session, job_id="123")


def test_catalogue(session: Any) -> None:
    flavors = Estimator.get_train_instance_types(session=session)
    assert "modelarts.vm.cpu.2u" in [flavor["flavor_id"] for flavor in flavors["flavors"]]
    engines = Estimator.get_framework_list(session=session)
    assert ("PyTorch", "PyTorch-1.4.0-python3.6") in [(e["engine_name"], e["engine_version"]) for e in engines["items"]]


@pytest.mark.usefixtures("fast_polls")
def test_widgets_show_and_drive_a_v2_job(session: Any, bucket: Any) -> None:
    from modelarts.widgets import JobControls, JobList

    def ours() -> list:  # this test's widget threads; other tests' widgets may still be polling
        return [t for t in threading.enumerate()
                if t.name.startswith(("modelarts-refresh", "modelarts-job")) and t not in earlier]  # fmt: skip

    earlier = set(threading.enumerate())
    job = _estimator(session, bucket, SLEEPER).fit(inputs=_inputs(bucket), job_name=unique("v2-widget"))
    wait_for(lambda: job.refresh() is JobState.RUNNING, timeout=20)
    controls = JobControls(job, interval=0.05, autostart=False)
    try:
        assert "version" not in controls.header.value and job.job_id in controls.header.value
        controls.stop_button.click()
        assert controls.join(30)
        assert controls.state is JobState.KILLED
    finally:
        controls.close()
    bundle = job._repr_mimebundle_()  # the job has ended: its display starts no refresher
    assert bundle["text/plain"].startswith("TrainingJobV2(") and len(bundle) > 1
    listing = JobList(session, search_content=job.job_name, autostart=False, backend=EstimatorV2Backend(session))
    try:
        listing.reload()
        assert listing.total == 1
    finally:
        listing.close()
    job.delete_job()
    wait_for(lambda: not ours(), timeout=20)
