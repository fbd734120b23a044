"""Request validation of the local service (modelarts.local.validation)."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelarts import rules
from modelarts.local.errors import InvalidArgument, ParameterError
from modelarts.local.validation import integer, parse_config, parse_job_name, parse_list_query
from modelarts.states import JobState

BASE: Dict[str, Any] = {
    "worker_server_num": 1,
    "app_url": "/b/src/",
    "boot_file_url": "/b/src/boot.py",
    "data_url": "/b/data/",
    "spec_id": 1,
}


def test_config_defaults() -> None:
    config = parse_config(BASE)
    assert config["engine_id"] == 1 and config["parameter"] == [] and config["create_version"] is True
    assert config["train_url"] == "" and config["model_id"] is None and config["data_source"] == []


def test_parameter_values_become_strings() -> None:
    config = parse_config(dict(BASE, parameter=[{"label": "n", "value": 3}, {"label": "flag", "value": True}]))
    assert config["parameter"] == [{"label": "n", "value": "3"}, {"label": "flag", "value": "true"}]


def test_data_source_array() -> None:
    config = parse_config(dict(BASE, data_url=None, data_source=[{"type": "obs", "data_url": "/b/d/"}]))
    assert config["data_source"] == [{"type": "obs", "data_url": "/b/d/"}]


def test_the_documented_sample_with_spec_and_pool_is_accepted() -> None:
    config = parse_config(dict(BASE, pool_id="testpool", model_id=4))
    assert config["pool_id"] == "testpool" and config["spec_id"] == 1


def test_custom_image_needs_a_command() -> None:
    with pytest.raises(InvalidArgument):
        parse_config({"worker_server_num": 1, "data_url": "/b/", "spec_id": 1, "user_image_url": "swr/x:1"})
    config = parse_config({"worker_server_num": 1, "data_url": "/b/", "spec_id": 1, "user_image_url": "swr/x:1", "user_command": "run"})
    assert config["user_command"] == "run"


def test_new_version_inherits_and_replaces_the_data_source() -> None:
    base = parse_config(dict(BASE, parameter=[{"label": "lr", "value": "1"}]))
    child = parse_config({"dataset_id": "d", "dataset_version_id": "v"}, base=base)
    assert child["parameter"] == base["parameter"] and child["data_url"] == ""
    assert (child["dataset_id"], child["dataset_version_id"]) == ("d", "v")


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"worker_server_num": True}, InvalidArgument),
        ({"worker_server_num": 3.5}, InvalidArgument),
        ({"app_url": None}, InvalidArgument),
        ({"data_url": "relative/path"}, ParameterError),
        ({"train_url": "/b/../x"}, ParameterError),
        ({"model_id": 12345}, ParameterError),
        ({"data_source": [{"type": "ftp"}], "data_url": None}, ParameterError),
        ({"data_source": "obs", "data_url": None}, InvalidArgument),
        ({"parameter": [{"label": "x", "value": {"nested": 1}}]}, InvalidArgument),
    ],
)
def test_config_errors(changes: Dict[str, Any], error: type) -> None:
    with pytest.raises(error):
        parse_config({k: v for k, v in dict(BASE, **changes).items() if v is not None})


def test_config_must_be_an_object() -> None:
    with pytest.raises(InvalidArgument):
        parse_config(["not", "an", "object"])


@given(st.from_regex(rules.JOB_NAME.pattern, fullmatch=True))
def test_every_documented_job_name_is_accepted(name: str) -> None:
    assert parse_job_name(name) == name


@given(st.text(min_size=1, max_size=rules.JOB_NAME_MAX + 16).filter(lambda s: not rules.JOB_NAME.fullmatch(s)))
def test_other_job_names_are_refused(name: str) -> None:
    with pytest.raises(ParameterError):
        parse_job_name(name)


def test_integer_accepts_digit_strings() -> None:
    assert integer("7", "n", 1, 10) == 7 and integer(None, "n", 1, 10, default=3) == 3
    with pytest.raises(InvalidArgument):
        integer(None, "n", 1)


def test_list_query_defaults_and_aliases() -> None:
    query = parse_list_query({})
    assert (query.per_page, query.page, query.sort_by, query.order, query.status) == (10, 1, "job_name", "asc", None)
    assert parse_list_query({"sort_by": "duration", "status": "JOBSTAT_RUNNING"}).sort_by == "duration"
    assert parse_list_query({"status": "8"}).status is JobState.RUNNING
