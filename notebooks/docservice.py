"""The local ModelArts service the documentation notebooks run against.

Inside ModelArts, a notebook's kernel finds its credentials, region, project
and endpoints in environment variables, so ``Session()`` needs no arguments.
:func:`running` starts :class:`modelarts.local.LocalService` on a fresh data
directory and :func:`exported` puts that same environment into ``os.environ``
for the time it takes to start a kernel: a kernel started then inherits it and
the notebooks run unchanged.

Two callers, one setup: ``notebooks/conftest.py`` (``pytest --nbval``) and
``tools/refresh-notebooks.py`` (re-executes the notebooks to store outputs).
Under ``modelarts-local lab`` JupyterLab gets the same variables.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Dict, Iterator, Mapping

from modelarts.local import LocalService

__all__ = ["DATA_DIR_PREFIX", "exported", "running"]

#: Prefix of the temporary data directory; ``sanitize.cfg`` replaces such paths with ``DATA_DIR``.
DATA_DIR_PREFIX = "modelarts-docs-"


@contextlib.contextmanager
def running() -> Iterator[LocalService]:
    """A fresh local service on 127.0.0.1 (any free port); removed, with its jobs, on exit."""
    data_dir = tempfile.mkdtemp(prefix=DATA_DIR_PREFIX)
    try:
        with LocalService(data_dir, host="127.0.0.1", port=0, stop_grace=2.0, kill_jobs_on_close=True) as service:
            yield service
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@contextlib.contextmanager
def exported(env: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` updated with ``env`` inside the block, as it was again afterwards."""
    saved: Dict[str, "str | None"] = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
