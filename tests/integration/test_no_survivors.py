"""No descendant of a job survives its stop, its deletion or its end."""

from __future__ import annotations

from typing import Any, List

from modelarts.states import JobState

#: The worker starts a child that ignores SIGTERM, a ``setsid`` daemon and a
#: double-forked ``setsid`` grandchild, prints their pids, then sleeps (or exits).
SPAWNER = """
import os, signal, subprocess, sys, time
stubborn = subprocess.Popen([sys.executable, "-c",
    "import signal, time\\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\\nwhile True: time.sleep(0.1)"])
daemon = subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(0.1)"], start_new_session=True)
read_end, write_end = os.pipe()
pid = os.fork()
if pid == 0:
    grandchild = os.fork()
    if grandchild == 0:
        os.setsid()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(0.1)
    os.write(write_end, str(grandchild).encode())
    os._exit(0)
os.waitpid(pid, 0)
grandchild = int(os.read(read_end, 32))
print("CHILDREN", stubborn.pid, daemon.pid, grandchild, flush=True)
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
if sys.argv[1].split("=", 1)[1] == "exit":
    sys.exit(0)
while True:
    time.sleep(0.1)
"""


def _children(api: Any, job: Any, helpers: Any) -> List[int]:
    def find() -> Any:
        log = api.log(job["job_id"], job["version_id"], f"job-{job['job_name']}.0", lines=500, base_line=0)
        for line in log["content"].splitlines():
            if line.startswith("CHILDREN "):
                return [int(part) for part in line.split()[1:]]
        return None

    return helpers.wait_for(find)


def _run(api: Any, bucket: Any, helpers: Any, mode: str) -> Any:
    return helpers.create_job(api, bucket, SPAWNER, parameter=[{"label": "mode", "value": mode}])


def _assert_all_gone(helpers: Any, children: List[int]) -> None:
    try:
        helpers.wait_for(lambda: all(helpers.pid_gone(pid) for pid in children), timeout=10)
    finally:
        import os
        import signal

        for pid in children:  # never leave them behind on the shared machine, even on failure
            if not helpers.pid_gone(pid):
                os.kill(pid, signal.SIGKILL)


def test_stop_leaves_no_descendant(api: Any, bucket: Any, helpers: Any) -> None:
    job = _run(api, bucket, helpers, "run")
    children = _children(api, job, helpers)
    api.ok(api.stop(job["job_id"], job["version_id"]))
    helpers.wait_status(api, job, JobState.KILLED, timeout=30)
    _assert_all_gone(helpers, children)


def test_job_end_leaves_no_background_child(api: Any, bucket: Any, helpers: Any) -> None:
    job = _run(api, bucket, helpers, "exit")
    helpers.wait_status(api, job, JobState.COMPLETED, timeout=30)
    _assert_all_gone(helpers, _children(api, job, helpers))


def test_delete_after_stop_leaves_no_descendant(api: Any, bucket: Any, helpers: Any) -> None:
    job = _run(api, bucket, helpers, "run")
    children = _children(api, job, helpers)
    api.ok(api.stop(job["job_id"], job["version_id"]))
    helpers.wait_status(api, job, JobState.KILLED, timeout=30)
    api.ok(api.delete(f"/v1/{{project_id}}/training-jobs/{job['job_id']}"))
    _assert_all_gone(helpers, children)
