"""``modelarts.models``: frozen value objects built from documented answers."""

from __future__ import annotations

import attrs
import pytest

from modelarts.models import (
    Algorithm,
    Engine,
    Flavor,
    JobCreated,
    JobInfo,
    JobVersionList,
    LogChunk,
    Record,
)
from modelarts.states import JobState

#: The documented sample answers (API pages modelarts_03_0045/0046/0047/0149).
CREATED = {"is_success": True, "job_id": 10, "job_name": "TestModelArtsJob", "status": 1,
           "create_time": 1524189990635, "version_id": 10, "version_name": "V0001"}  # fmt: skip
DETAIL = {
    "is_success": True, "job_id": 10, "job_name": "TestModelArtsJob", "job_desc": "d", "version_id": 10,
    "version_name": "V0001", "pre_version_id": 5, "engine_id": 1, "engine_name": "TensorFlow",
    "engine_version": "TF-1.4.0-python2.7", "status": 10, "app_url": "/usr/app/", "boot_file_url": "/usr/app/boot.py",
    "create_time": 1524189990635, "parameter": [{"label": "lr", "value": "0.01"}], "duration": 532, "spec_id": 1,
    "worker_server_num": 1, "data_url": "/usr/data/", "train_url": "/usr/train/", "log_url": "/usr/log/",
}  # fmt: skip


class TestJobCreated:
    def test_sample_answer(self) -> None:
        created = JobCreated.from_api(CREATED)
        assert (created.job_id, created.version_id, created.status) == ("10", "10", JobState.INIT)
        assert created.version_name == "V0001" and created.create_time == 1524189990635

    def test_status_as_string_code(self) -> None:
        """The create sample in some docs shows ``"status": "1"``."""
        assert JobCreated.from_api({**CREATED, "status": "1"}).status is JobState.INIT

    def test_frozen(self) -> None:
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            JobCreated.from_api(CREATED).job_id = "11"  # type: ignore[misc]


class TestJobInfo:
    def test_sample_answer(self) -> None:
        info = JobInfo.from_api(DETAIL)
        assert info.status is JobState.COMPLETED and info.pre_version_id == "5"
        assert info.parameter == (("lr", "0.01"),)
        assert info.raw == DETAIL

    def test_raw_is_not_compared_or_shown(self) -> None:
        a, b = JobInfo.from_api(DETAIL), JobInfo.from_api({**DETAIL, "extra": 1})
        assert a == b and "raw" not in repr(a)

    def test_unknown_status_code_becomes_unknown(self, caplog: pytest.LogCaptureFixture) -> None:
        assert JobInfo.from_api({**DETAIL, "status": 99}).status is JobState.UNKNOWN
        assert "unexpected job status" in caplog.text

    def test_missing_fields_have_defaults(self) -> None:
        info = JobInfo.from_api({"job_id": "7", "version_id": "8"})
        assert (info.job_name, info.duration, info.status) == ("", None, JobState.UNKNOWN)


class TestJobVersionList:
    def test_versions_inherit_job_fields(self) -> None:
        listing = JobVersionList.from_api(
            {"job_id": 10, "job_name": "j", "job_desc": "d", "version_count": 2,
             "versions": [{"version_id": 12, "status": 8}, {"version_id": 11, "status": 12}]}  # fmt: skip
        )
        assert [v.version_id for v in listing.versions] == ["12", "11"]
        assert listing.versions[0].job_name == "j" and listing.versions[1].status is JobState.KILLED


class TestLogChunk:
    def test_documented_types_drift(self) -> None:
        """The sample answers ``"lines": "1"`` and a numeric ``start_line``."""
        chunk = LogChunk.from_api({"start_line": 1551252759254000002, "content": "Log string",
                                   "end_line": "1551252759254000003", "lines": "1"})  # fmt: skip
        assert chunk.lines == 1 and chunk.start_line == "1551252759254000002"
        assert chunk.splitlines() == ("Log string",)


class TestCatalogues:
    def test_flavor_engine_algorithm(self) -> None:
        flavor = Flavor.from_api({"spec_id": 2, "spec_code": "modelarts.vm.cpu.2u", "no_resource": False})
        engine = Engine.from_api({"engine_type": 1, "engine_name": "TensorFlow", "engine_id": 1,
                                  "engine_version": "TF-1.4.0-python2.7"})  # fmt: skip
        algo = Algorithm.from_api({"model_id": 3, "model_name": "resnet", "engine_id": 1})
        assert (flavor.spec_id, engine.engine_id, algo.model_id) == (2, 1, 3)


class TestRecord:
    def test_item_and_attribute_access(self) -> None:
        row = Record({"job_id": 10})
        assert row["job_id"] == row.job_id == row.get("job_id") == 10

    def test_missing_attribute(self) -> None:
        with pytest.raises(AttributeError):
            Record({}).job_id  # noqa: B018


@pytest.mark.parametrize("cls", [Algorithm, Engine, Flavor, JobCreated, JobInfo, JobVersionList,
                                 LogChunk])  # fmt: skip
def test_every_model_builds_from_an_empty_answer(cls: type, caplog: pytest.LogCaptureFixture) -> None:
    """Every field annotation has a converter, and missing keys fall back quietly."""
    assert cls.from_api({}) == cls.from_api({"unrelated": 1})
    assert "unexpected" not in caplog.text
