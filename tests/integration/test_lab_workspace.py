"""``modelarts-local lab`` end to end: JupyterLab serves the user's workspace, never the repository.

The real command runs (service + JupyterLab, no browser); the test saves and
creates notebooks through JupyterLab's own contents API, as autosave and
"New notebook" do, then stops ``lab`` with SIGTERM as a terminal's Ctrl-C or a
logout would.  The repository's ``notebooks/`` must be byte-for-byte unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest
import requests

from modelarts.local.workspace import documentation_dir
from polling import wait_for

TOKEN = "modelarts-lab-test"


def _digest(folder: Path) -> Dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _server_info(runtime: Path, process: "subprocess.Popen[bytes]", log: Path, timeout: float = 90) -> Dict[str, str]:
    def info() -> Optional[Dict[str, str]]:
        assert process.poll() is None, f"lab exited with {process.returncode}:\n{log.read_text()[-3000:]}"
        for info_file in runtime.glob("jpserver-*.json"):
            try:
                return dict(json.loads(info_file.read_text()))
            except ValueError:
                pass  # being written
        return None

    return wait_for(info, timeout=timeout, interval=0.1,
                    what=lambda: f"JupyterLab to start:\n{log.read_text()[-3000:]}")


def test_lab_serves_a_seeded_workspace_and_never_writes_the_repo(tmp_path: Path) -> None:
    docs = documentation_dir()
    assert docs is not None
    before, entries = _digest(docs), sorted(os.listdir(docs))
    data_dir, runtime = tmp_path / "state", tmp_path / "runtime"
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(JUPYTER_RUNTIME_DIR=str(runtime), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_DATA_DIR=str(tmp_path / "data"), JUPYTER_PLATFORM_DIRS="1", IPYTHONDIR=str(tmp_path / "ipython"))  # fmt: skip
    log = tmp_path / "lab.log"
    args = [
        sys.executable, "-m", "modelarts.local", "lab", "--data-dir", str(data_dir), "--no-browser", "--",
        "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}", "--LabApp.news_url=None",
    ]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(args, env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        info = _server_info(runtime, process, log)
        workspace = (data_dir / "workspace").resolve()
        assert Path(info["root_dir"]).resolve() == workspace
        assert "08_notebook_controls.ipynb" in os.listdir(workspace)
        assert "conftest.py" not in os.listdir(workspace)
        api = f"{info['url'].rstrip('/')}/api/contents"
        headers = {"Authorization": f"token {TOKEN}"}
        # "autosave" of an open documentation notebook, and a brand-new notebook
        opened = requests.get(f"{api}/08_notebook_controls.ipynb", headers=headers, timeout=30).json()
        opened["content"]["metadata"]["edited_by_test"] = True
        saved = requests.put(f"{api}/08_notebook_controls.ipynb", headers=headers, timeout=30,
                             json={"type": "notebook", "format": "json", "content": opened["content"]})  # fmt: skip
        assert saved.status_code == 200, saved.text
        created = requests.post(api, headers=headers, json={"type": "notebook"}, timeout=30)
        assert created.status_code == 201, created.text
        assert (workspace / created.json()["path"]).exists()
        assert json.loads((workspace / "08_notebook_controls.ipynb").read_text())["metadata"]["edited_by_test"]
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # what a logout or `kill` sends; lab forwards it to JupyterLab
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
                pytest.fail(f"lab did not stop on SIGTERM:\n{log.read_text()[-3000:]}")
        try:
            os.killpg(process.pid, signal.SIGKILL)  # kernels left in the group, if any
        except ProcessLookupError:
            pass
    assert process.returncode is not None
    stopped = subprocess.run([sys.executable, "-m", "modelarts.local", "env", "--data-dir", str(data_dir)],
                             env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert stopped.returncode == 1 and "no modelarts-local service is running" in stopped.stderr, "the service stopped too"
    assert _digest(docs) == before, "the documentation notebooks were changed"
    assert sorted(os.listdir(docs)) == entries, "nothing was added to the repository's notebooks/"
    # a second start keeps the user's edit (copies are only made for missing files)
    from modelarts.local.workspace import prepare_workspace

    assert prepare_workspace(data_dir / "workspace") == []
    assert json.loads((data_dir / "workspace" / "08_notebook_controls.ipynb").read_text())["metadata"]["edited_by_test"]
