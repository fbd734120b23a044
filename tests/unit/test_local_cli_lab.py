"""``modelarts-local lab``'s JupyterLab command line: ``--allow-root`` as root, pass-throughs kept."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

from modelarts.local.cli import build_parser, lab_command


def _command(argv: List[str], euid: int) -> List[str]:
    return lab_command(build_parser().parse_args(["lab", *argv]), euid=euid)


def test_root_gets_allow_root_and_no_browser_passes_through(tmp_path: Path) -> None:
    command = _command(["--notebook-dir", str(tmp_path), "--no-browser"], euid=0)
    assert str(tmp_path) in command and "--no-browser" in command
    assert command.count("--allow-root") == 1


def test_other_users_do_not(tmp_path: Path) -> None:
    command = _command(["--notebook-dir", str(tmp_path)], euid=1000)
    assert "--allow-root" not in command and "--no-browser" not in command


@pytest.mark.parametrize("given", ["--allow-root", "--ServerApp.allow_root=False"])
def test_an_explicit_choice_is_left_alone(tmp_path: Path, given: str) -> None:
    command = _command(["--notebook-dir", str(tmp_path), "--", given, "--port=9999"], euid=0)
    assert command[-2:] == [given, "--port=9999"]
    assert command.count("--allow-root") == (1 if given == "--allow-root" else 0)
