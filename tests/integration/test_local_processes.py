"""Jobs are real processes: they run, fail, get stopped, and leave nothing behind."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from modelarts.local import LocalService
from modelarts.states import JobState

P = "/v1/{project_id}"


def test_stop_kills_the_whole_process_group(api: Any, bucket: Any, helpers: Any) -> None:
    boot = helpers.REPORT_PIDS + """
import subprocess
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print("CHILD", child.pid, flush=True)
time.sleep(60)
"""
    job = helpers.create_job(api, bucket, boot)
    helpers.wait_status(api, job, JobState.RUNNING)
    ids = helpers.job_pids(api, job)
    assert ids["pgid"] != ids["pid"]  # the launcher leads the group, the worker is in it
    assert not helpers.pid_gone(ids["pid"]) and not helpers.group_gone(ids["pgid"])
    child = int(helpers.wait_for(lambda: _grep(api, job, "CHILD")).split()[1])
    started = time.monotonic()
    assert api.ok(api.stop(job["job_id"], job["version_id"])) == {"is_success": True}
    states = {api.detail(job["job_id"], job["version_id"])["status"]}
    final = helpers.wait_status(api, job, JobState.KILLED)
    latency = time.monotonic() - started
    assert states <= {JobState.KILLING, JobState.KILLED}
    assert latency < helpers.GRACE  # SIGTERM was enough; no SIGKILL wait
    assert helpers.pid_gone(ids["pid"]) and helpers.pid_gone(child) and helpers.group_gone(ids["pgid"])
    assert final["duration"] > 0
    again = api.stop(job["job_id"], job["version_id"])
    assert again.status_code == 409 and again.json()["error_code"] == "ModelArts.2796"
    assert again.json()["error_message"] == "The job cannot be terminated."


def _grep(api: Any, job: Any, word: str) -> Any:
    content = api.log(job["job_id"], job["version_id"], f"job-{job['job_name']}.0", lines=500)["content"]
    return next((line for line in content.splitlines() if line.startswith(word)), None)


def test_sigterm_ignored_means_sigkill_after_grace(api: Any, bucket: Any, helpers: Any) -> None:
    boot = helpers.REPORT_PIDS + """
import signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ignoring SIGTERM", flush=True)
time.sleep(60)
"""
    job = helpers.create_job(api, bucket, boot)
    helpers.wait_status(api, job, JobState.RUNNING)
    ids = helpers.job_pids(api, job)
    helpers.wait_for(lambda: _grep(api, job, "ignoring"))
    started = time.monotonic()
    api.ok(api.stop(job["job_id"], job["version_id"]))
    time.sleep(helpers.GRACE / 2)
    assert api.detail(job["job_id"], job["version_id"])["status"] == JobState.KILLING
    assert not helpers.pid_gone(ids["pid"])
    helpers.wait_status(api, job, JobState.KILLED)
    assert time.monotonic() - started >= helpers.GRACE
    assert helpers.group_gone(ids["pgid"])


def test_exit_codes_decide_completed_or_failed(api: Any, bucket: Any, helpers: Any) -> None:
    ok = helpers.create_job(api, bucket, "print('fine')\n")
    bad = helpers.create_job(api, bucket, "import sys\nprint('broken', file=sys.stderr)\nsys.exit(3)\n")
    assert helpers.wait_status(api, ok, JobState.COMPLETED, JobState.FAILED)["status"] == JobState.COMPLETED
    assert helpers.wait_status(api, bad, JobState.COMPLETED, JobState.FAILED)["status"] == JobState.FAILED
    content = api.log(bad["job_id"], bad["version_id"], f"job-{bad['job_name']}.0")["content"]
    assert "broken" in content and "return code: 3" in content


def test_one_failing_worker_fails_the_job(api: Any, bucket: Any, helpers: Any) -> None:
    boot = "import os, sys\nsys.exit(1 if os.environ['DLS_TASK_INDEX'] == '1' else 0)\n"
    job = helpers.create_job(api, bucket, boot, worker_server_num=2)
    assert helpers.wait_status(api, job, JobState.COMPLETED, JobState.FAILED)["status"] == JobState.FAILED


def test_missing_boot_file_fails_with_an_explanation(api: Any, bucket: Any, helpers: Any) -> None:
    job = helpers.create_job(api, bucket, "", boot_file_url=bucket.url("src/absent.py"))
    helpers.wait_status(api, job, JobState.FAILED)
    content = api.log(job["job_id"], job["version_id"], f"job-{job['job_name']}.0")["content"]
    assert f"boot file {bucket.url('src/absent.py')} does not exist" in content


def test_hyperparameters_paths_and_workers(local_service: LocalService, api: Any, bucket: Any, helpers: Any) -> None:
    boot = """
