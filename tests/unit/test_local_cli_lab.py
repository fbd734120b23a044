"""``modelarts-local lab``: its JupyterLab command line, and the workspace it serves (never the source tree)."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

from modelarts.local.cli import build_parser, lab_command, main, notebook_dir
from modelarts.local.workspace import WorkspaceError, documentation_dir, prepare_workspace, source_tree


def _command(argv: List[str], euid: int) -> List[str]:
    return lab_command(build_parser().parse_args(["lab", *argv]), euid=euid)


def test_root_gets_allow_root_and_no_browser_passes_through(tmp_path: Path) -> None:
    command = _command(["--notebook-dir", str(tmp_path), "--no-browser"], euid=0)
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in command and "--no-browser" in command
    assert command.count("--allow-root") == 1


def test_other_users_do_not(tmp_path: Path) -> None:
    command = _command(["--notebook-dir", str(tmp_path)], euid=1000)
    assert "--allow-root" not in command and "--no-browser" not in command


@pytest.mark.parametrize("given", ["--allow-root", "--ServerApp.allow_root=False"])
def test_an_explicit_choice_is_left_alone(tmp_path: Path, given: str) -> None:
    command = _command(["--notebook-dir", str(tmp_path), "--", given, "--port=9999"], euid=0)
    assert command[-2:] == [given, "--port=9999"]
    assert command.count("--allow-root") == (1 if given == "--allow-root" else 0)


def test_default_workspace_is_under_the_data_dir(tmp_path: Path) -> None:
    args = build_parser().parse_args(["lab", "--data-dir", str(tmp_path / "state")])
    assert notebook_dir(args) == (tmp_path / "state" / "workspace").resolve()
    command = lab_command(args, euid=1000)
    assert f"--ServerApp.root_dir={(tmp_path / 'state' / 'workspace').resolve()}" in command


def test_workspace_is_seeded_with_copies_and_keeps_the_users_edits(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "01_a.ipynb").write_text("{}")
    (docs / "helper.py").write_text("X = 1")
    (docs / "conftest.py").write_text("")  # test set-up: not the reader's
    (docs / "notes.txt").write_text("")
    (docs / "examples" / "src").mkdir(parents=True)
    (docs / "examples" / "src" / "train.py").write_text("print('train')")  # what the notebooks upload
    work = tmp_path / "work"
    assert prepare_workspace(work, docs, source=tmp_path / "src") == ["01_a.ipynb", "helper.py", "examples/src/train.py"]
    assert sorted(p.name for p in work.iterdir()) == ["01_a.ipynb", "examples", "helper.py"]
    assert (work / "examples" / "src" / "train.py").read_text() == "print('train')"
    (work / "01_a.ipynb").write_text('{"edited": true}')
    (work / "helper.py").unlink()
    assert prepare_workspace(work, docs, source=tmp_path / "src") == ["helper.py"]  # only what is missing
    assert (work / "01_a.ipynb").read_text() == '{"edited": true}'
    assert (docs / "01_a.ipynb").read_text() == "{}"  # the originals are untouched


def test_the_source_tree_is_refused(tmp_path: Path) -> None:
    root = source_tree()
    assert root is not None, "the tests run from a checkout"
    for inside in (root, root / "notebooks", root / "modelarts" / "x"):
        with pytest.raises(WorkspaceError, match="inside the modelarts source tree"):
            prepare_workspace(inside)
    docs = documentation_dir()
    assert docs is not None and (docs / "08_notebook_controls.ipynb").exists()
    seeded = prepare_workspace(tmp_path / "real", docs)
    assert "examples/src/train.py" in seeded and "docservice.py" not in seeded and "conftest.py" not in seeded
    (tmp_path / "file").write_text("")
    with pytest.raises(WorkspaceError, match="not a folder"):
        prepare_workspace(tmp_path / "file", docs)


def test_lab_refuses_the_repo_before_starting_anything(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = source_tree()
    assert root is not None
    code = main(["lab", "--data-dir", str(tmp_path), "--notebook-dir", str(root / "notebooks")])
    assert code == 2
    assert "inside the modelarts source tree" in capsys.readouterr().err
    assert not (tmp_path / "server.json").exists()  # no service was started
