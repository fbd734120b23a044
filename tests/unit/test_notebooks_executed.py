"""The documentation notebooks are stored executed, so nbval has something to compare.

nbval silently skips the comparison of a code cell whose ``execution_count``
is null, and a cell saved with an error fails only if nbval runs it.  These
checks read the stored ``.ipynb`` files (no kernel, no service) and fail when
a notebook was saved unexecuted, partly executed, out of order, or with an
error that is not declared.  ``tools/refresh-notebooks.py`` fixes all of them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
RAISES_TAGS = {"raises-exception", "nbval-raises-exception"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _load(path: Path) -> Dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _code_cells(path: Path) -> List[Dict[str, Any]]:
    return [cell for cell in _load(path)["cells"] if cell["cell_type"] == "code"]


def _source(cell: Dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _may_raise(cell: Dict[str, Any]) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    comments = {line.strip().lstrip("#").strip() for line in _source(cell).splitlines() if line.strip().startswith("#")}
    return bool(tags & RAISES_TAGS) or "NBVAL_RAISES_EXCEPTION" in comments


def _ids(paths: List[Path]) -> List[str]:
    return [path.name for path in paths]


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no .ipynb files"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_code_cell_was_executed_in_order(path: Path) -> None:
    cells = _code_cells(path)
    unrun = [i for i, cell in enumerate(cells, 1) if cell.get("execution_count") is None]
    assert not unrun, f"{path.name}: code cells {unrun} were never executed; run tools/refresh-notebooks.py"
    counts = [cell["execution_count"] for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(cells)}; the stored outputs do not come "
        "from one top-to-bottom run in a fresh kernel. Run tools/refresh-notebooks.py"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_only_declared_cells_hold_errors(path: Path) -> None:
    for number, cell in enumerate(_code_cells(path), 1):
        errors = [out for out in cell.get("outputs", []) if out.get("output_type") == "error"]
        if _may_raise(cell):
            assert errors, f"{path.name}: code cell {number} is marked raises-exception but stored no error"
        else:
            names = [f"{out.get('ename')}: {out.get('evalue')}" for out in errors]
            assert not errors, f"{path.name}: code cell {number} stored an undeclared error {names}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_displayed_widgets_have_saved_state(path: Path) -> None:
    shown = any(
        WIDGET_VIEW in out.get("data", {}) for cell in _code_cells(path) for out in cell.get("outputs", [])
    )
    if shown:
        state = _load(path).get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {})
        assert state.get("state"), f"{path.name}: widgets are displayed but no widget state was saved"


def test_readme_documentation_links_every_notebook() -> None:
    text = (ROOT / "README.rst").read_text(encoding="utf-8")
    section = re.search(r"^Documentation\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", text, re.MULTILINE | re.DOTALL)
    assert section, "README.rst has no 'Documentation' section"
    missing = [path.name for path in NOTEBOOKS if f"notebooks/{path.name}" not in section.group(1)]
    assert not missing, f"README.rst's Documentation section does not link {missing}"
