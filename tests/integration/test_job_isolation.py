"""Job isolation: a hostile job reads none of the service's secrets, other logs or other buckets."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from modelarts.local import LocalService
from modelarts.states import JobState

PROBE = """
import os, sys
targets = [a.split("=", 1)[1] for a in sys.argv[1:] if a[:3] == "--t" and a[3:4].isdigit()]
print("UID", os.getuid(), "GID", os.getgid(), "GROUPS", os.getgroups())
print("ENV", sorted(os.environ))
for path in targets:
    try:
        with open(path, "rb") as handle:
            print("READ", path, handle.read(4000))
    except OSError as exc:
        print("DENIED", path, type(exc).__name__)
"""


def _text(api: Any, job: Any) -> str:
    return api.log(job["job_id"], job["version_id"], f"job-{job['job_name']}.0", lines=500, base_line=0)["content"]


def test_second_account_job_cannot_read_secrets_or_other_logs(
    local_service: LocalService, api: Any, bucket: Any, helpers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELARTS_SERVICE_SECRET", "s3cr3t-in-the-service-environment")
    main = local_service.credentials
    # Account A runs a job whose log holds something private.
    job_a = helpers.create_job(api, bucket, "print('private-of-account-a', flush=True)\n")
    helpers.wait_status(api, job_a, JobState.COMPLETED)
    data_dir = local_service.data_dir
    log_a = data_dir / "logs" / str(job_a["version_id"]) / f"job-{job_a['job_name']}.0"
    secret_script = bucket.write("src/secret.py", "TOKEN = 'code-of-account-a'\n")
    # Account B tries the attack of the report, with relative and absolute paths.
    other = local_service.add_account(helpers.unique("acct"))
    api_b = helpers.Api(local_service.endpoint, other)
    bucket_b = helpers.Bucket.owned_by(local_service, other.domain_id, helpers.unique("bucket"))
    targets = [
        "../../credentials.ini",
        "../../state.db",
        str(data_dir / "credentials.ini"),
        str(data_dir / "state.db"),
        str(log_a),
        str(local_service.obs_root / secret_script.lstrip("/")),
        f"/proc/{os.getpid()}/environ",
    ]
    params = [{"label": f"t{index}", "value": target} for index, target in enumerate(targets)]
    job_b = helpers.create_job(api_b, bucket_b, PROBE + "\n", parameter=params)
    helpers.wait_status(api_b, job_b, JobState.COMPLETED, JobState.FAILED)
    text = _text(api_b, job_b)
    assert "READ" not in text and text.count("DENIED") == len(targets), text
    for secret in (main.secret_key, main.password, other.secret_key, "private-of-account-a", "code-of-account-a",
                   "s3cr3t-in-the-service-environment"):
        assert secret not in text
    assert "MODELARTS_SERVICE_SECRET" not in text and "PYTHONPATH" not in text
    if os.geteuid() == 0:
        uid_line = next(line for line in text.splitlines() if line.startswith("UID "))
        assert not uid_line.startswith("UID 0 "), uid_line
        assert "GROUPS [0" not in uid_line


def test_shell_job_of_the_report_reads_nothing(local_service: LocalService, helpers: Any) -> None:
    other = local_service.add_account(helpers.unique("acct"))
    api_b = helpers.Api(local_service.endpoint, other)
    bucket_b = helpers.Bucket.owned_by(local_service, other.domain_id, helpers.unique("bucket"))
    response = api_b.post(
        "/v1/{project_id}/training-jobs",
        json={
            "job_name": helpers.unique("shell"),
            "config": {
                "worker_server_num": 1,
                "user_image_url": "swr/x:1",
                "user_command": "cat ../../credentials.ini ../../logs/*/* ../../../credentials.ini; id -u; env",
                "data_url": bucket_b.url("data/"),
                "train_url": bucket_b.url("out/"),
                "spec_id": 1,
            },
        },
    )
    job = api_b.ok(response)
    helpers.wait_status(api_b, job, JobState.COMPLETED, JobState.FAILED)
    text = _text(api_b, job)
    creds = local_service.credentials
    assert creds.secret_key not in text and creds.password not in text and other.secret_key not in text
    assert "default_secret_access_key" not in text
    if os.geteuid() == 0:
        ids = [line for line in text.splitlines() if line.strip().isdigit()]
        assert ids and ids[0].strip() != "0", text


def test_job_reads_its_inputs_writes_outputs_and_cannot_exfiltrate_by_link(
    local_service: LocalService, api: Any, bucket: Any, helpers: Any
) -> None:
    bucket.write("data/input.txt", "forty-two\n")
    boot = """
import os, sys
args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
text = open(os.path.join(args["data_url"], "input.txt")).read().strip()
os.makedirs(os.path.join(args["train_url"], "model"), exist_ok=True)
open(os.path.join(args["train_url"], "model", "result.txt"), "w").write(text.upper())
for name, target in (("creds", sys.argv[0].split("/job/")[0] + "/../../credentials.ini"), ("etc", "/etc/hostname")):
    os.symlink(target, os.path.join(args["train_url"], name))
print("done", flush=True)
"""
    job = helpers.create_job(api, bucket, boot)
    helpers.wait_status(api, job, JobState.COMPLETED, timeout=30)
    output = local_service.obs_root / bucket.name / "output"
    assert (output / "model" / "result.txt").read_text() == "FORTY-TWO"
    assert not (output / "creds").exists() and not (output / "creds").is_symlink()
    assert not (output / "etc").is_symlink()


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_bwrap_sandbox_hides_the_data_dir_and_the_service(tmp_path: Path, helpers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox an unprivileged service uses (forced here, whoever runs the test)."""
    monkeypatch.setenv("MODELARTS_SERVICE_SECRET", "s3cr3t-in-the-service-environment")
    with LocalService(tmp_path / "svc", queue_delay=0.05, sandbox="bwrap") as service:
        api = helpers.Api(service.endpoint, service.credentials)
        bucket = helpers.Bucket(service.obs_root, "bw")
        other = helpers.create_job(api, bucket, "print('private-of-another-job', flush=True)\n")
        helpers.wait_status(api, other, JobState.COMPLETED, timeout=30)
        data_dir = service.data_dir
        targets = [str(data_dir / "credentials.ini"), str(data_dir / "state.db"),
                   str(data_dir / "logs" / str(other["version_id"]) / f"job-{other['job_name']}.0"),
                   f"/proc/{os.getpid()}/environ", "../../credentials.ini"]
        params = [{"label": f"t{index}", "value": target} for index, target in enumerate(targets)]
        bucket.write("data/in.txt", "input-ok\n")
        probe = PROBE + "\nprint('INPUT', open(sys.argv[-2].split('=', 1)[1] + 'in.txt').read().strip())\n"
        job = helpers.create_job(api, bucket, probe, parameter=params)
        helpers.wait_status(api, job, JobState.COMPLETED, JobState.FAILED, timeout=30)
        text = _text(api, job)
        assert "READ" not in text and text.count("DENIED") == len(targets), text
        assert service.credentials.secret_key not in text and "private-of-another-job" not in text
        assert "s3cr3t-in-the-service-environment" not in text
        assert "INPUT input-ok" in text, text
