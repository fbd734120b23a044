"""Worker caps, rollback of a create whose setup fails, and one bad job not stalling the others."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modelarts.local import LocalService
from modelarts.local.jobs import TrainingJobs
from modelarts.local.runner import Runner
from modelarts import rules
from modelarts.states import JobState

DEDICATED_POOL_MAX_WORKERS = rules.LOCAL_MAX_WORKERS


def _pool_job(api: Any, bucket: Any, helpers: Any, workers: int) -> Any:
    script = bucket.write("src/boot.py", "print('hi')\n")
    body = {
        "job_name": helpers.unique("pool"),
        "config": {
            "worker_server_num": workers,
            "pool_id": "pool-local",
            "app_url": bucket.url("src/"),
            "boot_file_url": script,
            "data_url": bucket.url("data/"),
            "train_url": bucket.url("out/"),
        },
    }
    return api.post("/v1/{project_id}/training-jobs", json=body)


@pytest.mark.parametrize("workers", [DEDICATED_POOL_MAX_WORKERS + 1, 200, 10**9])
def test_dedicated_pool_workers_are_capped(api: Any, bucket: Any, helpers: Any, workers: int) -> None:
    response = _pool_job(api, bucket, helpers, workers)
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "ModelArts.0104"
    assert f"at most {DEDICATED_POOL_MAX_WORKERS}" in response.json()["error_message"]


def test_dedicated_pool_within_cap_runs(api: Any, bucket: Any, helpers: Any) -> None:
    job = api.ok(_pool_job(api, bucket, helpers, 2))
    helpers.wait_status(api, job, JobState.COMPLETED, timeout=30)


def test_failed_setup_rolls_the_create_back(tmp_path: Path, helpers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalService(tmp_path, queue_delay=0.05) as service:
        api = helpers.Api(service.endpoint, service.credentials)
        bucket = helpers.Bucket(service.obs_root, "rollback")

        def broken(self: TrainingJobs, row: Any) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(TrainingJobs, "_prepare_logs", broken)
        name = helpers.unique("rolled")
        with pytest.raises(AssertionError):
            helpers.create_job(api, bucket, "print(1)\n", name=name)
        listed = api.ok(api.get("/v1/{project_id}/training-jobs", params={"search_content": name}))
        assert listed["job_total_count"] == 0, listed  # nothing stuck in INIT
        monkeypatch.undo()
        job = helpers.create_job(api, bucket, "print(1)\n", name=name)  # the name is free again
        helpers.wait_status(api, job, JobState.COMPLETED, timeout=30)


def test_one_broken_launch_does_not_stall_the_others(
    tmp_path: Path, helpers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Runner._spec
    broken_names = set()

    def spec(self: Runner, row: Any, run_dir: Path) -> Any:
        if row["job_name"] in broken_names:
            raise RuntimeError("unexpected failure while preparing this job")
        return original(self, row, run_dir)

    monkeypatch.setattr(Runner, "_spec", spec)
    with LocalService(tmp_path, queue_delay=0.05) as service:
        api = helpers.Api(service.endpoint, service.credentials)
        bucket = helpers.Bucket(service.obs_root, "stall")
        bad_name = helpers.unique("bad")
        broken_names.add(bad_name)
        bad = helpers.create_job(api, bucket, "print(1)\n", name=bad_name)
        good = [helpers.create_job(api, bucket, "print(2)\n") for _ in range(3)]
        for job in good:
            helpers.wait_status(api, job, JobState.COMPLETED, timeout=30)
        helpers.wait_status(api, bad, JobState.SUBMIT_FAILED, timeout=30)
        api.ok(api.delete(f"/v1/{{project_id}}/training-jobs/{bad['job_id']}"))
