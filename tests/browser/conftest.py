"""Fixtures for the real-browser tests: the local service, JupyterLab, Chromium.

* ``browser_service`` — a :class:`~modelarts.local.LocalService` on 127.0.0.1.
* ``lab`` — JupyterLab on 127.0.0.1 (port 0, a token, no browser of its own),
  in a temporary root dir, with isolated config/runtime/settings dirs and the
  service's notebook environment, so a plain ``Session()`` in the kernel
  talks to the service.  Notebooks are written with :meth:`Lab.write_notebook`.
* ``page`` — a Playwright page in Debian's ``/usr/bin/chromium``
  (``playwright install`` cannot download a browser here).

Artifacts (screenshots, the JupyterLab log on failure) go to
``<repo>/test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from modelarts.local import LocalService

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TOKEN = "modelarts-browser-test"
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


@pytest.fixture(scope="module")
def browser_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    """The local service the notebook's kernel talks to."""
    data_dir = tmp_path_factory.mktemp("browser-service")
    with LocalService(data_dir, stop_grace=1.0, queue_delay=0.2, kill_jobs_on_close=True) as service:
        yield service


@pytest.fixture(scope="module")
def lab(browser_service: LocalService, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1:<free port> with a token, serving a temporary root dir."""
    base = tmp_path_factory.mktemp("lab")
    root, runtime, settings = base / "root", base / "runtime", base / "settings"
    for directory in (root, runtime, settings):
        directory.mkdir()
    for name, values in LAB_SETTINGS.items():
        target = settings / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values), encoding="utf-8")
    env: Dict[str, str] = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(browser_service.env())
    env.update(
        JUPYTER_RUNTIME_DIR=str(runtime),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_PLATFORM_DIRS="1",
        IPYTHONDIR=str(base / "ipython"),
        PYTHONUNBUFFERED="1",
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
        url = _wait_for_server(runtime, process, log, timeout=90)
        assert url.startswith("http://127.0.0.1:"), url
        yield Lab(root, url, process, log)
    finally:
        _stop_group(process)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "jupyterlab.log").write_bytes(log.read_bytes())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Keep each phase's report on the test item, so ``page`` can tell that the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in Debian's Chromium; console errors are kept on ``page.console_errors``.

    When the test fails, a screenshot of the whole page is kept as
    ``test-artifacts/failed-<test name>.png``.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (tools/run-tests.sh does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            new_page = context.new_page()
            errors: List[str] = []
            new_page.on("pageerror", lambda exc: errors.append(str(exc)))
            new_page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            setattr(new_page, "console_errors", errors)
            new_page.set_default_timeout(60_000)
            expect.set_options(timeout=30_000)  # a loaded 2-core CI machine is slow to round-trip
            yield new_page
            report = getattr(request.node, "rep_call", None)
            if report is not None and report.failed:
                ARTIFACTS.mkdir(exist_ok=True)
                new_page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"), full_page=True)
        finally:
            browser.close()


@pytest.fixture
def artifacts() -> Path:
    """``<repo>/test-artifacts/`` (gitignored), created if needed."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
