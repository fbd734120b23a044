"""A restart (clean or a crash) loses nothing: jobs are re-adopted or get truthful final states."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from modelarts.local import DataDirInUse, LocalService, LocalServiceProcess
from modelarts.states import JobState

GRACE = 1.0


def _service(data_dir: Path) -> LocalService:
    return LocalService(data_dir, stop_grace=GRACE, queue_delay=0.1).start()


def _running_job(service: LocalService, helpers: Any, boot: str) -> Any:
    api = helpers.Api(service.endpoint, service.credentials)
    bucket = helpers.Bucket(service.obs_root, helpers.unique("rs"))
    job = helpers.create_job(api, bucket, boot)
    helpers.wait_status(api, job, JobState.RUNNING)
    return api, job, helpers.job_pids(api, job)


def test_restart_mid_run_readopts_and_can_stop(data_dir: Path, helpers: Any) -> None:
    first = _service(data_dir)
    api, job, ids = _running_job(first, helpers, helpers.SLEEP_LOOP)
    token = helpers.token_for(first.endpoint, first.credentials)
    creds = first.credentials
    first.close()  # jobs keep running
    assert not helpers.pid_gone(ids["pid"])
    second = _service(data_dir)
    try:
        assert second.credentials == creds  # the account is reused, not recreated
        api = helpers.Api(second.endpoint, second.credentials)
        detail = api.detail(job["job_id"], job["version_id"])
        assert detail["status"] == JobState.RUNNING and detail["job_name"] == job["job_name"]
        before = api.log(job["job_id"], job["version_id"], f"job-{job['job_name']}.0")["end_line"]
        helpers.wait_for(lambda: int(api.log(job["job_id"], job["version_id"], f"job-{job['job_name']}.0")["end_line"]) > int(before))
        by_token = helpers.Api(second.endpoint, second.credentials, token=token)
        assert by_token.detail(job["job_id"], job["version_id"])["status"] == JobState.RUNNING  # tokens persist
        api.ok(api.stop(job["job_id"], job["version_id"]))
        helpers.wait_status(api, job, JobState.KILLED)
        assert helpers.pid_gone(ids["pid"]) and helpers.group_gone(ids["pgid"])
    finally:
        second.close(kill_jobs=True)


def test_jobs_that_ended_while_down_get_their_true_state(data_dir: Path, helpers: Any) -> None:
    first = _service(data_dir)
    wait_then = helpers.REPORT_PIDS + "time.sleep(0.8)\nsys.exit({code})\n"
    _, ok, ok_ids = _running_job(first, helpers, wait_then.format(code=0))
    _, bad, bad_ids = _running_job(first, helpers, wait_then.format(code=4))
    files = first.app.files if first.app is not None else None
    assert files is not None
    first.close()
    # Both launchers record the exit in status.json and leave; the service is down meanwhile.
    helpers.wait_for(lambda: all(helpers.group_gone(ids["pgid"]) for ids in (ok_ids, bad_ids)))
    assert all((files.run_dir(job["version_id"]) / "status.json").is_file() for job in (ok, bad))
    second = _service(data_dir)
    try:
        api = helpers.Api(second.endpoint, second.credentials)
        assert api.detail(ok["job_id"], ok["version_id"])["status"] == JobState.COMPLETED
        assert api.detail(bad["job_id"], bad["version_id"])["status"] == JobState.FAILED
    finally:
        second.close(kill_jobs=True)


def test_unknowable_end_is_lost_and_pid_reuse_is_not_signalled(data_dir: Path, helpers: Any) -> None:
    first = _service(data_dir)
    _, vanished, vanished_ids = _running_job(first, helpers, helpers.SLEEP_LOOP)
    _, imposter, imposter_ids = _running_job(first, helpers, helpers.SLEEP_LOOP)
    first.close()
    os.killpg(vanished_ids["pgid"], signal.SIGKILL)  # the launcher cannot record anything
    helpers.wait_for(lambda: helpers.group_gone(vanished_ids["pgid"]))
    with sqlite3.connect(data_dir / "state.db") as conn:  # pretend the pid now belongs to another process
        conn.execute("UPDATE versions SET proc_start = '1' WHERE version_id = ?", (imposter["version_id"],))
    second = _service(data_dir)
    try:
        api = helpers.Api(second.endpoint, second.credentials)
        assert api.detail(vanished["job_id"], vanished["version_id"])["status"] == JobState.LOST
        assert api.detail(imposter["job_id"], imposter["version_id"])["status"] == JobState.LOST
        assert api.stop(imposter["job_id"], imposter["version_id"]).status_code == 409
        time.sleep(0.2)
        assert not helpers.group_gone(imposter_ids["pgid"])  # never signalled: it is "someone else's"
    finally:
        second.close(kill_jobs=True)
        os.killpg(imposter_ids["pgid"], signal.SIGKILL)


def test_half_done_stop_is_finished(data_dir: Path, helpers: Any) -> None:
    stubborn = helpers.REPORT_PIDS + (
        "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('IGNORING', flush=True)\ntime.sleep(60)\n"
    )
    first = _service(data_dir)
    api, job, ids = _running_job(first, helpers, stubborn)
    log_name = f"job-{job['job_name']}.0"

    def handler_installed() -> bool:
        return "IGNORING" in api.log(job["job_id"], job["version_id"], log_name, lines=500, base_line=0, order="desc")["content"]

    helpers.wait_for(handler_installed)
    api.ok(api.stop(job["job_id"], job["version_id"]))
    assert api.detail(job["job_id"], job["version_id"])["status"] == JobState.KILLING
    first.close()
    assert not helpers.pid_gone(ids["pid"])
    second = _service(data_dir)
    try:
        api = helpers.Api(second.endpoint, second.credentials)
        helpers.wait_status(api, job, JobState.KILLED, timeout=GRACE + 5)
        assert helpers.group_gone(ids["pgid"])
    finally:
        second.close(kill_jobs=True)


def test_one_service_per_data_dir(data_dir: Path) -> None:
    with LocalService(data_dir):
        with pytest.raises(DataDirInUse):
            LocalService(data_dir).start()


def test_service_process_crash_and_restart(data_dir: Path, helpers: Any) -> None:
    crashed = LocalServiceProcess(data_dir, stop_grace=GRACE, extra_args=["--queue-delay", "0.1"]).start()
    try:
        api = helpers.Api(crashed.endpoint, crashed.credentials)
        bucket = helpers.Bucket(data_dir / "obs", "crash")
        job = helpers.create_job(api, bucket, helpers.SLEEP_LOOP)
        helpers.wait_status(api, job, JobState.RUNNING)
        ids = helpers.job_pids(api, job)
    finally:
        crashed.kill()  # SIGKILL: no clean shutdown at all
    assert not helpers.pid_gone(ids["pid"])
    with LocalServiceProcess(data_dir, stop_grace=GRACE) as again:
        api = helpers.Api(again.endpoint, again.credentials)
        assert api.detail(job["job_id"], job["version_id"])["status"] == JobState.RUNNING
        api.ok(api.stop(job["job_id"], job["version_id"]))
        helpers.wait_status(api, job, JobState.KILLED)
        assert helpers.group_gone(ids["pgid"])
        assert "serving on" in "".join(again.output)
