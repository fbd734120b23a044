"""Estimator/TrainingJob over a real ``Session`` and HTTP, answered by ``responses``.

These pin the wire format: paths, methods, query strings, bodies, and how each
documented failure answer reaches the caller (typed error, or the documented
dict with ``errors="return"``).
"""

from __future__ import annotations

import json
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from modelarts.estimator import Estimator
from modelarts.exceptions import AuthenticationError, BadRequestError, ConflictError, ServerError
from modelarts.job import TrainingJob
from modelarts.session import Session
from modelarts.states import JobState

BASE = "https://modelarts.test"
JOBS = f"{BASE}/v1/proj1/training-jobs"


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def make_session(errors: str = "raise") -> Session:
    Session.set_endpoint(iam_endpoint=BASE, obs_endpoint=BASE, modelarts_endpoint=BASE, region_name="cn-north-4")
    return Session(access_key="AK", secret_key="SK", project_id="proj1", region_name="cn-north-4", errors=errors,
                   retries=0)  # fmt: skip


def failure(code: str, message: str) -> Any:
    return {"is_success": False, "error_message": message, "error_code": code}


def query(call: Any) -> dict:
    return dict(parse_qsl(urlsplit(call.request.url).query, keep_blank_values=True))


class TestWire:
    def test_documented_paths_and_methods(self, http: responses.RequestsMock) -> None:
        v = f"{JOBS}/10/versions/20"
        detail = {"is_success": True, "job_id": 10, "version_id": 20, "job_name": "j", "status": 10}
        http.get(v, json=detail)
        http.put(f"{JOBS}/10", json={"is_success": True})
        http.get(f"{v}/log/file-names", json={"is_success": True, "log_file_list": ["j.0"]})
        http.get(f"{v}/aom-log", json={"is_success": True, "content": "x", "lines": 1, "start_line": "1",
                                       "end_line": "1"})  # fmt: skip
        http.get(f"{JOBS}/10/versions", json={"is_success": True, "job_id": 10, "versions": [detail]})
        http.delete(v, json={"is_success": True})
        http.delete(f"{JOBS}/10", json={"is_success": True})
        job = TrainingJob(make_session(), "10", 20)
        assert job.get_job_info()["job_name"] == "j"
        assert job.update_job_description(description="new") == {"is_success": True}
        assert json.loads(http.calls[-1].request.body) == {"job_desc": "new"}
        assert job.get_job_log_file_list()["log_file_list"] == ["j.0"]
        assert job.get_job_log(log_file="j.0", start_byte=-1, offset=-100)["content"] == "x"
        assert query(http.calls[-1]) == {"log_file": "j.0", "base_line": "", "lines": "100", "order": "asc"}
        assert job.get_job_version_info()["versions"][0]["status"] == 10
        assert job.delete_job_version() == {"is_success": True}
        assert job.delete_job() == {"is_success": True}
        signed = http.calls[0].request.headers
        assert signed["Authorization"].startswith("SDK-HMAC-SHA256") and signed["X-Project-Id"] == "proj1"

    def test_stop_is_a_bodyless_post(self, http: responses.RequestsMock) -> None:
        v = f"{JOBS}/10/versions/20"
        http.get(v, json={"is_success": True, "job_id": 10, "version_id": 20, "status": 8})
        http.post(f"{v}/stop", json={"is_success": True})
        assert TrainingJob(make_session(), 10, 20).stop()["is_success"] is True
        stop = [c for c in http.calls if c.request.url.endswith("/stop")]
        assert len(stop) == 1 and stop[0].request.method == "POST" and not stop[0].request.body

    def test_job_list_query_string(self, http: responses.RequestsMock) -> None:
        http.get(JOBS, json={"is_success": True, "job_total_count": 0, "jobs": []})
        Estimator.get_job_list(make_session(), status=7, per_page=10, page=1, sortBy="job_name", order="asc",
                               search_content="job")  # fmt: skip
        assert query(http.calls[-1]) == {"status": "7", "per_page": "10", "page": "1", "sortBy": "job_name",
                                         "order": "asc", "search_content": "job"}  # fmt: skip

    def test_fit_looks_up_ids_then_creates(self, http: responses.RequestsMock) -> None:
        http.get(f"{BASE}/v1/proj1/job/resource-specs", json={"is_success": True, "specs": [
            {"spec_id": 2, "spec_code": "modelarts.vm.cpu.2u"}]})  # fmt: skip
        http.get(f"{BASE}/v1/proj1/job/ai-engines", json={"is_success": True, "engines": [
            {"engine_id": 1, "engine_name": "TensorFlow", "engine_version": "TF-1.4.0-python2.7"}]})  # fmt: skip
        http.post(JOBS, json={"is_success": True, "job_id": 10, "job_name": "j", "status": 1, "version_id": 20,
                              "version_name": "V0001", "create_time": 1})  # fmt: skip
        est = Estimator(make_session(), framework_type="TensorFlow", code_dir="/b/src/", boot_file="/b/src/t.py",
                        output_path="/b/out/", train_instance_type="modelarts.vm.cpu.2u", train_instance_count=1)
        job = est.fit(inputs="/b/data/", job_name="j")
        assert (job.job_id, job.version_id, job.status) == ("10", "20", JobState.INIT)
        assert query(http.calls[0]) == {"job_type": "train"}
        body = json.loads(http.calls[-1].request.body)
        assert body["config"]["spec_id"] == 2 and body["config"]["engine_id"] == 1


