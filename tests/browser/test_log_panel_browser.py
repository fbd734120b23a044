"""The log panel in a real browser: collapsed, follows live while open, stops when the job ends.

The job prints a numbered line every 0.1 s.  Chromium opens the panel with its
toggle; the test then checks that new lines keep arriving in the *same* DOM
node (nothing is re-created, so nothing flickers), that the view stays pinned
to the newest line, and that following ends with the job.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_helpers import button, put_boot, run_notebook, session_cell, start_job
from playwright.sync_api import Page, expect
from polling import wait_for

from modelarts.local import LocalService
from modelarts.session import Session
from modelarts.states import JobState

pytestmark = pytest.mark.browser

COUNTER = "import time\nfor i in range(100000):\n    print('line', i, flush=True)\n    time.sleep(0.1)\n"
LAST_LINE = """(box) => {
    const lines = box.innerText.trim().split('\\n');
    return lines[lines.length - 1];
}"""


def test_log_panel_follows_live_then_stops(page: Page, lab, browser_service: LocalService, artifacts: Path) -> None:
    session = Session(environ=browser_service.env())
    put_boot(browser_service.obs_root, "logpanel", COUNTER)
    job = start_job(session, "logpanel", "log_panel_job")
    wait_for(lambda: job.refresh() is JobState.RUNNING, timeout=60, interval=0.1)
    run_notebook(page, lab, "log_panel.ipynb", [
        session_cell(),
        f"from modelarts.job import TrainingJob\njob = TrainingJob(session, {job.job_id!r}, {job.version_id!r})\njob.refresh()\njob",
    ])  # fmt: skip
    controls = page.locator(".modelarts-job-controls")
    expect(controls).to_have_count(1, timeout=90_000)
    expect(controls.locator(".modelarts-status")).to_have_text("RUNNING", timeout=60_000)
    box = controls.locator(".modelarts-log")
    expect(box).to_be_hidden()  # collapsed by default

    toggle = controls.get_by_role("button", name=re.compile("Show log"))
    toggle.click()
    expect(box).to_be_visible()
    expect(controls.get_by_role("button", name=re.compile("Hide log"))).to_be_visible()
    expect(box).to_contain_text("line 0", timeout=30_000)
    box.evaluate("(el) => { window.__modelartsLogBox = el; window.__modelartsLogText = el.querySelector('pre').parentElement; }")
    first = int(box.evaluate(LAST_LINE).split()[-1])
    page.wait_for_function(
        f"() => {{ const t = document.querySelector('.modelarts-log').innerText.trim().split('\\n'); "
        f"return parseInt(t[t.length - 1].split(' ').pop()) >= {first + 10}; }}",
        timeout=30_000,
    )
    same = box.evaluate(
        "(el) => el === window.__modelartsLogBox && el.querySelector('pre').parentElement === window.__modelartsLogText"
    )
    assert same, "the log box and its text node were re-created (flicker)"
    geometry = box.evaluate("(el) => ({top: el.scrollTop, height: el.scrollHeight, client: el.clientHeight})")
    assert geometry["height"] > geometry["client"], "enough lines to scroll"
    assert abs(geometry["top"]) <= 2, f"the view follows the newest line: {geometry}"
    expect(controls).to_contain_text("following")
    controls.screenshot(path=str(artifacts / "log_panel_following.png"))

    button(controls, "Stop").click()
    expect(controls.locator(".modelarts-status")).to_have_text("KILLED", timeout=60_000)
    expect(controls).to_contain_text("job ended · not following", timeout=30_000)
    # the label is set by the follower thread as it ends; its last read came after the job's end
    expect(box).to_contain_text("Training end with return code")

    controls.get_by_role("button", name=re.compile("Hide log")).click()
    expect(box).to_be_hidden()
    controls.screenshot(path=str(artifacts / "log_panel_done.png"))
    assert not [e for e in page.console_errors if "modelarts" in e.lower()]  # type: ignore[attr-defined]
