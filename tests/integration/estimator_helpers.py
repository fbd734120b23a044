"""Shared pieces of the Estimator/TrainingJob integration tests (local service + real Session).

The ``local_service`` and ``bucket`` fixtures come from ``conftest.py``; this
module adds sessions, boot scripts and an Estimator factory.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

from modelarts.estimator import Estimator
from modelarts.session import Session
from polling import wait_for

_names = itertools.count()

#: Writes its pid, prints its arguments, then runs until stopped.
SLEEPER = """\
import os, sys, time
print("PID", os.getpid(), flush=True)
print("ARGS", " ".join(sys.argv[1:]), flush=True)
for i in range(3000):
    print("step", i, flush=True)
    time.sleep(0.1)
"""
#: Prints a few lines and succeeds.
QUICK = """\
import sys
print("ARGS", " ".join(sys.argv[1:]), flush=True)
for epoch in range(3):
    print("epoch", epoch, "loss", 1.0 / (epoch + 1), flush=True)
"""
#: Fails with a traceback.
FAILING = """\
print("about to fail", flush=True)
raise SystemExit("training diverged")
"""


def unique(prefix: str) -> str:
    return f"{prefix}-{os.getpid()}-{next(_names)}"


def make_session(service: Any, errors: str = "raise") -> Session:
    """A documented AK/SK Session pointed at the local service with ``Session.set_endpoint``."""
    creds = service.credentials
    Session.set_endpoint(iam_endpoint=service.endpoint, modelarts_endpoint=service.endpoint,
                         obs_endpoint=service.obs_endpoint, region_name=creds.region_name)  # fmt: skip
    return Session(access_key=creds.access_key, secret_key=creds.secret_key, project_id=creds.project_id,
                   region_name=creds.region_name, errors=errors)  # fmt: skip


def sessions(service: Any, errors: str = "raise") -> Iterator[Session]:
    session = make_session(service, errors)
    try:
        yield session
    finally:
        session.close()
        Session.clear_endpoint()


def estimator(session: Session, bucket: Any, script: str = QUICK, **overrides: Any) -> Estimator:
    """An Estimator whose boot file is ``script``, written into ``bucket``."""
    boot = bucket.write(f"src/{unique('boot')}.py", script)
    params: Dict[str, Any] = dict(
        framework_type="PyTorch", framework_version="PyTorch-1.0.0-python3.6", code_dir=bucket.url("src/"),
        boot_file=boot, output_path=bucket.url("output/"), log_url=bucket.url("log/"),
        hyperparameters=[{"label": "lr", "value": "0.01"}, {"label": "classes", "value": "10"}],
        train_instance_type="modelarts.vm.cpu.2u", train_instance_count=1, job_description="integration test",
    )  # fmt: skip
    params.update(overrides)
    return Estimator(session, **params)


def pid_of(job: Any) -> int:
    """The pid the SLEEPER boot script printed first, read through the SDK's log API."""
    name = job.get_job_log_file_list()["log_file_list"][0]

    def find() -> Optional[int]:
        for line in job.get_job_log(log_file=name)["content"].splitlines():
            if line.startswith("PID "):
                return int(line.split()[1])
        return None

    return wait_for(find, timeout=20.0, what="the job's PID line")


def process_gone(pid: int) -> bool:
    """No such process, or only a zombie nobody reaped yet."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True
