"""Every module declares ``__all__``, it names exactly the module's public names, and each exists."""

from __future__ import annotations

import ast
import importlib
import logging
import pathlib
import pkgutil
import subprocess
import sys
from typing import Set, TypeVar

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


ALL_MODULES = sorted(
    info.name for info in pkgutil.walk_packages(modelarts.__path__, "modelarts.") if not info.name.endswith(".__main__")
) + ["modelarts"]


def _defined_at_top_level(module: object) -> Set[str]:
    """Names a module binds itself (def, class, assignment), not those it imports."""
    tree = ast.parse(pathlib.Path(module.__file__).read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    names: Set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def public_names(module: object) -> Set[str]:
    """The names a module defines without a leading underscore, less its logger and type variables
    (conventionally never exported)."""
    return {
        name for name in _defined_at_top_level(module)
        if not name.startswith("_")
        and not isinstance(getattr(module, name, None), (logging.Logger, TypeVar))
    }


@pytest.mark.parametrize("name", ALL_MODULES)
def test_all_is_exactly_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(getattr(module, "__all__", ()))
    assert len(exported) == len(set(exported)), f"{name}.__all__ repeats a name"
    missing = public_names(module) - set(exported)
    assert not missing, f"{name} defines public names not in __all__ (add them, or prefix with _): {sorted(missing)}"
    for item in exported:  # the rest are re-exports: imported, or served by a module __getattr__
        assert hasattr(module, item), f"{name}.__all__ names missing {item}"
        assert not item.startswith("_") or item == "__version__", f"{name}.__all__ exports private {item}"


def test_public_names_sees_what_a_module_defines() -> None:
    import modelarts.auth as auth

    assert {"SignerAuth", "SIGNED_HEADERS", "header_text"} <= public_names(auth)
    assert "log" not in public_names(auth) and "requests" not in public_names(auth)


def test_package_is_typed() -> None:
    import pathlib

    assert (pathlib.Path(modelarts.__file__).parent / "py.typed").exists()


def test_importing_the_sdk_does_not_import_ipywidgets() -> None:
    code = "import sys, modelarts.session, modelarts.estimator; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
