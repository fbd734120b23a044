"""A new version racing the job's DELETE answers the documented not-found error, not a 500."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modelarts.local import LocalService
from modelarts.local import jobs as jobs_module
from modelarts.states import JobState


def test_create_version_racing_delete_is_not_found(tmp_path: Path, helpers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalService(tmp_path, queue_delay=0.05) as service:
        api = helpers.Api(service.endpoint, service.credentials)
        bucket = helpers.Bucket(service.obs_root, "race")
        job = helpers.create_job(api, bucket, "print(1)\n")
        helpers.wait_status(api, job, JobState.COMPLETED, timeout=30)
        original = jobs_module.parse_config

        def parse_then_lose_the_race(*args: Any, **kwargs: Any) -> Any:
            config = original(*args, **kwargs)
            # The DELETE lands between the version's checks and its insert.
            assert api.delete(f"/v1/{{project_id}}/training-jobs/{job['job_id']}").status_code == 200
            return config

        monkeypatch.setattr(jobs_module, "parse_config", parse_then_lose_the_race)
        response = api.post(
            f"/v1/{{project_id}}/training-jobs/{job['job_id']}/versions",
            json={"config": {"pre_version_id": job["version_id"]}},
        )
        assert response.status_code == 400, response.text
        assert response.json()["error_code"] == "ModelArts.2775"
