"""Every v1 route of the local service, over HTTP, with AK/SK signing and with a token."""

from __future__ import annotations

from typing import Any

from modelarts.states import JobState

P = "/v1/{project_id}"

DETAIL_FIELDS = {
    "is_success", "job_id", "job_name", "job_desc", "version_id", "version_name", "pre_version_id",
    "engine_type", "engine_name", "engine_id", "engine_version", "status", "app_url", "boot_file_url",
    "create_time", "parameter", "duration", "spec_id", "core", "cpu", "gpu_num", "gpu_type",
    "worker_server_num", "data_url", "train_url", "log_url", "dataset_version_id", "dataset_id",
    "data_source", "model_id", "model_metric_list", "system_metric_list", "user_image_url", "user_command",
    "resource_id", "dataset_name", "spec_code", "start_time", "volumes", "dataset_version_name",
    "pool_name", "pool_id", "nas_mount_path", "nas_share_addr", "nas_type",
}  # fmt: skip


def test_every_route(any_api: Any, bucket: Any, helpers: Any) -> None:
    """Create → list → detail → versions → logs → stop → delete, plus the catalogue."""
    api, h = any_api, helpers
    name = h.unique("every")
    created = h.create_job(api, bucket, h.SLEEP_LOOP, name=name, parameter=[{"label": "lr", "value": "0.01"}])
    assert set(created) == {"is_success", "job_id", "job_name", "status", "create_time", "version_id", "version_name", "resource_id"}
    assert created["is_success"] is True and created["job_name"] == name and created["version_name"] == "V0001"
    assert isinstance(created["job_id"], int) and isinstance(created["version_id"], int)
    assert isinstance(created["create_time"], int) and created["create_time"] > 1_500_000_000_000
    assert created["status"] == JobState.INIT
    job_id, version_id = created["job_id"], created["version_id"]
    job_path = f"{P}/training-jobs/{job_id}"

    listed = api.ok(api.get(f"{P}/training-jobs", params={"search_content": name}))
    assert listed["job_total_count"] == 1 and listed["quotas"] >= listed["job_count_limit"] > 0
    assert listed["jobs"][0]["job_id"] == job_id and listed["jobs"][0]["version_count"] == 1

    detail = h.wait_status(api, created, JobState.RUNNING)
    assert set(detail) == DETAIL_FIELDS
    assert detail["parameter"] == [{"label": "lr", "value": "0.01"}] and detail["spec_code"] == "modelarts.vm.cpu.2u"
    assert isinstance(detail["duration"], int) and isinstance(detail["start_time"], int)

    assert api.ok(api.put(job_path, json={"job_desc": "described"})) == {"is_success": True}
    versions = api.ok(api.get(f"{job_path}/versions"))
    assert versions["job_desc"] == "described" and versions["version_count"] == 1
    assert versions["versions"][0]["version_id"] == version_id

    names = api.ok(api.get(f"{job_path}/versions/{version_id}/log/file-names"))["log_file_list"]
    assert names == [f"job-{name}.0"]
    h.wait_for(lambda: "step 2" in api.log(job_id, version_id, names[0])["content"])

    second = api.ok(api.post(f"{job_path}/versions", json={"job_desc": "v2", "config": {"pre_version_id": version_id}}))
    assert second["version_name"] == "V0002" and second["job_id"] == job_id
    assert api.ok(api.get(f"{job_path}/versions"))["version_count"] == 2
    second_detail = api.detail(job_id, second["version_id"])
    assert second_detail["pre_version_id"] == version_id and second_detail["boot_file_url"] == detail["boot_file_url"]

    for vid in (version_id, second["version_id"]):
        assert api.ok(api.stop(job_id, vid)) == {"is_success": True}
    h.wait_status(api, created, JobState.KILLED)
    h.wait_status(api, {"job_id": job_id, "version_id": second["version_id"]}, JobState.KILLED, JobState.CANCELED)

    assert api.ok(api.delete(f"{job_path}/versions/{second['version_id']}")) == {"is_success": True}
    assert api.ok(api.get(f"{job_path}/versions"))["version_count"] == 1
    assert api.ok(api.delete(job_path)) == {"is_success": True}
    gone = api.get(f"{job_path}/versions/{version_id}")
    assert gone.status_code == 400 and gone.json()["error_code"] == "ModelArts.2775"

    specs = api.ok(api.get(f"{P}/job/resource-specs", params={"job_type": "train"}))
    assert specs["spec_total_count"] == len(specs["specs"]) and {"spec_id", "max_num", "spec_code"} <= set(specs["specs"][0])
    engines = api.ok(api.get(f"{P}/job/ai-engines", params={"job_type": "train"}))["engines"]
    assert {"engine_type", "engine_id", "engine_name", "engine_version"} == set(engines[0])
    algos = api.ok(api.get(f"{P}/built-in-algorithms", params={"per_page": 10, "page": 1, "sortBy": "engine", "order": "asc"}))
    assert algos["model_total_count"] >= len(algos["models"]) > 0


def test_every_answer_has_a_request_id(api: Any) -> None:
    for response in (
        api.get(f"{P}/job/ai-engines"),
        api.get(f"{P}/training-jobs/999999/versions/1"),
        api.get("/v1/{project_id}/no-such-api"),
        api.get(f"{P}/job/ai-engines", sign=False),
    ):
        assert len(response.headers["X-Request-Id"]) == 32
        assert response.headers["Content-Type"].startswith("application/json")


def test_catalogue_query_validation(api: Any) -> None:
    bad = api.get(f"{P}/job/resource-specs", params={"job_type": "juggling"})
    assert bad.status_code == 400 and bad.json()["error_code"] == "ModelArts.0104"
    bad = api.get(f"{P}/built-in-algorithms", params={"per_page": 101})
    assert bad.status_code == 400 and bad.json()["error_code"] == "ModelArts.0104"
    found = api.ok(api.get(f"{P}/built-in-algorithms", params={"search_content": "resnet_v2_5"}))
    assert [m["model_name"] for m in found["models"]] == ["ResNet_v2_50"]
