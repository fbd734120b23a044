"""The folder ``modelarts-local lab`` opens: the user's own, seeded with copies.

JupyterLab writes into the folder it serves: autosave rewrites open notebooks,
checkpoints land in ``.ipynb_checkpoints/`` and new notebooks appear next to the
others.  Serving the repository's ``notebooks/`` would therefore change the
documentation (and add files the test command collects), so ``lab`` serves a
workspace instead:

* by default ``<data dir>/workspace`` (``~/.modelarts-local/workspace``), or the
  ``--notebook-dir`` given;
* seeded, the first time and whenever a documentation notebook is missing, with
  **copies** of the documentation notebooks, the helper modules they import and
  the ``examples/`` files they upload;
  a file already in the workspace is never overwritten, so the user's edits
  stay;
* never inside the source tree of this package (refused with
  :class:`WorkspaceError`), so nothing the lab does dirties the repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import List, Optional

import modelarts

__all__ = ["WorkspaceError", "documentation_dir", "prepare_workspace", "source_tree"]

#: Files of ``notebooks/`` that belong to its test set-up, not to the reader.
_NOT_COPIED = {"conftest.py", "docservice.py", "sanitize.cfg"}

#: Folders of ``notebooks/`` the notebooks read (``examples/``: the files they upload to OBS).
_FOLDERS = ("examples",)


class WorkspaceError(ValueError):
    """The chosen notebook dir cannot be used as a workspace."""


def source_tree() -> Optional[Path]:
    """The checkout this package runs from (the folder holding ``setup.cfg`` or ``.git``), if any."""
    root = Path(modelarts.__file__).resolve().parents[1]
    return root if (root / "setup.cfg").exists() or (root / ".git").exists() else None


def documentation_dir() -> Optional[Path]:
    """The documentation notebooks of the checkout (``<checkout>/notebooks``), if there is one."""
    root = source_tree()
    docs = root / "notebooks" if root is not None else None
    return docs if docs is not None and docs.is_dir() else None


def _inside(path: Path, parent: Path) -> bool:
    try:
        path.relative_to(parent)
    except ValueError:
        return False
    return True


def prepare_workspace(target: Path, docs: Optional[Path] = None, *, source: Optional[Path] = None) -> List[str]:
    """Create ``target`` if needed and copy in the documentation notebooks it lacks.

    Parameters
    ----------
    target : Path
        The workspace folder.
    docs : Path, optional
        Where the documentation notebooks are (default :func:`documentation_dir`).
    source : Path, optional
        The source tree to keep out of (default :func:`source_tree`).

    Returns
    -------
    list of str
        The names of the files copied now (empty when all were already there).

    Raises
    ------
    WorkspaceError
        ``target`` is inside the source tree, or exists and is not a folder.
    """
    target = target.expanduser().resolve()
    source = source_tree() if source is None else source.resolve()
    if source is not None and _inside(target, source):
        raise WorkspaceError(
            f"--notebook-dir {target} is inside the modelarts source tree {source}: JupyterLab would write "
            "there (autosave, checkpoints, new notebooks). Choose a folder outside it, e.g. --notebook-dir ~/modelarts-work"
        )
    if target.exists() and not target.is_dir():
        raise WorkspaceError(f"--notebook-dir {target} exists and is not a folder")
    target.mkdir(parents=True, exist_ok=True)
    docs = documentation_dir() if docs is None else docs
    copied: List[str] = []
    if docs is None or not docs.is_dir():
        return copied
    items = [item for item in sorted(docs.iterdir()) if item.is_file() and item.name not in _NOT_COPIED
             and item.suffix in (".ipynb", ".py")]  # fmt: skip
    for folder in _FOLDERS:
        if (docs / folder).is_dir():
            items += sorted(path for path in (docs / folder).rglob("*") if path.is_file() and not path.is_symlink())
    for item in items:
        name = item.relative_to(docs).as_posix()
        destination = target / name
        if destination.exists():
            continue  # the user's copy, possibly edited: never overwritten
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(item, destination)
        destination.chmod(destination.stat().st_mode | 0o200)  # a read-only checkout must not give read-only copies
        copied.append(name)
    return copied
