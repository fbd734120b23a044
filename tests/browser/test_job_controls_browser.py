"""Stop and Delete a training job from a notebook, in a real browser.

JupyterLab runs a notebook that creates a job on the local service and displays
it; Chromium (driven by Playwright) clicks the widget's buttons.  The test
asserts on the DOM and then asks the service itself, so it proves the whole
path: browser → widget comm → kernel → SDK → local service → job process.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_helpers import button, run_notebook
from playwright.sync_api import Page, expect

from modelarts.estimator import Estimator
from modelarts.exceptions import APIError
from modelarts.job import TrainingJob
from modelarts.local import LocalService
from modelarts.session import Session
from modelarts.states import JobState

pytestmark = pytest.mark.browser

JOB_NAME = "browser-demo"
BOOT = """\
import time
for step in range(6000):
    print("step", step, flush=True)
    time.sleep(0.1)
"""
CELLS = [
    "from modelarts.session import Session\n"
    "from modelarts.estimator import Estimator\n"
    "session = Session()  # the notebook environment points at the local service\n"
    "estimator = Estimator(modelarts_session=session, code_dir='/browser/src/', boot_file='/browser/src/boot.py',\n"
    "                      output_path='/browser/out/', log_url='/browser/log/',\n"
    "                      train_instance_type='modelarts.vm.cpu.2u', train_instance_count=1)\n"
    f"job = estimator.fit(inputs='/browser/data/', job_name={JOB_NAME!r}, wait=False)",
    "job",
]


def _service_session(service: LocalService) -> Session:
    return Session(environ=service.env())


_button = button


def test_stop_then_delete_from_the_page(page: Page, lab, browser_service: LocalService, artifacts: Path) -> None:
    """Click Stop → badge KILLED and the service agrees; Delete → Confirm → the job is gone."""
    obs = browser_service.obs_root / "browser"
    (obs / "src").mkdir(parents=True)
    (obs / "data").mkdir()
    (obs / "src" / "boot.py").write_text(BOOT)
    run_notebook(page, lab, "job_controls.ipynb", CELLS)

    controls = page.locator(".modelarts-job-controls")
    expect(controls).to_have_count(1, timeout=90_000)
    badge = controls.locator(".modelarts-status")
    expect(badge).to_have_class(re.compile(r"modelarts-state-RUNNING"), timeout=60_000)
    expect(badge).to_have_text("RUNNING")
    header = controls.locator("code")
    job_id, version_id = header.nth(0).inner_text().strip(), header.nth(1).inner_text().strip()
    expect(controls).to_contain_text(JOB_NAME)
    session = _service_session(browser_service)
    job = TrainingJob(session, job_id, version_id)
    assert job.refresh() is JobState.RUNNING

    stop = _button(controls, "Stop")
    expect(stop).to_be_enabled()
    stop.click()
    expect(badge).to_have_class(re.compile(r"modelarts-state-KILLED"), timeout=60_000)
    expect(badge).to_have_text("KILLED")
    assert job.refresh() is JobState.KILLED, "the service must agree with the badge"
    expect(stop).to_be_disabled()
    output = controls.locator(".jp-OutputArea-output")
    expect(output.filter(has_text=f"Stopped {JOB_NAME} ({job_id}): KILLED")).to_have_count(1, timeout=30_000)
    controls.screenshot(path=str(artifacts / "job_controls_killed.png"))

    _button(controls, "Delete").click()
    confirm = _button(controls, f"Confirm delete {JOB_NAME} ({job_id})")
    expect(confirm).to_be_visible()
    expect(_button(controls, "Cancel")).to_be_visible()
    expect(controls).not_to_contain_text("stopped first")  # the job has ended: a plain delete
    controls.screenshot(path=str(artifacts / "job_controls_confirm.png"))
    confirm.click()
    expect(badge).to_have_class(re.compile(r"modelarts-state-DELETED"), timeout=60_000)
    expect(output.filter(has_text=f"Deleted {JOB_NAME} ({job_id})")).to_have_count(1, timeout=30_000)
    expect(_button(controls, "Delete")).to_be_disabled()
    listed = Estimator.get_job_list(session, search_content=JOB_NAME)
    assert job_id not in [str(j["job_id"]) for j in listed["jobs"]]
    with pytest.raises(APIError):
        job.refresh()
    expect(controls.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    page.screenshot(path=str(artifacts / "job_controls.png"))
    widget_errors = [e for e in page.console_errors if "widget" in e.lower() or "modelarts" in e.lower()]  # type: ignore[attr-defined]
    assert not widget_errors, widget_errors