class TestFailures:
    def test_job_not_found_is_400(self, http: responses.RequestsMock) -> None:
        http.get(f"{JOBS}/10/versions/20", status=400, json=failure("ModelArts.2775", "Training job (ID: 10) not found."))
        with pytest.raises(BadRequestError) as info:
            TrainingJob(make_session(), 10, 20).get_job_info()
        assert info.value.error_code == "ModelArts.2775"
        returned = TrainingJob(make_session("return"), 10, 20).get_job_info()
        assert returned == {"is_success": False, "error_msg": "Training job (ID: 10) not found.",
                            "error_code": "ModelArts.2775"}  # fmt: skip

    def test_2xx_with_is_success_false(self, http: responses.RequestsMock) -> None:
        http.put(f"{JOBS}/10", status=200, json=failure("ModelArts.0105", "Error string"))
        with pytest.raises(Exception) as info:
            Estimator(make_session(), job_id=10).update_job_description(description="x")
        assert getattr(info.value, "error_code", None) == "ModelArts.0105"
        assert Estimator(make_session("return"), job_id=10).update_job_description(description="x")["is_success"] is False

    def test_delete_running_conflict(self, http: responses.RequestsMock) -> None:
        http.delete(f"{JOBS}/10", status=409, json=failure("ModelArts.2878", "job is running"))
        with pytest.raises(ConflictError, match="force=True"):
            Estimator.delete_job_by_id(modelarts_session=make_session(), job_id="10")

    def test_missing_ok_does_not_hide_other_errors(self, http: responses.RequestsMock) -> None:
        http.delete(f"{JOBS}/10", status=401, json={"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information"})
        with pytest.raises(AuthenticationError):
            Estimator.delete_job_by_id(make_session(), "10", missing_ok=True)
        http.replace(responses.DELETE, f"{JOBS}/10", status=404, json={"error_code": "APIGW.0101", "error_msg": "no route"})
        with pytest.raises(Exception, match="APIGW.0101"):
            Estimator.delete_job_by_id(make_session(), "10", missing_ok=True)

    def test_server_error_on_create_is_not_retried(self, http: responses.RequestsMock) -> None:
        http.post(JOBS, status=503, json={"error_code": "ModelArts.0010", "error_msg": "internal"})
        est = Estimator(make_session(), code_dir="/b/src/", boot_file="/b/src/t.py", output_path="/b/out/",
                        train_instance_type=2, train_instance_count=1)
        with pytest.raises(ServerError):
            est.fit(inputs="/b/data/", job_name="j")
        assert len([c for c in http.calls if c.request.method == "POST"]) == 1
