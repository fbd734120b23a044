"""``modelarts-local`` / ``python -m modelarts.local``: serve, env, demo, lab.

* ``serve`` runs the service until SIGINT/SIGTERM and prints its endpoint and
  credentials file; jobs keep running after it stops (the next start
  re-adopts them) unless ``--kill-jobs-on-exit``.
* ``env`` prints the ``export`` lines for the service running on a data dir.
* ``demo`` runs a job's whole lifecycle through the SDK against a fresh service in a temp dir.
* ``lab`` starts the service and JupyterLab with the notebook environment
  exported, on a workspace of the user's own (``<data dir>/workspace`` or
  ``--notebook-dir``) seeded with copies of the documentation notebooks
  (:mod:`modelarts.local.workspace`); it never serves the source tree.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional

from modelarts.local.app import DataDirInUse, default_data_dir
from modelarts.local.processes import is_alive
from modelarts.local.jobs import JOB_QUOTA
from modelarts.local.jobspec import SANDBOXES
from modelarts.local.service import LocalService, MissingServerExtra, notebook_env
from modelarts.local.accounts import read_credentials_file
from modelarts.local.workspace import WorkspaceError, prepare_workspace

__all__ = ["build_parser", "lab_command", "main", "notebook_dir"]


def _service_options(parser: argparse.ArgumentParser, port_default: int = 0) -> None:
    parser.add_argument("--data-dir", type=Path, default=None, help="state directory (default ~/.modelarts-local)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=port_default, help="port (0 = any free port)")
    parser.add_argument("--stop-grace", type=float, default=5.0, help="seconds between SIGTERM and SIGKILL on stop")
    parser.add_argument("--queue-delay", type=float, default=0.5, help="seconds a job spends in INIT+WAITING")
    parser.add_argument("--job-quota", type=int, default=JOB_QUOTA, help=f"most jobs per project (default {JOB_QUOTA})")
    parser.add_argument(
        "--max-running-per-account", type=int, default=None, help="versions of one account running at once (default no cap)"
    )
    parser.add_argument(
        "--sandbox", choices=SANDBOXES, default="auto",
        help="job confinement: uid (root), bwrap, none; auto picks uid as root, else bwrap if installed",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="modelarts-local", description="A local ModelArts-compatible service.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the service until interrupted")
    _service_options(serve)
    serve.add_argument("--user", action="append", default=[], metavar="NAME[:PASSWORD]", help="add an IAM user")
    serve.add_argument("--project", action="append", default=[], metavar="NAME", help="add a project")
    serve.add_argument("--config", type=Path, help='JSON: {"users": [{"name", "password"}], "projects": [...], "accounts": [...]}')
    serve.add_argument("--kill-jobs-on-exit", action="store_true", help="stop running jobs when the service stops")
    env = commands.add_parser("env", help="print shell exports for the running service")
    env.add_argument("--data-dir", type=Path, default=None)
    demo = commands.add_parser("demo", help="create, watch, read logs, stop and delete a job")
    demo.add_argument("--stop-grace", type=float, default=3.0)
    lab = commands.add_parser("lab", help="start the service and JupyterLab on a workspace of your own")
    _service_options(lab)
    lab.add_argument(
        "--notebook-dir", type=Path, default=None,
        help="the folder JupyterLab serves (default <data-dir>/workspace); seeded with copies of the "
        "documentation notebooks it lacks; never inside the source tree",
    )
    lab.add_argument("--no-browser", action="store_true", help="passed to jupyter lab")
    lab.add_argument("jupyter_args", nargs=argparse.REMAINDER, help="more jupyter lab arguments after --")
    return parser


def _start(args: argparse.Namespace, kill_jobs: bool) -> LocalService:
    service = LocalService(
        args.data_dir or default_data_dir(),
        host=args.host,
        port=args.port,
        stop_grace=args.stop_grace,
        queue_delay=args.queue_delay,
        job_quota=getattr(args, "job_quota", JOB_QUOTA),
        max_running_per_account=getattr(args, "max_running_per_account", None),
        sandbox=getattr(args, "sandbox", "auto"),
        kill_jobs_on_close=kill_jobs,
    )
    return service.start()


def _user_file(service: LocalService, creds: Any) -> str:
    return f"{service.data_dir}/users/{creds.account}.{creds.username}.ini"


def _add_principals(service: LocalService, args: argparse.Namespace) -> List[str]:
    """Add the accounts, projects and users asked for; one note line each."""
    extra: Dict[str, Any] = json.loads(args.config.read_text()) if args.config else {}
    accounts = [item if isinstance(item, dict) else {"name": item} for item in extra.get("accounts", [])]
    projects = [str(name) for name in [*args.project, *extra.get("projects", [])]]
    users = [dict(zip(("name", "password"), spec.split(":", 1))) for spec in args.user] + list(extra.get("users", []))
    notes: List[str] = []

    def attempt(label: str, add: Any) -> None:
        try:
            notes.append(f"{label}: {add()}")
        except sqlite3.IntegrityError:
            notes.append(f"{label}: already exists")

    for account in accounts:
        attempt(f"account {account['name']}", lambda a=account: _user_file(service, service.add_account(a["name"], a.get("password"))))
    for project in projects:
        attempt(f"project {project}", lambda name=project: service.add_project(name))
    for user in users:
        attempt(
            f"user {user['name']}",
            lambda u=user: _user_file(service, service.add_user(u["name"], u.get("password"), u.get("account"), u.get("project"))),
        )
    return notes


def _serve(args: argparse.Namespace) -> int:
    service = _start(args, kill_jobs=args.kill_jobs_on_exit)
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    try:
        notes = _add_principals(service, args)
        creds = service.credentials
        print(f"modelarts-local OBS endpoint: {service.obs_endpoint}")
        print(f"modelarts-local serving on {service.endpoint}")
        print(f"  data dir:          {service.data_dir}")
        print(f"  credentials file:  {service.credentials_file}")
        print(f"  account/user:      {creds.account} / {creds.username} (password in the credentials file)")
        print(f"  project:           {creds.project_id} ({creds.project_name}), region {creds.region_name}")
        print(f"  OBS endpoint:      {service.obs_endpoint} (files under {service.obs_root})")
        for note in notes:
            print(f"  {note}")
        print('  shell exports:     eval "$(modelarts-local env)"')
        fate = "are stopped" if args.kill_jobs_on_exit else "keep running and are re-adopted on the next start"
        print(f"Ctrl-C stops the service; running jobs {fate}.", flush=True)
        while not done.wait(0.5):
            pass
    finally:
        service.close()
    print("modelarts-local stopped", flush=True)
    return 0


def _env(args: argparse.Namespace) -> int:
    data_dir = (args.data_dir or default_data_dir()).expanduser().resolve()
    try:
        info = json.loads((data_dir / "server.json").read_text())
    except (OSError, ValueError):
        info = {}
    if not info or not is_alive(int(info.get("pid", 0)), None):
        print(f"no modelarts-local service is running on {data_dir}; start one with: modelarts-local serve", file=sys.stderr)
        return 1
    creds = read_credentials_file(info["credentials_file"])
    for name, value in notebook_env(info["endpoint"], creds, info["credentials_file"], info.get("obs_endpoint")).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def notebook_dir(args: argparse.Namespace) -> Path:
    """The workspace ``lab`` serves: ``--notebook-dir``, else ``<data dir>/workspace``."""
    chosen = args.notebook_dir if args.notebook_dir is not None else (args.data_dir or default_data_dir()) / "workspace"
    return Path(chosen).expanduser().resolve()


def lab_command(args: argparse.Namespace, euid: Optional[int] = None) -> List[str]:
    """The ``jupyter lab`` command line ``lab`` runs.

    JupyterLab refuses to start as root without ``--allow-root``; as root
    (``euid`` 0, default: this process's) it is added unless already given.
    """
    jupyter = shutil.which("jupyter")
    command = [jupyter, "lab"] if jupyter else [sys.executable, "-m", "jupyterlab"]
    command.append(f"--ServerApp.root_dir={notebook_dir(args)}")
    extra = [arg for arg in args.jupyter_args if arg != "--"]
    if args.no_browser:
        command.append("--no-browser")
    if euid is None:
        euid = os.geteuid() if hasattr(os, "geteuid") else -1
    if euid == 0 and not any(arg.split("=")[0] in ("--allow-root", "--ServerApp.allow_root") for arg in extra):
        command.append("--allow-root")
    return command + extra


def _lab(args: argparse.Namespace) -> int:
    workspace = notebook_dir(args)
    copied = prepare_workspace(workspace)  # before the service: a refused folder starts nothing
    service = _start(args, kill_jobs=True)
    try:
        env = dict(os.environ, **service.env())
        command = lab_command(args)
        print(f"modelarts-local serving on {service.endpoint} (data dir {service.data_dir})", flush=True)
        print(f"  workspace: {workspace}" + (f" (copied {len(copied)} documentation files)" if copied else ""))
        print("  Ctrl-C (or File > Shut Down in JupyterLab) stops JupyterLab and the service; its jobs are stopped.")
        print(f"  starting {' '.join(command)}", flush=True)
        process = subprocess.Popen(command, env=env)
        # SIGTERM/SIGHUP to this process reach JupyterLab too (left alone, it would outlive the service).
        forwarded = [signum for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if signum is not None]
        previous = {signum: signal.signal(signum, lambda *_: process.terminate()) for signum in forwarded}
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            return process.wait()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    finally:
        service.close()


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``modelarts-local``."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "env":
            return _env(args)
        if args.command == "lab":
            return _lab(args)
        from modelarts.local.demo import run_demo

        return run_demo(stop_grace=args.stop_grace)
    except (DataDirInUse, MissingServerExtra, WorkspaceError) as exc:
        print(f"modelarts-local: {exc}", file=sys.stderr)
        return 2
