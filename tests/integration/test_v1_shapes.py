"""v1 shape fidelity of the versions list, driven through huaweicloudsdkcore's own signer."""

from __future__ import annotations

import json
from typing import Any

from modelarts.states import JobState


def test_versions_list_entry_types_follow_the_doc_table(api: Any, bucket: Any, helpers: Any) -> None:
    job = helpers.create_job(api, bucket, "print(1)\n")
    helpers.wait_status(api, job, JobState.COMPLETED, timeout=30)
    listed = api.ok(api.get(f"/v1/{{project_id}}/training-jobs/{job['job_id']}/versions"))
    entry = listed["versions"][0]
    assert isinstance(entry["system_metric_list"], str)
    assert isinstance(json.loads(entry["system_metric_list"]), dict)
    assert isinstance(entry["gpu"], bool) and entry["gpu"] is (entry["gpu_num"] > 0)
    for name in ("version_id", "pre_version_id", "create_time", "duration", "start_time", "model_id"):
        assert isinstance(entry[name], int) and not isinstance(entry[name], bool), (name, entry[name])
    assert entry["pre_version_id"] == 0 and entry["model_id"] == 0 and entry["start_time"] > 0
    assert isinstance(listed["version_count"], int)


def test_versions_list_through_the_official_signer(local_service: Any, api: Any, bucket: Any, helpers: Any) -> None:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer
    import requests

    job = helpers.create_job(api, bucket, "print(1)\n")
    creds = local_service.credentials
    host = local_service.endpoint.split("://", 1)[1]
    request = SdkRequest(
        method="GET", schema="http", host=host,
        resource_path=f"/v1/{creds.project_id}/training-jobs/{job['job_id']}/versions",
        query_params=[("per_page", 10), ("page", 1), ("x_tag", [10, 9])],
        header_params={"Content-Type": "application/json", "X-Project-Id": creds.project_id},
    )
    signed = Signer(BasicCredentials(creds.access_key, creds.secret_key, creds.project_id)).sign(request)
    response = requests.get(f"http://{host}{signed.uri}", headers=signed.header_params, timeout=30)
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["versions"][0]["system_metric_list"], str)
