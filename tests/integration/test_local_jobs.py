"""Training-job semantics: validation codes, listing, versions, logs, delete rules, isolation."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from modelarts.local import LocalService
from modelarts.states import JobState

P = "/v1/{project_id}"
QUICK = """
import sys
print("args:", " ".join(sys.argv[1:]))
for i in range(30):
    print("line", i)
"""


def _error(response: Any, status: int, code: str) -> Dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["is_success"] is False and body["error_code"] == code and body["error_message"]
    return body


def _config(bucket: Any, **changes: Any) -> Dict[str, Any]:
    config = {
        "worker_server_num": 1,
        "app_url": bucket.url("src/"),
        "boot_file_url": bucket.url("src/boot.py"),
        "data_url": bucket.url("data/"),
        "spec_id": 1,
    }
    config.update(changes)
    return {key: value for key, value in config.items() if value is not None}


@pytest.mark.parametrize(
    "body, code",
    [
        ({"job_name": "bad name!", "config": {}}, "ModelArts.0104"),
        ({"job_name": "x" * 65, "config": {}}, "ModelArts.0104"),
        ({"config": {}}, "ModelArts.0101"),
        ({"job_name": "ok", "job_desc": "d" * 257, "config": {}}, "ModelArts.0104"),
        ({"job_name": "ok"}, "ModelArts.0101"),
    ],
)
def test_create_rejects_bad_names(api: Any, body: Dict[str, Any], code: str) -> None:
    _error(api.post(P + "/training-jobs", json=body), 400, code)


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"data_url": None}, "ModelArts.0101"),  # no data source
        ({"dataset_id": "d", "dataset_version_id": "v"}, "ModelArts.0101"),  # two data sources
        ({"data_url": None, "dataset_id": "d"}, "ModelArts.0101"),  # dataset id without version
        ({"worker_server_num": "two"}, "ModelArts.0101"),
        ({"worker_server_num": 0}, "ModelArts.0104"),
        ({"worker_server_num": 5}, "ModelArts.0104"),  # over the flavor's max_num
        ({"spec_id": 999}, "ModelArts.0104"),
        ({"spec_id": None}, "ModelArts.0101"),
        ({"engine_id": 999}, "ModelArts.0104"),
        ({"boot_file_url": "/elsewhere/boot.py"}, "ModelArts.0104"),  # not inside app_url
        ({"app_url": "/b/../../etc/", "boot_file_url": "/b/../../etc/boot.py"}, "ModelArts.0104"),
        ({"parameter": [{"value": "1"}]}, "ModelArts.0101"),
        ({"parameter": "lr=1"}, "ModelArts.0101"),
    ],
)
def test_create_rejects_bad_configs(api: Any, bucket: Any, helpers: Any, changes: Dict[str, Any], code: str) -> None:
    body = {"job_name": helpers.unique("bad"), "config": _config(bucket, **changes)}
    _error(api.post(P + "/training-jobs", json=body), 400, code)


def test_create_rejects_non_json(api: Any) -> None:
    _error(api.post(P + "/training-jobs", data=b"{nope"), 400, "ModelArts.0101")


def test_duplicate_name(api: Any, bucket: Any, helpers: Any) -> None:
    name = helpers.unique("dup")
    helpers.create_job(api, bucket, QUICK, name=name)
    body = _error(api.post(P + "/training-jobs", json={"job_name": name, "config": _config(bucket)}), 400, "ModelArts.0103")
    assert body["error_message"] == f"Job name:{name} is existed"


def test_unknown_job_and_version(api: Any, bucket: Any, helpers: Any) -> None:
    body = _error(api.get(P + "/training-jobs/987654/versions/1"), 400, "ModelArts.2775")
    assert body["error_message"] == "Training job (ID: 987654) not found."
    for method, path in [
        ("PUT", "/training-jobs/987654"),
        ("DELETE", "/training-jobs/987654"),
        ("GET", "/training-jobs/987654/versions"),
        ("POST", "/training-jobs/987654/versions/1/stop"),
        ("GET", "/training-jobs/987654/versions/1/log/file-names"),
    ]:
        _error(api.request(method, P + path, json={"job_desc": ""} if method == "PUT" else None), 400, "ModelArts.2775")
    job = helpers.create_job(api, bucket, QUICK)
    _error(api.get(f"{P}/training-jobs/{job['job_id']}/versions/987654"), 400, "ModelArts.2775")


def test_list_filters_sorts_and_pages(api: Any, bucket: Any, helpers: Any) -> None:
    tag = helpers.unique("lst")
    jobs = [helpers.create_job(api, bucket, QUICK, name=f"{tag}-{letter}") for letter in "cab"]
    for job in jobs:
        helpers.wait_status(api, job, JobState.COMPLETED)
    page = api.ok(api.get(P + "/training-jobs", params={"search_content": tag, "per_page": 2, "page": 1, "sortBy": "job_name", "order": "desc"}))
    assert page["job_total_count"] == 3
    assert [job["job_name"] for job in page["jobs"]] == [f"{tag}-c", f"{tag}-b"]
    page2 = api.ok(api.get(P + "/training-jobs", params={"search_content": tag, "per_page": 2, "page": 2, "sortBy": "job_name", "order": "desc"}))
    assert [job["job_name"] for job in page2["jobs"]] == [f"{tag}-a"]
    done = api.ok(api.get(P + "/training-jobs", params={"search_content": tag, "status": "10"}))
    assert done["job_total_count"] == 3
    assert api.ok(api.get(P + "/training-jobs", params={"search_content": tag, "status": "8"}))["job_total_count"] == 0
    entry = done["jobs"][0]
    assert set(entry) == {"job_id", "job_name", "version_id", "status", "create_time", "duration", "job_desc", "version_count"}
    assert isinstance(entry["duration"], int) and entry["duration"] >= 0


@pytest.mark.parametrize(
    "params, code",
    [
        ({"per_page": 0}, "ModelArts.0104"),
        ({"per_page": 1001}, "ModelArts.0104"),
        ({"page": 0}, "ModelArts.0104"),
        ({"page": 65536}, "ModelArts.0104"),
        ({"per_page": "ten"}, "ModelArts.0101"),
        ({"order": "sideways"}, "ModelArts.0104"),
        ({"sortBy": "colour"}, "ModelArts.0104"),
        ({"status": "99"}, "ModelArts.0104"),
        ({"search_content": "s" * 65}, "ModelArts.0104"),
    ],
)
def test_list_rejects_bad_queries(api: Any, params: Dict[str, Any], code: str) -> None:
    _error(api.get(P + "/training-jobs", params=params), 400, code)


def test_logs_window_and_names(api: Any, bucket: Any, helpers: Any) -> None:
    job = helpers.create_job(api, bucket, QUICK, worker_server_num=2, parameter=[{"label": "lr", "value": "0.5"}])
    helpers.wait_status(api, job, JobState.COMPLETED)
    base = f"{P}/training-jobs/{job['job_id']}/versions/{job['version_id']}"
    names = api.ok(api.get(base + "/log/file-names"))["log_file_list"]
    assert names == [f"job-{job['job_name']}.0", f"job-{job['job_name']}.1"]
    for name in names:
        whole = api.log(job["job_id"], job["version_id"], name, lines=500)["content"]
        assert "--lr=0.5" in whole and "--data_url=" in whole and "line 29" in whole
    newest = api.log(job["job_id"], job["version_id"], names[0], lines=3)
    assert newest["lines"] == 3 and "Training end with return code: 0" in newest["content"]
    first = api.log(job["job_id"], job["version_id"], names[0], base_line="0", lines=2, order="desc")
    assert first["start_line"] == "1" and first["end_line"] == "2"
    following = api.log(job["job_id"], job["version_id"], names[0], base_line=first["end_line"], lines=2, order="desc")
    assert following["start_line"] == "3" and following["content"].startswith("args:") is False
    previous = api.log(job["job_id"], job["version_id"], names[0], base_line=following["start_line"], lines=5, order="asc")
    assert previous["end_line"] == "2" and previous["lines"] == 2
    assert api.log(job["job_id"], job["version_id"], names[0], lines=0)["lines"] == 0


@pytest.mark.parametrize(
    "params, code",
    [
        ({"log_file": "../../state.db"}, "ModelArts.0101"),
        ({"log_file": "/etc/passwd"}, "ModelArts.0101"),
        ({"log_file": ".."}, "ModelArts.0101"),
        ({}, "ModelArts.0101"),
        ({"log_file": "job-other.0"}, "ModelArts.2820"),
        ({"log_file": "LOG", "lines": 501}, "ModelArts.0104"),
        ({"log_file": "LOG", "order": "up"}, "ModelArts.0104"),
        ({"log_file": "LOG", "base_line": "top"}, "ModelArts.0104"),
    ],
)
def test_log_requests_are_checked(api: Any, bucket: Any, helpers: Any, params: Dict[str, Any], code: str) -> None:
    job = helpers.create_job(api, bucket, QUICK)
    if params.get("log_file") == "LOG":
        params["log_file"] = f"job-{job['job_name']}.0"
    path = f"{P}/training-jobs/{job['job_id']}/versions/{job['version_id']}/aom-log"
    _error(api.get(path, params=params), 400, code)


def test_delete_running_job_is_refused_then_works(local_service: LocalService, api: Any, bucket: Any, helpers: Any) -> None:
    job = helpers.create_job(api, bucket, helpers.SLEEP_LOOP)
    helpers.wait_status(api, job, JobState.RUNNING)
    path = f"{P}/training-jobs/{job['job_id']}"
    body = _error(api.delete(path), 409, "ModelArts.2878")
    assert "stop it" in body["error_message"]
    _error(api.delete(f"{path}/versions/{job['version_id']}"), 409, "ModelArts.2878")
    log_dir = local_service.data_dir / "logs" / str(job["version_id"])
    assert any(log_dir.iterdir())
    api.ok(api.stop(job["job_id"], job["version_id"]))
    helpers.wait_status(api, job, JobState.KILLED)
    assert api.ok(api.delete(path)) == {"is_success": True}
    assert not log_dir.exists() and not (local_service.data_dir / "runs" / str(job["version_id"])).exists()
    _error(api.get(f"{path}/versions/{job['version_id']}"), 400, "ModelArts.2775")
    listed = api.ok(api.get(P + "/training-jobs", params={"search_content": job["job_name"]}))
    assert listed["job_total_count"] == 0


def test_deleting_the_last_version_deletes_the_job(api: Any, bucket: Any, helpers: Any) -> None:
    job = helpers.create_job(api, bucket, QUICK)
    helpers.wait_status(api, job, JobState.COMPLETED)
    api.ok(api.delete(f"{P}/training-jobs/{job['job_id']}/versions/{job['version_id']}"))
    _error(api.get(f"{P}/training-jobs/{job['job_id']}/versions"), 400, "ModelArts.2775")


def test_update_description_validation(api: Any, bucket: Any, helpers: Any) -> None:
    job = helpers.create_job(api, bucket, QUICK)
    path = f"{P}/training-jobs/{job['job_id']}"
    _error(api.put(path, json={}), 400, "ModelArts.0101")
    _error(api.put(path, json={"job_desc": "x" * 257}), 400, "ModelArts.0104")
    api.ok(api.put(path, json={"job_desc": "new words"}))
    assert api.detail(job["job_id"], job["version_id"])["job_desc"] == "new words"


def test_create_version_needs_a_known_previous_version(api: Any, bucket: Any, helpers: Any) -> None:
    job = helpers.create_job(api, bucket, QUICK)
    path = f"{P}/training-jobs/{job['job_id']}/versions"
    _error(api.post(path, json={"config": {}}), 400, "ModelArts.0101")
    _error(api.post(path, json={"config": {"pre_version_id": 987654}}), 400, "ModelArts.2775")
    new = api.ok(api.post(path, json={"config": {"pre_version_id": job["version_id"], "data_url": bucket.url("other/")}}))
    assert api.detail(job["job_id"], new["version_id"])["data_url"] == bucket.url("other/")


def test_projects_are_isolated(local_service: LocalService, api: Any, bucket: Any, helpers: Any) -> None:
    job = helpers.create_job(api, bucket, QUICK)
    extra = local_service.add_project(helpers.unique("local-1_iso"))
    api.project_id = extra
    try:
        _error(api.get(f"{P}/training-jobs/{job['job_id']}/versions/{job['version_id']}"), 400, "ModelArts.2775")
        assert api.ok(api.get(P + "/training-jobs"))["job_total_count"] == 0
    finally:
        api.project_id = local_service.credentials.project_id
