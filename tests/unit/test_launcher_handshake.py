"""The launcher starts nothing until the service's go-ahead; end of file means abandon."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from modelarts.local import launcher


def _spec(tmp_path: Path) -> Path:
    marker = tmp_path / "ran"
    spec = {
        "cwd": str(tmp_path),
        "status_file": str(tmp_path / "status.json"),
        "workers": [{"index": 0, "argv": [sys.executable, "-c", f"open({str(marker)!r}, 'w').write('x')"],
                     "log": str(tmp_path / "w0")}],
    }
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def _launch(spec: Path, go: bool) -> int:
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([sys.executable, launcher.__file__, str(spec), "--go-fd", str(read_fd)],
                            pass_fds=(read_fd,), stdin=subprocess.DEVNULL)
    os.close(read_fd)
    if go:
        os.write(write_fd, b"1")
    os.close(write_fd)  # without the byte: the service died before recording the launch
    return proc.wait(30)


def test_no_go_ahead_starts_nothing_and_says_so(tmp_path: Path) -> None:
    assert _launch(_spec(tmp_path), go=False) == 3
    assert not (tmp_path / "ran").exists()
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["abandoned"] is True and status["exit_codes"] == []
    assert "never ran" in (tmp_path / "w0").read_text()


def test_go_ahead_runs_the_job(tmp_path: Path) -> None:
    assert _launch(_spec(tmp_path), go=True) == 0
    assert (tmp_path / "ran").read_text() == "x"
    assert json.loads((tmp_path / "status.json").read_text())["returncode"] == 0
