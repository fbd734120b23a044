"""``modelarts-local demo``: a training job's whole lifecycle in the terminal.

Against a fresh service in a temporary directory it writes a small boot file
into OBS, creates a job, watches it with a progress line (status, duration,
epoch from the log), shows the log, stops the job (timing stop → KILLED) and
deletes it.  It talks plain AK/SK-signed HTTP (:mod:`modelarts.local.client`),
the same requests the SDK sends.
"""

from __future__ import annotations

import sys
import tempfile
import time
from typing import Any, Dict, Optional, TextIO

from modelarts.local.client import SignedClient
from modelarts.local.testing import LocalService
from modelarts.states import JobState

__all__ = ["BOOT_FILE", "run_demo"]

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


def _bar(done: int, total: int, width: int = 24) -> str:
    filled = int(width * done / total) if total else 0
    return "#" * filled + "." * (width - filled)


def _last_epoch(client: SignedClient, base: str, log_file: str) -> int:
    content = client.get(base + "/aom-log", log_file=log_file, lines=5)["content"]
    epochs = [line.split()[1] for line in content.splitlines() if line.startswith("epoch ")]
    return int(epochs[-1].split("/")[0]) if epochs else 0


def _watch(client: SignedClient, base: str, log_file: str, total: int, until_epoch: int, out: TextIO) -> Dict[str, Any]:
    tty = out.isatty()
    while True:
        detail = client.get(base)
        state = JobState(detail["status"])
        epoch = _last_epoch(client, base, log_file) if state is JobState.RUNNING else 0
        line = f"  [{_bar(epoch, total)}] {state.api_name:<18} {detail['duration'] / 1000:5.1f}s  epoch {epoch}/{total}"
        out.write(("\r" + line) if tty else line + "\n")
        out.flush()
        if state.is_terminal or epoch >= until_epoch:
            out.write("\n" if tty else "")
            return detail
        time.sleep(0.4 if tty else 1.0)


def run_demo(stop_grace: float = 3.0, out: Optional[TextIO] = None, epochs: int = 40, stop_at: int = 8) -> int:
    """Run the demo; 0 when every step behaved as documented."""
    out = out or sys.stdout
    say = lambda text: print(text, file=out, flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="modelarts-local-demo-") as tmp:
        with LocalService(tmp, stop_grace=stop_grace, queue_delay=1.0, kill_jobs_on_close=True) as service:
            say(f"local ModelArts service on {service.endpoint} (data dir {tmp})")
            boot = service.obs_root / "demo-bucket" / "src" / "train.py"
            boot.parent.mkdir(parents=True)
            boot.write_text(BOOT_FILE, encoding="utf-8")
            say(f"wrote the boot file /demo-bucket/src/train.py ({boot})")
            with SignedClient(service.endpoint, service.credentials) as client:
                created = client.post(
                    "/v1/{project_id}/training-jobs",
                    {
                        "job_name": "demo-job",
                        "job_desc": "modelarts-local demo",
                        "config": {
                            "worker_server_num": 1,
                            "app_url": "/demo-bucket/src/",
                            "boot_file_url": "/demo-bucket/src/train.py",
                            "data_url": "/demo-bucket/data/",
                            "train_url": "/demo-bucket/output/",
                            "spec_id": 1,
                            "engine_id": 121,
                            "parameter": [{"label": "epochs", "value": str(epochs)}, {"label": "lr", "value": "0.1"}],
                        },
                    },
                )
                job_id, version_id = created["job_id"], created["version_id"]
                say(f"created job {created['job_name']} (job_id {job_id}, version {created['version_name']})")
                base = f"/v1/{{project_id}}/training-jobs/{job_id}/versions/{version_id}"
                log_file = client.get(base + "/log/file-names")["log_file_list"][0]
                say("watching it (it is stopped at epoch %d):" % stop_at)
                _watch(client, base, log_file, epochs, stop_at, out)
                say(f"last lines of {log_file}:")
                for line in client.get(base + "/aom-log", log_file=log_file, lines=6)["content"].splitlines():
                    say(f"  | {line}")
                started = time.monotonic()
                client.post(base + "/stop")
                while JobState(client.get(base)["status"]) is JobState.KILLING:
                    time.sleep(0.02)
                final = JobState(client.get(base)["status"])
                say(f"stopped: {final.api_name} {1000 * (time.monotonic() - started):.0f} ms after the stop request")
                client.delete(f"/v1/{{project_id}}/training-jobs/{job_id}")
                remaining = client.get("/v1/{project_id}/training-jobs")["job_total_count"]
                say(f"deleted the job; {remaining} jobs left")
    ok = final is JobState.KILLED and remaining == 0
    say("demo finished" if ok else "demo finished with surprises")
    return 0 if ok else 1
