"""JupyterLab for the browser tests and the browser benchmarks.

:func:`start_lab` runs JupyterLab on 127.0.0.1 (port 0, a token, no browser of
its own) in a root dir under ``base``, with isolated config/runtime/settings
dirs and the given environment (the local service's notebook environment, so a
plain ``Session()`` in a kernel talks to it).  :class:`Lab` writes notebooks
and ends the server with its kernels.  Chromium is Debian's
``/usr/bin/chromium`` (``playwright install`` cannot download a browser here).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Mapping

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "LAB_SETTINGS", "Lab", "TOKEN", "start_lab"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "modelarts-browser-test"
#: The checkout under test (the kernels put it first on their path).
REPO_ROOT = Path(__file__).resolve().parents[2]
#: No news, no update checks, no toasts: nothing may cover the widget.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
}


class Lab:
    """A running JupyterLab server (see the ``lab`` fixture)."""

    def __init__(self, root: Path, url: str, process: "subprocess.Popen[bytes]", log: Path) -> None:
        self.root, self.url, self.process, self.log = root, url.rstrip("/") + "/", process, log

    def write_notebook(self, name: str, cells: List[str]) -> Path:
        """Write a notebook of code cells into the root dir."""
        notebook = {
            "cells": [
                {"cell_type": "code", "id": f"cell-{i}", "metadata": {}, "execution_count": None,
                 "outputs": [], "source": source}
                for i, source in enumerate(cells)
            ],  # fmt: skip
            "metadata": {
                "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        path = self.root / name
        path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
        return path

    def notebook_url(self, name: str) -> str:
        """The URL that opens ``name`` in JupyterLab, logged in with the token."""
        return f"{self.url}lab/tree/{name}?token={TOKEN}"

    def close(self) -> None:
        """End the server and its kernels."""
        _stop_group(self.process)


def _wait_for_server(runtime: Path, process: "subprocess.Popen[bytes]", log: Path, timeout: float) -> str:
    """The server's URL, from the ``jpserver-<pid>.json`` it writes once listening."""
    deadline = time.monotonic() + timeout
    info_file = runtime / f"jpserver-{process.pid}.json"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        if info_file.exists():
            try:
                return str(json.loads(info_file.read_text())["url"])
            except (ValueError, KeyError):
                pass  # being written
        time.sleep(0.1)
    raise RuntimeError(f"JupyterLab did not start in {timeout}s:\n{log.read_text()[-4000:]}")


def _stop_group(process: "subprocess.Popen[bytes]") -> None:
    """End the server we started and its kernels (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # kernels left in the group
    except ProcessLookupError:
        pass
    if process.poll() is None:
        process.wait(10)


def start_lab(base: Path, service_env: Mapping[str, str], timeout: float = 90) -> Lab:
    """Start JupyterLab serving ``base/root``; its URL is known once it listens."""
    root, runtime, settings = base / "root", base / "runtime", base / "settings"
    for directory in (root, runtime, settings):
        directory.mkdir(parents=True, exist_ok=True)
    for name, values in LAB_SETTINGS.items():
        target = settings / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values), encoding="utf-8")
    env: Dict[str, str] = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(service_env)
    env.update(
        JUPYTER_RUNTIME_DIR=str(runtime),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_PLATFORM_DIRS="1",
        IPYTHONDIR=str(base / "ipython"),
        PYTHONUNBUFFERED="1",
        # The kernels import this checkout's modelarts, not whichever one is installed.
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    )
    args = [
        sys.executable, "-m", "jupyter", "lab",
        "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0", "--ServerApp.port_retries=0",
        "--ServerApp.open_browser=False", f"--IdentityProvider.token={TOKEN}", "--allow-root",
        f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={base / 'workspaces'}",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]  # fmt: skip
    log = base / "jupyterlab.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(args, env=env, cwd=root, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        url = _wait_for_server(runtime, process, log, timeout=timeout)
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"JupyterLab listens on {url}, not on loopback")
    except BaseException:
        _stop_group(process)
        raise
    return Lab(root, url, process, log)
