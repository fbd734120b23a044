"""How the suite is split between pytest-xdist workers (``tools/run-tests.sh``: ``-n 2 --dist loadgroup``).

With ``--dist loadgroup`` every test module is one unit of work, so its
module-scoped fixtures (a local service, JupyterLab) start once and its tests
run in file order on one worker; the documentation notebooks are together one
unit, because they share one local service and run in order (``notebooks/conftest.py``),
and so are the browser tests (one Chromium, ``tests/browser/conftest.py``).
Units holding a ``slow`` or ``browser`` test, and the notebooks, are handed out
first, so no worker is left with a long unit while the other is idle.

Without xdist (``pytest`` alone, or ``-n 0``) nothing here changes the run.
"""

from __future__ import annotations

from typing import Dict, List

import pytest

#: Units handed out first, in this order; everything else keeps its collection order.
_FIRST = ("slow", "browser", "notebooks")


def _unit(item: pytest.Item) -> str:
    if item.path.suffix == ".ipynb":
        return "notebooks"
    module = item.nodeid.split("::")[0]
    return "browser" if module.startswith("tests/browser/") else module


@pytest.hookimpl(tryfirst=True)  # before xdist appends the group to each node id
def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    if not getattr(config.option, "loadgroup", False):  # what xdist's workers are told (their "dist" is "no")
        return
    rank: Dict[str, int] = {}
    for item in items:
        unit = _unit(item)
        if not any(True for _ in item.iter_markers("xdist_group")):
            item.add_marker(pytest.mark.xdist_group(unit))
        kinds = [k for k in _FIRST if k == unit or item.get_closest_marker(k) is not None]
        rank[unit] = min([rank.get(unit, len(_FIRST))] + [_FIRST.index(k) for k in kinds])
    items.sort(key=lambda item: rank[_unit(item)])  # stable: a unit's tests keep their order
