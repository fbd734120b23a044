"""Run the documentation notebooks (``pytest --nbval``) against one local service.

The service starts when the first notebook cell is set up, i.e. just before
nbval starts that notebook's kernel, and stops at the end of the session.
Its environment (``CREDENTIAL_PROFILES_FILE``, ``REGION_NAME``,
``PROJECT_ID``, ``MA_ENDPOINT`` …) is in ``os.environ`` only while a notebook
item is being set up, which is when nbval starts kernels, so a kernel started
with ``--nbval-current-env`` inherits it and the notebooks call a plain
``Session()`` as inside ModelArts.  Tests elsewhere never see these variables,
whatever order pytest runs things in.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Dict, Generator, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # docservice, whatever --import-mode says
import docservice  # noqa: E402

#: The checkout under test: the kernels put it first on their path, so they run
#: this tree's modelarts whatever is installed.
_REPO_ROOT = str(Path(__file__).resolve().parents[1])
_STACK = contextlib.ExitStack()
_ENV: Dict[str, str] = {}


def _service_env() -> Dict[str, str]:
    """The running service's environment, starting the service on first use."""
    if not _ENV:
        _ENV.update(_STACK.enter_context(docservice.running()).env())
        _ENV["PYTHONPATH"] = os.pathsep.join(filter(None, [_REPO_ROOT, os.environ.get("PYTHONPATH")]))
    return _ENV


def _is_notebook(item: pytest.Item) -> bool:
    return item.path.suffix == ".ipynb"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    if not _is_notebook(item):
        yield
        return
    with docservice.exported(_service_env()):
        yield  # nbval's IPyNbFile.setup() starts the kernel in here


def pytest_sessionfinish(session: pytest.Session, exitstatus: Optional[int]) -> None:
    _ENV.clear()
    _STACK.close()