import os, sys
from pathlib import Path
args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
Path(args["train_url"], "worker-" + os.environ["DLS_TASK_INDEX"]).write_text(repr(args))
print("workers", os.environ["DLS_TASK_NUMBER"], "cwd", os.getcwd())
"""
    params = [{"label": "lr", "value": "0.01"}, {"label": "epochs", "value": 3}]
    job = helpers.create_job(api, bucket, boot, worker_server_num=2, parameter=params)
    helpers.wait_status(api, job, JobState.COMPLETED)
    output = local_service.obs_root / bucket.name / "output"
    written = sorted(path.name for path in output.iterdir())
    assert written == ["worker-0", "worker-1"]
    args = eval((output / "worker-0").read_text())  # noqa: S307 - our own repr
    assert args["lr"] == "0.01" and args["epochs"] == "3"
    # Inputs and code are staged into the job's own work directory, as ModelArts copies them into the container.
    work = local_service.app.files.work_dir(job["version_id"]) / "job"
    assert Path(args["data_url"]) == work / "data"
    content = api.log(job["job_id"], job["version_id"], f"job-{job['job_name']}.1")["content"]
    assert f"workers 2 cwd {work / 'code'}" in content


def test_queued_job_is_canceled(tmp_path: Path, helpers: Any) -> None:
    with LocalService(tmp_path, stop_grace=0.5, queue_delay=30.0) as service:
        api = helpers.Api(service.endpoint, service.credentials)
        bucket = helpers.Bucket(service.obs_root, "queue")
        job = helpers.create_job(api, bucket, helpers.SLEEP_LOOP)
        assert api.detail(job["job_id"], job["version_id"])["status"] in (JobState.INIT, JobState.WAITING)
        api.ok(api.stop(job["job_id"], job["version_id"]))
        detail = api.detail(job["job_id"], job["version_id"])
        assert detail["status"] == JobState.CANCELED and detail["start_time"] is None
        assert api.stop(job["job_id"], job["version_id"]).status_code == 409
        api.ok(api.delete(f"{P}/training-jobs/{job['job_id']}"))


def test_status_walks_init_waiting_running(tmp_path: Path, helpers: Any) -> None:
    with LocalService(tmp_path, stop_grace=0.5, queue_delay=0.6, kill_jobs_on_close=True) as service:
        api = helpers.Api(service.endpoint, service.credentials)
        bucket = helpers.Bucket(service.obs_root, "walk")
        job = helpers.create_job(api, bucket, "import time\ntime.sleep(0.3)\n")
        seen = []
        final = helpers.wait_for(
            lambda: (lambda s: seen.append(s) or (s if s == JobState.COMPLETED else None))(
                api.detail(job["job_id"], job["version_id"])["status"]
            ),
            interval=0.02,
        )
        assert final == JobState.COMPLETED
        order = [state for index, state in enumerate(seen) if index == 0 or seen[index - 1] != state]
        assert order == [JobState.INIT, JobState.WAITING, JobState.RUNNING, JobState.COMPLETED]
