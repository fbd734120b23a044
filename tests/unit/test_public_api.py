"""Every public module declares ``__all__``, and every name in it exists."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import modelarts

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(modelarts.__path__, "modelarts.")
    if not info.name.rsplit(".", 1)[-1].startswith("_")
)


@pytest.mark.parametrize("name", MODULES)
def test_module_declares_all(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names missing {item}"


def test_package_is_typed() -> None:
    import pathlib

    assert (pathlib.Path(modelarts.__file__).parent / "py.typed").exists()


def test_importing_the_sdk_does_not_import_ipywidgets() -> None:
    code = "import sys, modelarts.session, modelarts.estimator; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
