"""The v2 routes over raw signed HTTP: both authentications, error bodies, the log URL, restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict
from urllib.parse import urlparse

import pytest

from modelarts.local import LocalService


def _body(bucket: Any, name: str, script: str) -> Dict[str, Any]:
    bucket.write("src/train.py", script)
    return {
        "kind": "job",
        "metadata": {"name": name},
        "algorithm": {"code_dir": f"obs://{bucket.name}/src/", "boot_file": "train.py", "engine": {"engine_id": "1"}},
        "spec": {"resource": {"flavor_id": "modelarts.vm.cpu.2u"}},
    }


def _wait_phase(api: Any, helpers: Any, job_id: str, phase: str) -> Dict[str, Any]:
    return helpers.wait_for(lambda: (lambda job: job if job["status"]["phase"] == phase else None)(
        api.get(f"/v2/{{project_id}}/training-jobs/{job_id}").json()))  # fmt: skip


def test_lifecycle_with_either_authentication(any_api: Any, bucket: Any, helpers: Any) -> None:
    name = helpers.unique("v2-raw")
    created = any_api.post("/v2/{project_id}/training-jobs", json=_body(bucket, name, "print('hello v2')\n"))
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["metadata"]["name"] == name and job["status"]["phase"] == "Creating"
    done = _wait_phase(any_api, helpers, job["metadata"]["id"], "Completed")
    assert done["status"]["task_statuses"] == [{"task": "worker-0", "exit_code": 0, "message": ""}]
    url = any_api.get(f"/v2/{{project_id}}/training-jobs/{job['metadata']['id']}/tasks/worker-0/logs/url").json()
    assert "hello v2" in Path(urlparse(url["obs_url"]).path).read_text()
    deleted = any_api.delete(f"/v2/{{project_id}}/training-jobs/{job['metadata']['id']}")
    assert deleted.status_code == 202 and deleted.content == b""


@pytest.mark.parametrize(
    "method, path, body, status, code",
    [
        ("POST", "/v2/{project_id}/training-jobs", b"not json", 400, "ModelArts.0101"),
        ("POST", "/v2/{project_id}/training-jobs", b"[]", 400, "ModelArts.0101"),
        ("POST", "/v2/{project_id}/training-job-searches", b'{"limit": "many"}', 400, "ModelArts.0101"),
        ("POST", "/v2/{project_id}/training-job-searches", b'{"order": "sideways"}', 400, "ModelArts.0104"),
        ("GET", "/v2/{project_id}/training-jobs/nope", None, 400, "ModelArts.2775"),
        ("POST", "/v2/{project_id}/training-jobs/nope/actions", b'{"action_type": "terminate"}', 400, "ModelArts.2775"),
        ("GET", "/v2/{project_id}/training-job-flavors?flavor_type=TPU", None, 400, "ModelArts.0104"),
        ("PUT", "/v2/{project_id}/training-jobs", b"{}", 404, "APIGW.0101"),
    ],
)
def test_error_bodies(api: Any, method: str, path: str, body: Any, status: int, code: str) -> None:
    answer = api.request(method, path, data=body)
    assert answer.status_code == status, answer.text
    error = answer.json()
    assert error["error_code"] == code and error["error_msg"]
    if code.startswith("ModelArts"):
        assert set(error) == {"error_code", "error_msg", "error_solution"}


def test_actions_refuse_other_verbs_and_empty_search_works(api: Any, bucket: Any, helpers: Any) -> None:
    job = api.post("/v2/{project_id}/training-jobs", json=_body(bucket, helpers.unique("v2-act"), "print(1)\n")).json()
    bad = api.post(f"/v2/{{project_id}}/training-jobs/{job['metadata']['id']}/actions", json={"action_type": "pause"})
    assert bad.status_code == 400 and bad.json()["error_code"] == "ModelArts.0104"
    listed = api.post("/v2/{project_id}/training-job-searches", data=b"")
    assert listed.status_code == 200 and listed.json()["limit"] == 10 and listed.json()["order"] == "desc"
    _wait_phase(api, helpers, job["metadata"]["id"], "Completed")
    api.delete(f"/v2/{{project_id}}/training-jobs/{job['metadata']['id']}")


def test_another_project_cannot_see_the_job(local_service: Any, api: Any, bucket: Any, helpers: Any) -> None:
    other = helpers.Api(local_service.endpoint, local_service.add_account(helpers.unique("acct")))
    job = api.post("/v2/{project_id}/training-jobs", json=_body(bucket, helpers.unique("v2-own"), "print(1)\n")).json()
    seen = other.get(f"/v2/{{project_id}}/training-jobs/{job['metadata']['id']}")
    assert seen.status_code == 400 and seen.json()["error_code"] == "ModelArts.2775"
    assert other.post("/v2/{project_id}/training-job-searches", json={}).json()["total"] == 0
    _wait_phase(api, helpers, job["metadata"]["id"], "Completed")
    api.delete(f"/v2/{{project_id}}/training-jobs/{job['metadata']['id']}")


def test_a_running_v2_job_survives_a_restart_and_can_be_terminated(data_dir: Path, helpers: Any) -> None:
    first = LocalService(data_dir, stop_grace=helpers.GRACE, queue_delay=0.1).start()
    api = helpers.Api(first.endpoint, first.credentials)
    bucket = helpers.Bucket(first.obs_root, helpers.unique("rs"))
    job = api.post("/v2/{project_id}/training-jobs", json=_body(bucket, helpers.unique("v2-rs"), helpers.SLEEP_LOOP)).json()
    job_id = job["metadata"]["id"]
    _wait_phase(api, helpers, job_id, "Running")
    first.close()  # the job keeps running
    second = LocalService(data_dir, stop_grace=helpers.GRACE, queue_delay=0.1).start()
    try:
        api = helpers.Api(second.endpoint, second.credentials)
        assert api.get(f"/v2/{{project_id}}/training-jobs/{job_id}").json()["status"]["phase"] == "Running"
        stopped = api.post(f"/v2/{{project_id}}/training-jobs/{job_id}/actions", json={"action_type": "terminate"})
        assert stopped.status_code == 202 and stopped.json()["status"]["phase"] in ("Terminating", "Terminated")
        _wait_phase(api, helpers, job_id, "Terminated")
    finally:
        second.close(kill_jobs=True)


def test_two_nodes_each_have_a_task_log(api: Any, bucket: Any, helpers: Any) -> None:
    body = _body(bucket, helpers.unique("v2-two"), "import os\nprint('task', os.environ['DLS_TASK_INDEX'])\n")
    body["spec"]["resource"]["node_count"] = 2
    job_id = api.post("/v2/{project_id}/training-jobs", json=body).json()["metadata"]["id"]
    done = _wait_phase(api, helpers, job_id, "Completed")
    assert done["status"]["tasks"] == ["worker-0", "worker-1"]
    for index in (0, 1):
        preview = api.get(f"/v2/{{project_id}}/training-jobs/{job_id}/tasks/worker-{index}/logs/preview").json()
        assert f"task {index}" in preview["content"]
    api.delete(f"/v2/{{project_id}}/training-jobs/{job_id}")


def test_custom_image_command_runs_with_parameters_and_environment(api: Any, bucket: Any, helpers: Any) -> None:
    body = {
        "kind": "job",
        "metadata": {"name": helpers.unique("v2-image")},
        "algorithm": {
            "engine": {"image_url": "swr.example.com/team/trainer:1"},
            "command": "echo command sees $lr and $STAGE",
            "parameters": [{"name": "lr", "value": "0.5"}],
            "environments": {"STAGE": "image"},
        },
        "spec": {"resource": {"flavor_id": "modelarts.vm.cpu.2u"}},
    }
    created = api.post("/v2/{project_id}/training-jobs", json=body)
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["algorithm"]["engine"]["image_url"] == "swr.example.com/team/trainer:1"
    _wait_phase(api, helpers, job["metadata"]["id"], "Completed")
    preview = api.get(f"/v2/{{project_id}}/training-jobs/{job['metadata']['id']}/tasks/worker-0/logs/preview").json()
    assert "command sees 0.5 and image" in preview["content"]
    api.delete(f"/v2/{{project_id}}/training-jobs/{job['metadata']['id']}")


def test_a_missing_boot_file_fails_the_job_with_the_reason_in_its_log(api: Any, bucket: Any, helpers: Any) -> None:
    body = _body(bucket, helpers.unique("v2-noboot"), "print(1)\n")
    body["algorithm"]["boot_file"] = "missing.py"
    job_id = api.post("/v2/{project_id}/training-jobs", json=body).json()["metadata"]["id"]
    failed = _wait_phase(api, helpers, job_id, "Failed")
    assert failed["status"]["task_statuses"][0]["exit_code"] != 0
    preview = api.get(f"/v2/{{project_id}}/training-jobs/{job_id}/tasks/worker-0/logs/preview").json()
    assert "missing.py" in preview["content"]
    api.delete(f"/v2/{{project_id}}/training-jobs/{job_id}")
