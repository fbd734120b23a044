"""Quotas are enforced, and a per-account running cap queues the rest in WAITING."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelarts.local import LocalService
from modelarts.states import JobState

LONG = "import time\nprint('PID', flush=True)\nfor _ in range(600):\n    time.sleep(0.1)\n"


def test_job_quota_is_enforced(tmp_path: Path, helpers: Any) -> None:
    with LocalService(tmp_path, queue_delay=0.05, job_quota=2) as service:
        api = helpers.Api(service.endpoint, service.credentials)
        bucket = helpers.Bucket(service.obs_root, "quota")
        for _ in range(2):
            helpers.create_job(api, bucket, "print(1)\n")
        listed = api.ok(api.get("/v1/{project_id}/training-jobs"))
        assert listed["quotas"] == 2 and listed["job_count_limit"] == 0
        script = bucket.write("src/third.py", "print(3)\n")
        response = api.post("/v1/{project_id}/training-jobs", json={"job_name": "third", "config": {
            "worker_server_num": 1, "app_url": bucket.url("src/"), "boot_file_url": script,
            "data_url": bucket.url("data/"), "train_url": bucket.url("out/"), "spec_id": 1}})
        assert response.status_code == 400, response.text
        assert response.json()["error_code"] == "ModelArts.0116"
        assert api.ok(api.get("/v1/{project_id}/training-jobs"))["job_total_count"] == 2


def test_running_cap_per_account_queues_in_waiting(tmp_path: Path, helpers: Any) -> None:
    with LocalService(tmp_path, queue_delay=0.05, stop_grace=0.5, max_running_per_account=1,
                      kill_jobs_on_close=True) as service:
        api = helpers.Api(service.endpoint, service.credentials)
        bucket = helpers.Bucket(service.obs_root, "cap")
        first = helpers.create_job(api, bucket, LONG)
        helpers.wait_status(api, first, JobState.RUNNING)
        second = helpers.create_job(api, bucket, LONG)
        helpers.wait_status(api, second, JobState.WAITING)
        # Another account is not held back by the first account's cap.
        other = service.add_account(helpers.unique("acct"))
        api_b = helpers.Api(service.endpoint, other)
        third = helpers.create_job(api_b, helpers.Bucket.owned_by(service, other.domain_id, "cap-b"), LONG)
        helpers.wait_status(api_b, third, JobState.RUNNING)
        # The third job started after the queue delay; the second still waits its turn.
        assert api.detail(second["job_id"], second["version_id"])["status"] == JobState.WAITING
        api.ok(api.stop(first["job_id"], first["version_id"]))
        helpers.wait_status(api, first, JobState.KILLED, timeout=30)
        helpers.wait_status(api, second, JobState.RUNNING, timeout=30)
        for job, client in ((second, api), (third, api_b)):
            client.ok(client.stop(job["job_id"], job["version_id"]))
