"""Store, job rows, transitions, the launcher, process helpers, errors and module hygiene."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
from pathlib import Path

import pytest

import modelarts.local
from modelarts.local import errors, launcher, processes
from modelarts.local.jobstore import JobStore
from modelarts.local.store import Database
from modelarts.local.validation import parse_config
from modelarts.states import JobState

CONFIG = parse_config({"worker_server_num": 1, "app_url": "/b/", "boot_file_url": "/b/x.py", "data_url": "/b/", "spec_id": 1})


def test_database_is_wal_and_transactions_roll_back(tmp_path: Path) -> None:
    db = Database(tmp_path / "state.db")
    assert db.journal_mode == "wal"
    with pytest.raises(RuntimeError):
        with db.transaction():
            db.set_meta("k", "v")
            raise RuntimeError("boom")
    assert db.get_meta("k") is None
    with db.transaction():
        with db.transaction():
            db.set_meta("k", "v")
    assert Database(tmp_path / "state.db").get_meta("k") == "v"


def test_versions_are_numbered_and_names_unique_per_project() -> None:
    store = JobStore(Database(":memory:"), clock=lambda: 1000.0)
    first = store.create_job("p1", "job", "", "0", CONFIG)
    assert (first["version_name"], first["status"], first["create_time"]) == ("V0001", 1, 1_000_000)
    second = store.create_version(first["job_id"], first["version_id"], "", CONFIG)
    assert second["version_name"] == "V0002" and second["pre_version_id"] == first["version_id"]
    with pytest.raises(errors.DuplicateJobName):
        store.create_job("p1", "job", "", "0", CONFIG)
    assert store.create_job("p2", "job", "", "0", CONFIG)["job_name"] == "job"  # another project


def test_status_changes_follow_the_transition_table() -> None:
    store = JobStore(Database(":memory:"))
    row = store.create_job("p", "j", "", "0", CONFIG)
    vid = row["version_id"]
    with pytest.raises(ValueError):
        store.set_status(vid, JobState.INIT, JobState.COMPLETED)
    assert store.set_status(vid, JobState.INIT, JobState.WAITING)
    assert not store.set_status(vid, JobState.INIT, JobState.WAITING)  # no longer INIT: nothing changes
    assert store.set_status(vid, JobState.WAITING, JobState.CANCELED)
    assert store.version_row(vid)["end_time"] is not None
    assert store.in_flight() == []


def test_launcher_records_exit_codes(tmp_path: Path) -> None:
    logs = [tmp_path / "w0", tmp_path / "w1", tmp_path / "w2"]
    spec = {
        "cwd": str(tmp_path),
        "status_file": str(tmp_path / "status.json"),
        "workers": [
            {"index": 0, "argv": [sys.executable, "-c", "print('zero')"], "log": str(logs[0])},
            {"index": 1, "argv": [sys.executable, "-c", "import sys; sys.exit(5)"], "log": str(logs[1])},
            {"index": 2, "argv": [], "log": str(logs[2]), "error": "no boot file"},
        ],
    }
    assert launcher.run(spec) == 5
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["exit_codes"] == [0, 5, 2] and status["returncode"] == 5
    assert "zero" in logs[0].read_text() and "return code: 5" in logs[1].read_text()
    assert "no boot file" in logs[2].read_text()


def test_process_helpers() -> None:
    me = os.getpid()
    assert processes.is_alive(me, processes.start_time(me))
    assert not processes.is_alive(me, "not-my-start-time")
    assert not processes.is_alive(None, None) and not processes.is_alive(2**22 + 12345, None)
    assert processes.proc_stat(me)[0] in "RS"
    assert processes.reap(me) is None
    assert not processes.signal_group(me, "not-my-start-time")


def test_error_bodies() -> None:
    v1 = errors.JobNotFound(job_id=7)
    assert v1.body("r") == {"is_success": False, "error_message": "Training job (ID: 7) not found.", "error_code": "ModelArts.2775"}
    gw = errors.IAMAuthenticationFailed("verify aksk signature fail")
    assert gw.body("r") == {
        "error_code": "APIGW.0301",
        "error_msg": "Incorrect IAM authentication information: verify aksk signature fail",
        "request_id": "r",
    }
    ks = errors.KeystoneUnauthorized()
    assert ks.body("r")["error"] == {"code": 401, "message": ks.text, "title": "Unauthorized"}
    assert errors.NotTerminable().status == 409 and errors.BodyTooLarge().status == 413


def test_every_error_class_is_data() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert isinstance(cls.status, int) and isinstance(cls.code, str) and cls.__doc__


MODULES = sorted(info.name for info in pkgutil.iter_modules(modelarts.local.__path__) if info.name != "__main__")


@pytest.mark.parametrize("name", MODULES)
def test_modules_are_small_and_explicit(name: str) -> None:
    module = importlib.import_module(f"modelarts.local.{name}")
    assert module.__doc__
    assert all(hasattr(module, exported) for exported in module.__all__)
    lines = Path(module.__file__).read_text().count("\n")
    assert lines <= 400, f"{name}.py has {lines} lines"


def test_package_exports() -> None:
    assert all(hasattr(modelarts.local, name) for name in modelarts.local.__all__)
    assert modelarts.local.__all__ == sorted(modelarts.local.__all__)
