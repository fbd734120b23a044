"""The HTTP server is the ``local`` extra: without it the SDK and ``modelarts.local`` still import,
and ``modelarts-local`` says what to install instead of failing with a traceback."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

WITHOUT_WAITRESS = """
import sys
sys.modules["waitress"] = None  # as if the 'local' extra were not installed
import modelarts.estimator, modelarts.local
from modelarts.local.cli import main
sys.exit(main(["serve", "--data-dir", sys.argv[1]]))
"""


def test_modelarts_local_without_its_server_names_the_extra(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-c", WITHOUT_WAITRESS, str(tmp_path / "data")], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 2, done.stderr
    assert 'pip install "modelarts[local]"' in done.stderr and "waitress" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists()  # nothing was created before the check


def test_the_local_extra_is_in_notebook_and_test_but_not_in_the_client_install() -> None:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    extras = config["options.extras_require"]
    assert any(line.startswith("waitress") for line in extras["local"].split())
    for extra in ("notebook", "test"):
        assert any(line.startswith("waitress") for line in extras[extra].split()), extra
    assert "waitress" not in config["options"]["install_requires"]
