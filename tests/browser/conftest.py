"""Fixtures for the real-browser tests: the local service, JupyterLab, Chromium.

* ``browser_service`` — a :class:`~modelarts.local.LocalService` on 127.0.0.1.
* ``lab`` — JupyterLab on 127.0.0.1 (port 0, a token, no browser of its own),
  in a temporary root dir, with isolated config/runtime/settings dirs and the
  service's notebook environment, so a plain ``Session()`` in the kernel
  talks to the service.  Notebooks are written with :meth:`Lab.write_notebook`.
* ``page`` — a Playwright page in Debian's ``/usr/bin/chromium``
  (``playwright install`` cannot download a browser here).

The service and JupyterLab start once per module (a fresh lab has a fresh
workspace: no notebook of another module is restored into the page); Chromium
starts once per session and each test gets a fresh browser context.

Artifacts (screenshots, the JupyterLab log on failure) go to
``<repo>/test-artifacts/``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, List

import pytest
from labserver import CHROMIUM, CHROMIUM_ARGS, Lab, start_lab
from playwright.sync_api import Browser, Page, expect, sync_playwright

from modelarts.local import LocalService

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


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
    server = start_lab(base, browser_service.env())
    try:
        yield server
    finally:
        server.close()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "jupyterlab.log").write_bytes(server.log.read_bytes())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Keep each phase's report on the test item, so ``page`` can tell that the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright (one launch per session)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (tools/run-tests.sh does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh browser context; console errors are kept on ``page.console_errors``.

    When the test fails, a screenshot of the whole page is kept as
    ``test-artifacts/failed-<test name>.png``.
    """
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
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
        context.close()


@pytest.fixture
def artifacts() -> Path:
    """``<repo>/test-artifacts/`` (gitignored), created if needed."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
