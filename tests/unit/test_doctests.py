"""The docstring examples run (``doctest``), module by module.

``RUNNABLE`` modules' examples run as written and must pass.  ``NEEDS_SERVICE``
modules' examples talk to a live ModelArts endpoint (or start servers), so they
are marked ``# doctest: +SKIP``; here each is still parsed and compiled, so it
cannot rot into invalid Python.  Every module with an example is in exactly one
list: a new example is run unless someone says why not.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import modelarts

RUNNABLE = [
    "modelarts._config",
    "modelarts._logs",
    "modelarts._validate",
    "modelarts._wait",
    "modelarts.models",
    "modelarts.rules",
    "modelarts.sessionlike",
    "modelarts.states",
    "modelarts.train_params",
    "modelarts.widgets.actions",
    "modelarts.widgets.refresher",
    "modelarts.widgets.render",
]
NEEDS_SERVICE = [
    "modelarts._job_wait",
    "modelarts._lifecycle",
    "modelarts.estimator",
    "modelarts.job",
    "modelarts.local.obs_server",
    "modelarts.local.obs_wsgi",
    "modelarts.local.service",
    "modelarts.protocols",
    "modelarts.session",
    "modelarts.widgets.job_controls",
]

FINDER = doctest.DocTestFinder(exclude_empty=True)


def examples(name: str) -> list:
    module = importlib.import_module(name)
    return [test for test in FINDER.find(module, name) if test.examples]


@pytest.mark.parametrize("name", RUNNABLE)
def test_examples_run(name: str) -> None:
    tests = examples(name)
    assert tests, f"{name} has no examples left: move it out of RUNNABLE"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed (output above)"


@pytest.mark.parametrize("name", NEEDS_SERVICE)
def test_service_examples_are_valid_python(name: str) -> None:
    tests = examples(name)
    assert tests, f"{name} has no examples left: remove it from NEEDS_SERVICE"
    for test in tests:
        for example in test.examples:
            compile(example.source, f"<{test.name}:{example.lineno}>", "single")


def test_every_module_with_examples_is_listed() -> None:
    found = set()
    for info in pkgutil.walk_packages(modelarts.__path__, "modelarts."):
        if info.name.endswith("__main__"):
            continue
        if examples(info.name):
            found.add(info.name)
    assert not set(RUNNABLE) & set(NEEDS_SERVICE)
    assert found == set(RUNNABLE) | set(NEEDS_SERVICE)
