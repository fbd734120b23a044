"""What the browser tests share: run a notebook, find buttons, check that no text is cut."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List

from playwright.sync_api import Locator, Page

from modelarts.estimator import Estimator
from modelarts.job import TrainingJob
from modelarts.session import Session

#: The notebook ``name`` is the current tab and its kernel is idle.  JupyterLab restores the tabs a
#: previous page had open, so without the name check "run all cells" may run another notebook.
KERNEL_READY = """(name) => {
    const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const context = widget && widget.sessionContext;
    const kernel = context && context.session && context.session.kernel;
    const path = widget && widget.context && widget.context.path;
    return Boolean(path === name && context && context.isReady && kernel && kernel.status === 'idle');
}"""

#: Every element of a modelarts widget whose text could be cut, and the ones whose text is: a control's
#: text is cut when its content is wider than its box (``scrollWidth > clientWidth``); a ``<select>`` keeps
#: its text inside, so its chosen option's text is measured against the room the select leaves for it.
#: A text box is left out: what the user typed scrolls inside it, as in every text box.  Anything that
#: sticks out of the widget's own box (cut by the output area) counts too.
CLIPPED = """(root) => {
    const found = [];
    const visible = (el) => el.offsetParent !== null && el.getClientRects().length > 0;
    const name = (el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${(el.innerText || el.value || '').trim().slice(0, 60)}"`;
    const selector = 'button, label, .widget-label, .widget-label-basic, .widget-html-content, .modelarts-badge, '
        + '.widget-button, .widget-toggle-button, .widget-inline-hbox, .widget-checkbox, .modelarts-cell';
    let checked = 0;
    const edge = root.getBoundingClientRect().right;
    if (root.scrollWidth > root.clientWidth + 1) found.push(`the widget itself: scrollWidth ${root.scrollWidth} > clientWidth ${root.clientWidth}`);
    for (const el of root.querySelectorAll(selector)) {
        if (!visible(el)) continue;
        checked += 1;
        if (el.scrollWidth > el.clientWidth + 1) found.push(`${name(el)}: scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
        const right = el.getBoundingClientRect().right;
        if (right > edge + 1) found.push(`${name(el)}: sticks out of the widget by ${(right - edge).toFixed(0)}px`);
    }
    const canvas = document.createElement('canvas').getContext('2d');
    for (const el of root.querySelectorAll('select')) {
        if (!visible(el)) continue;
        checked += 1;
        const style = getComputedStyle(el);
        canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const text = el.selectedIndex >= 0 ? el.options[el.selectedIndex].text : '';
        const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        const need = canvas.measureText(text).width;
        if (need > room + 1) found.push(`select "${text}": text ${need.toFixed(1)}px > room ${room.toFixed(1)}px`);
    }
    return {checked, found};
}"""


def button(scope: Locator, text: str) -> Locator:
    """The button labelled ``text`` (its accessible name may start with the icon's glyph)."""
    return scope.get_by_role("button", name=re.compile(rf"(^|\W){re.escape(text)}$"))


def run_notebook(page: Page, lab: Any, name: str, cells: List[str]) -> None:
    """Write ``cells`` as ``name``, open it in JupyterLab and run every cell."""
    lab.write_notebook(name, cells)
    page.goto(lab.notebook_url(name))
    page.wait_for_selector(".jp-Notebook")
    page.wait_for_function(KERNEL_READY, arg=name, timeout=90_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")


def settle(page: Page) -> None:
    """Wait for two animation frames, so a resize or a DOM change has been laid out."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def clipped(page: Page, scope: Locator) -> Dict[str, Any]:
    """``{"checked": n, "found": [...]}``: the controls under ``scope`` whose text is cut."""
    result: Dict[str, Any] = scope.evaluate(CLIPPED)
    return result


def put_boot(obs_root: Path, folder: str, source: str) -> str:
    """Write a boot script under the local OBS; its OBS path."""
    (obs_root / folder / "src").mkdir(parents=True, exist_ok=True)
    (obs_root / folder / "data").mkdir(exist_ok=True)
    (obs_root / folder / "src" / "boot.py").write_text(source)
    return f"/{folder}/src/boot.py"


def start_job(session: Session, folder: str, name: str) -> TrainingJob:
    """Create a job running ``/<folder>/src/boot.py``."""
    estimator = Estimator(
        modelarts_session=session, code_dir=f"/{folder}/src/", boot_file=f"/{folder}/src/boot.py",
        output_path=f"/{folder}/out/", log_url=f"/{folder}/log/",
        train_instance_type="modelarts.vm.cpu.2u", train_instance_count=1,
    )  # fmt: skip
    job: TrainingJob = estimator.fit(inputs=f"/{folder}/data/", job_name=name, wait=False)
    return job


def session_cell() -> str:
    """The first cell of every test notebook: a plain ``Session()``, as in a ModelArts notebook."""
    return "from modelarts.session import Session\nsession = Session()"
