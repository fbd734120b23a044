"""``modelarts-local demo``: a training job's whole lifecycle in the terminal, through the SDK.

Against a fresh service in a temporary directory it does what a notebook
does: points :class:`~modelarts.session.Session` at the service
(``Session.set_endpoint`` and the service's AK/SK), writes a small boot file
into OBS, creates the job with ``Estimator(...).fit(...)``, watches it (status,
elapsed time, epoch from the log), shows its last log lines
(``job.get_job_log``), stops it (``job.stop(wait=True)``), deletes it
(``job.delete_job()``) and checks with ``Estimator.get_job_list`` that it is
gone.  Every message says what actually happened (the epoch reached when the
stop was sent, the last epoch logged, the state and time the stop took).
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from typing import Any, Callable, List, Optional, TextIO

from modelarts.estimator import Estimator
from modelarts.local.service import LocalService
from modelarts.session import Session
from modelarts.states import JobState

__all__ = ["BOOT_FILE", "JOB_NAME", "run_demo"]

JOB_NAME = "demo-job"

BOOT_FILE = """\
import argparse, time

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=40)
parser.add_argument("--lr", type=float, default=0.1)
args, _ = parser.parse_known_args()
loss = 2.0
for epoch in range(1, args.epochs + 1):
    loss *= 1 - args.lr / 2
    print(f"epoch {epoch}/{args.epochs} loss={loss:.4f}", flush=True)
    time.sleep(0.25)
print("training finished", flush=True)
"""

_EPOCH = re.compile(r"^epoch (\d+)/\d+ ", re.MULTILINE)


def _bar(done: int, total: int, width: int = 24) -> str:
    filled = int(width * done / total) if total else 0
    return "#" * filled + "." * (width - filled)


def _log_tail(job: Any, log_file: str, lines: int) -> List[str]:
    """The newest ``lines`` lines of ``log_file`` (``start_byte=-1``: from the end)."""
    return str(job.get_job_log(log_file, start_byte=-1, offset=lines)["content"]).splitlines()


def _last_epoch(lines: List[str]) -> int:
    found = _EPOCH.findall("\n".join(lines))
    return int(found[-1]) if found else 0


def _watch(job: Any, log_file: str, total: int, stop_at: int, out: TextIO, poll: float) -> int:
    """Refresh until the job ends or has logged epoch ``stop_at``; return the epoch seen last.

    On a terminal the progress line is redrawn in place; otherwise a line is
    printed whenever the status or the epoch changes.
    """
    tty = out.isatty()
    started, shown, epoch = time.monotonic(), None, 0
    while True:
        state = job.refresh()
        if state is JobState.RUNNING:
            epoch = _last_epoch(_log_tail(job, log_file, 5))
        line = f"  [{_bar(epoch, total)}] {state.name:<8} {time.monotonic() - started:5.1f}s  epoch {epoch}/{total}"
        if tty:
            out.write("\r" + line)
        elif (state, epoch) != shown:
            out.write(line + "\n")
        out.flush()
        shown = (state, epoch)
        if state.is_terminal or epoch >= stop_at:
            out.write("\n" if tty else "")
            return epoch
        time.sleep(poll)


def _session(service: LocalService) -> Session:
    creds = service.credentials
    Session.set_endpoint(iam_endpoint=service.endpoint, modelarts_endpoint=service.endpoint,
                         obs_endpoint=service.obs_endpoint, region_name=creds.region_name)  # fmt: skip
    return Session(access_key=creds.access_key, secret_key=creds.secret_key,
                   project_id=creds.project_id, region_name=creds.region_name)  # fmt: skip


def run_demo(
    stop_grace: float = 3.0, out: Optional[TextIO] = None, epochs: int = 40, stop_at: int = 8, poll: float = 0.2
) -> int:
    """Run the demo; 0 when every step behaved as documented (the job KILLED, then gone).

    ``Session.set_endpoint`` is process-wide; it is cleared when the demo ends.
    """
    out = out or sys.stdout
    say: Callable[[str], None] = lambda text: print(text, file=out, flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="modelarts-local-demo-") as tmp:
        with LocalService(tmp, stop_grace=stop_grace, queue_delay=0.5, kill_jobs_on_close=True) as service:
            say(f"local ModelArts service on {service.endpoint} (data dir {tmp})")
            boot = service.obs_root / "demo-bucket" / "src" / "train.py"
            boot.parent.mkdir(parents=True)
            boot.write_text(BOOT_FILE, encoding="utf-8")
            say(f"wrote the boot file /demo-bucket/src/train.py ({boot})")
            session = _session(service)
            try:
                estimator = Estimator(
                    session, code_dir="/demo-bucket/src/", boot_file="/demo-bucket/src/train.py",
                    output_path="/demo-bucket/output/", log_url="/demo-bucket/log/",
                    train_instance_type="modelarts.vm.cpu.2u", train_instance_count=1,
                    framework_type="PyTorch", framework_version="PyTorch-1.0.0-python3.6",
                    hyperparameters=[{"label": "epochs", "value": epochs}, {"label": "lr", "value": 0.1}],
                    job_description="modelarts-local demo",
                )  # fmt: skip
                job = estimator.fit(inputs="/demo-bucket/data/", job_name=JOB_NAME)
                say(f"Estimator.fit() created job {job.job_name} (job_id {job.job_id}, version_id {job.version_id})")
                log_file = job.get_job_log_file_list()["log_file_list"][0]
                say(f"watching it; it is stopped once its log shows epoch {stop_at} of {epochs}:")
                reached = _watch(job, log_file, epochs, stop_at, out, poll)
                say(f"epoch {reached} reached; the newest lines of {log_file} (job.get_job_log):")
                for line in _log_tail(job, log_file, 6):
                    say(f"  | {line}")
                started = time.monotonic()
                final = job.stop(wait=True, timeout=stop_grace + 30)["status"]
                took = time.monotonic() - started
                last = _last_epoch(_log_tail(job, log_file, 5))
                say(f"job.stop(wait=True): {final.name} after {1000 * took:.0f} ms; the last epoch it logged was {last}")
                job.delete_job()
                left = Estimator.get_job_list(session, search_content=JOB_NAME)["job_total_count"]
                say(f"job.delete_job(): done; Estimator.get_job_list finds {left} job(s) named like {JOB_NAME}")
            finally:
                session.close()
                Session.clear_endpoint()
    ok = final is JobState.KILLED and left == 0
    say("demo finished" if ok else f"demo finished with surprises (state {final.name}, {left} job(s) left)")
    return 0 if ok else 1
