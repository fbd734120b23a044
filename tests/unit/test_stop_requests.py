"""``stop`` on the wire: POST the stop, then poll; counted request by request with ``responses``.

A stop used to read the state first (a pre-check the service's 409 already
answers) and then read it twice in a row; these tests hold the exact sequence.
"""

from __future__ import annotations

from typing import Any, Iterator, List, Tuple

import pytest
import responses

from modelarts import _lifecycle
from modelarts.exceptions import ConflictError
from modelarts.job import TrainingJob
from modelarts.session import Session
from modelarts.states import JobState

BASE = "https://modelarts.test"
VERSION = f"{BASE}/v1/proj1/training-jobs/10/versions/20"


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def make_session() -> Session:
    Session.set_endpoint(iam_endpoint=BASE, obs_endpoint=BASE, modelarts_endpoint=BASE, region_name="cn-north-4")
    return Session(access_key="AK", secret_key="SK", project_id="proj1", region_name="cn-north-4", retries=0)


def detail(state: JobState) -> Any:
    return {"is_success": True, "job_id": 10, "version_id": 20, "job_name": "j", "status": state.value}


def sent(http: responses.RequestsMock) -> List[Tuple[str, str]]:
    return [(c.request.method, c.request.url.replace(VERSION, "")) for c in http.calls]


def states(http: responses.RequestsMock, *answers: JobState) -> None:
    for state in answers:
        http.get(VERSION, json=detail(state))


def test_stop_and_wait_posts_then_polls(http: responses.RequestsMock) -> None:
    http.post(f"{VERSION}/stop", json={"is_success": True})
    states(http, JobState.KILLING, JobState.KILLED)
    job = TrainingJob(make_session(), "10", "20")
    assert job.stop(wait=True, timeout=30, poll=0.01) == {"is_success": True, "status": JobState.KILLED}
    assert sent(http) == [("POST", "/stop"), ("GET", ""), ("GET", "")]
    assert job.status is JobState.KILLED


def test_stop_without_wait_posts_then_reads_the_state_once(http: responses.RequestsMock) -> None:
    http.post(f"{VERSION}/stop", json={"is_success": True})
    states(http, JobState.KILLING)
    assert TrainingJob(make_session(), "10", "20").stop() == {"is_success": True, "status": JobState.KILLING}
    assert sent(http) == [("POST", "/stop"), ("GET", "")]


@pytest.mark.parametrize("wait", [False, True])
@pytest.mark.parametrize("final", [JobState.COMPLETED, JobState.FAILED, JobState.KILLED])
def test_stop_of_an_ended_job_reports_its_state(http: responses.RequestsMock, wait: bool, final: JobState) -> None:
    """Idempotent: the service's 409 is explained by one read, and is no error."""
    http.post(f"{VERSION}/stop", status=409, json={"is_success": False, "error_code": "ModelArts.2796",
                                                   "error_message": "The job cannot be terminated."})  # fmt: skip
    states(http, final)
    assert TrainingJob(make_session(), "10", "20").stop(wait=wait) == {"is_success": True, "status": final}
    assert sent(http) == [("POST", "/stop"), ("GET", "")]


def test_a_409_from_a_live_job_is_raised(http: responses.RequestsMock) -> None:
    http.post(f"{VERSION}/stop", status=409, json={"is_success": False, "error_code": "ModelArts.2796",
                                                   "error_message": "The job cannot be terminated."})  # fmt: skip
    states(http, JobState.RUNNING)
    with pytest.raises(ConflictError, match="2796"):
        TrainingJob(make_session(), "10", "20").stop(wait=True)
    assert sent(http) == [("POST", "/stop"), ("GET", "")]


def test_stop_by_ids_waits_the_same_way(http: responses.RequestsMock) -> None:
    """What JobList's Stop calls: the same requests as ``TrainingJob.stop(wait=True)``."""
    http.post(f"{VERSION}/stop", json={"is_success": True})
    states(http, JobState.KILLING, JobState.KILLED)
    result = _lifecycle.stop_and_wait(make_session(), "10", "20", wait=True, timeout=30, poll=0.01)
    assert result == {"is_success": True, "status": JobState.KILLED}
    assert sent(http) == [("POST", "/stop"), ("GET", ""), ("GET", "")]
