"""What a job runs with: its identity, sandbox, environment, and the launcher's spec.

:func:`build_spec` turns one version row into the JSON spec the launcher
(:mod:`modelarts.local.launcher`) runs: per worker its argv, log file and
scrubbed environment; what to stage into the work directory (laid out by
:class:`~modelarts.local.jobfiles.JobFiles`) and copy back to OBS; the uid to
run as and the ``bwrap`` prefix.  See the threat model in :mod:`modelarts.local`.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from modelarts.local.jobfiles import JobFiles
from modelarts.local.logs import log_file_names
from modelarts.local.obs import local_path

__all__ = [
    "JOB_UID_BASE",
    "JOB_UID_SPAN",
    "SANDBOXES",
    "build_spec",
    "bwrap_prefix",
    "job_env",
    "job_uid",
    "launcher_env",
    "resolve_sandbox",
]

#: Jobs of a root service run as uid/gid ``JOB_UID_BASE + version_id % JOB_UID_SPAN``:
#: a user of their own, with no supplementary groups (ModelArts runs training
#: as the unprivileged ``ma-user``).
JOB_UID_BASE = 200_000
JOB_UID_SPAN = 100_000


def job_uid(base: Optional[int], version_id: int) -> Optional[int]:
    """The uid (and gid) version ``version_id`` runs as: ``None`` without a uid sandbox (``base`` ``None``)."""
    return None if base is None else base + version_id % JOB_UID_SPAN


def _data_url(config: Dict[str, Any]) -> str:
    """The OBS data path handed to the boot file as ``--data_url``, if any."""
    if config["data_url"]:
        return str(config["data_url"])
    obs = [item["data_url"] for item in config["data_source"] if item.get("type") == "obs"]
    return obs[0] if obs else ""


#: The only environment a job starts with (plus ``DLS_*`` and its parameters).
_JOB_PATH = "/usr/local/bin:/usr/bin:/bin"


def job_env(job_dir: Path, config: Dict[str, Any]) -> Dict[str, str]:
    """A scrubbed environment: nothing of the service's variables or secrets."""
    return {
        "PATH": os.path.dirname(sys.executable) + os.pathsep + _JOB_PATH,
        "HOME": str(job_dir),
        "TMPDIR": str(job_dir / "tmp"),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "DLS_TASK_NUMBER": str(config["worker_server_num"]),
    }


def launcher_env() -> Dict[str, str]:
    """The launcher's environment: it needs no secret either."""
    return {"PATH": _JOB_PATH, "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}


#: How a job is confined: ``uid`` (a user of its own; needs root), ``bwrap``
#: (bubblewrap: the data directory and other jobs' work directories hidden, a
#: fresh ``/proc``, no capabilities; for an unprivileged service), or ``none``.
SANDBOXES = ("auto", "uid", "bwrap", "none")


def resolve_sandbox(wanted: str) -> str:
    """The sandbox ``auto`` means on this machine: ``uid`` as root, else ``bwrap`` if installed."""
    if wanted not in SANDBOXES:
        raise ValueError(f"sandbox must be one of {', '.join(SANDBOXES)}, not {wanted!r}")
    if wanted != "auto":
        return wanted
    if os.geteuid() == 0:
        return "uid"
    return "bwrap" if shutil.which("bwrap") else "none"


def bwrap_prefix(files: JobFiles, job_dir: Path, cwd: Path) -> List[str]:
    """The ``bwrap`` command line that confines one job (put before its argv)."""
    hidden = [str(files.data_dir), str(files.work_root)]
    argv = [shutil.which("bwrap") or "bwrap", "--dev-bind", "/", "/"]
    for path in hidden:
        argv += ["--tmpfs", path]
    argv += ["--bind", str(job_dir), str(job_dir), "--proc", "/proc", "--unshare-pid", "--unshare-ipc"]
    return argv + ["--chdir", str(cwd), "--die-with-parent", "--cap-drop", "ALL", "--"]


def build_spec(
    row: Any, files: JobFiles, run_dir: Path, uid: Optional[int], stop_grace: float, sandbox: str = "none"
) -> Dict[str, Any]:
    """The launcher's spec for one version row (and a fresh work directory for it)."""
    config = json.loads(row["config"])
    version_id = row["version_id"]
    run_dir.mkdir(parents=True, exist_ok=True)
    status_file = run_dir / "status.json"
    status_file.unlink(missing_ok=True)
    files.prepare_work_root()
    work = files.work_dir(version_id)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o711)
    job_dir = work / "job"
    root = files.obs_root
    cwd = job_dir
    env = job_env(job_dir, config)
    env.update(config.get("environments") or {})  # a v2 job's algorithm.environments
    stage_in: List[Dict[str, str]] = []
    copy_back: List[Dict[str, str]] = []
    error = ""
    # A v2 job's inputs and outputs: staged in, or copied back when it ends; each named by its local dir.
    named: Dict[str, str] = {}
    for kind, items in (("inputs", config.get("inputs") or []), ("outputs", config.get("outputs") or [])):
        for item in items:
            url, target = item["url"], job_dir / kind / item["name"]
            pair = {"source": str(local_path(root, url)), "target": str(target)}
            if kind == "inputs":
                stage_in.append(pair)
            else:
                copy_back.append({"source": str(target), "target": pair["source"], "url": url})
            named[item["name"]] = f"{target}{'/' if url.endswith('/') else ''}"
    if config["user_image_url"]:
        argv = ["/bin/sh", "-c", config["user_command"]]
        env.update({item["label"]: item["value"] for item in config["parameter"]})
        env.update(named)
    elif config["boot_file_url"]:
        boot = local_path(root, config["boot_file_url"])
        app = local_path(root, config["app_url"])
        code = job_dir / "code"
        stage_in.append({"source": str(app), "target": str(code)})
        cwd = code if app.is_dir() else job_dir
        staged_boot = code / boot.relative_to(app) if app.is_dir() else code / boot.name
        argv = [sys.executable, str(staged_boot)] + [f"--{p['label']}={p['value']}" for p in config["parameter"]]
        argv += [f"--{name}={value}" for name, value in named.items()]
        for key, url in (("data_url", _data_url(config)), ("train_url", config["train_url"])):
            if not url:
                continue
            source = local_path(root, url)
            target = job_dir / ("output" if key == "train_url" else "data")
            if key == "train_url":
                copy_back.append({"source": str(target), "target": str(source), "url": url})
            else:
                stage_in.append({"source": str(source), "target": str(target)})
            argv.append(f"--{key}={target}{'/' if url.endswith('/') else ''}")
        if not boot.is_file():
            error = f"boot file {config['boot_file_url']} does not exist"
    else:
        argv = []
        error = f"built-in algorithm {config['model_id']} cannot run in the local service; give app_url and boot_file_url"
    names = log_file_names(row["job_name"], config["worker_server_num"])
    workers = [
        {
            "index": index,
            "argv": argv,
            "log": str(files.log_dir(version_id) / name),
            "env": dict(env, DLS_TASK_INDEX=str(index)),
            "error": error,
        }
        for index, name in enumerate(names)
    ]
    return {
        "workers": workers,
        "cwd": str(cwd),
        "job_dir": str(job_dir),
        "runtime_dir": str(work / "python"),
        "stage_in": stage_in,
        "copy_back": copy_back,
        "uid": uid,
        "gid": uid,
        "wrap": bwrap_prefix(files, job_dir, cwd) if sandbox == "bwrap" else [],
        "stop_grace": stop_grace,
        "status_file": str(status_file),
    }
