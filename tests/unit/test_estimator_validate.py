"""Argument checks (``_validate``) and config building (``_config``) behind the Estimator."""

from __future__ import annotations

import doctest
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelarts import _config, _logs, _validate, _wait, models, rules
from modelarts._config import build_config, config_from_version
from modelarts._validate import (
    check_data_source,
    check_hyperparameters,
    check_id,
    check_job_name,
    check_obs_path,
    random_job_name,
)


class TestIds:
    @given(st.integers(min_value=rules.ID.low, max_value=rules.ID.high))
    def test_int_and_digit_string_agree(self, number: int) -> None:
        assert check_id(number, "job_id") == check_id(str(number), "job_id") == str(number)

    @pytest.mark.parametrize("bad", [rules.LONG_MAX + 1, "9" * 30, 0, "0", "-1", "+1", " 1", "1e3", b"12", None, True, 1.0, {}])
    def test_rejected(self, bad: Any) -> None:
        with pytest.raises(ValueError, match="version_id must be"):
            check_id(bad, "version_id")


class TestJobNames:
    @given(st.from_regex(rules.JOB_NAME.pattern, fullmatch=True))
    def test_documented_names_accepted(self, name: str) -> None:
        assert check_job_name(name) == name

    @given(st.text().filter(lambda s: not rules.JOB_NAME.fullmatch(s)))
    def test_everything_else_rejected(self, name: str) -> None:
        with pytest.raises(ValueError):
            check_job_name(name)

    def test_random_names_are_valid_and_distinct(self) -> None:
        names = {random_job_name() for _ in range(50)}
        assert len(names) == 50 and all(check_job_name(n) for n in names)
        assert check_job_name(random_job_name("p" * 80))


class TestDataSource:
    def test_one_fragment_per_source(self) -> None:
        assert check_data_source(inputs="obs://b/d/") == {"data_url": "/b/d/"}
        assert check_data_source(data_source={"data_url": "obs://b/d/"}) == {"data_source": [{"data_url": "/b/d/"}]}
        assert check_data_source(data_source=[{"type": "dataset", "dataset_id": "a", "dataset_version": "b"}]) == {
            "data_source": [{"type": "dataset", "dataset_id": "a", "dataset_version": "b"}]
        }

    @pytest.mark.parametrize(
        "kwargs",
        [{"data_source": []}, {"data_source": "x"}, {"data_source": [{"type": "s3"}]}, {"data_source": [1]},
         {"dataset_id": "", "dataset_version_id": "v"}, {"dataset_id": 1, "dataset_version_id": "v"},
         {"data_source": [{"type": "obs", "data_url": "bucket/x"}]}, {"data_source": [{"type": "obs"}]},
         {"data_source": [{"type": "dataset", "dataset_id": " ", "dataset_version": "v"}]},
         {"data_source": [{"type": "obs", "data_url": "/b/", "dataset_id": "a", "dataset_version": "v"}]}],
    )  # fmt: skip
    def test_rejected(self, kwargs: Any) -> None:
        with pytest.raises(ValueError):
            check_data_source(**kwargs)


class TestHyperparametersAndPaths:
    def test_values_become_strings(self) -> None:
        got = check_hyperparameters([{"label": "lr", "value": 0.5}, {"label": "n", "value": 3},
                                     {"label": "flag", "value": True}])  # fmt: skip
        assert got == [{"label": "lr", "value": "0.5"}, {"label": "n", "value": "3"},
                       {"label": "flag", "value": "true"}]  # fmt: skip
        assert check_hyperparameters(None) == [] and check_hyperparameters(()) == []

    @pytest.mark.parametrize(
        "bad",
        ["lr=1", [{"label": "", "value": "1"}], [{"label": "a", "value": None}], [{"label": "a", "value": "1", "x": 1}],
         [{"label": "a", "value": float("nan")}], [{"label": "a", "value": float("inf")}]],
    )
    def test_hyperparameters_rejected(self, bad: Any) -> None:
        with pytest.raises(ValueError):
            check_hyperparameters(bad)

    @pytest.mark.parametrize("bad", ["", "/", "//host/x", "bucket/x", 5, "/b/\x00"])
    def test_paths_rejected(self, bad: Any) -> None:
        with pytest.raises(ValueError):
            check_obs_path(bad, "code_dir")

    def test_path_schemes(self) -> None:
        assert check_obs_path("s3://b/x/", "p") == check_obs_path("obs://b/x/", "p") == "/b/x/"
        assert check_obs_path(None, "p") is None


class TestConfig:
    def test_build_config_renames_and_passes_through(self) -> None:
        params = {"train_instance_count": 2, "code_dir": "/b/s/", "boot_file": "/b/s/t.py", "output_path": "/b/o/",
                  "log_url": None, "pool_id": "p", "nas_type": "efs", "create_version": False, "job_type": "x"}
        config = build_config(params, {"data_url": "/b/d/"}, {"engine_id": 1}, [{"label": "a", "value": "1"}])
        assert config == {"worker_server_num": 2, "app_url": "/b/s/", "boot_file_url": "/b/s/t.py",
                          "train_url": "/b/o/", "data_url": "/b/d/", "engine_id": 1,
                          "parameter": [{"label": "a", "value": "1"}], "pool_id": "p", "nas_type": "efs",
                          "create_version": False}  # fmt: skip

    def test_config_from_version_prefers_one_data_source(self) -> None:
        detail = {"worker_server_num": 1, "app_url": "/a/", "spec_id": 2, "data_url": "/b/d/", "dataset_id": "x",
                  "dataset_version_id": "y", "log_url": "", "parameter": [{"label": "l", "value": "v"}],
                  "job_name": "ignored", "status": 8}  # fmt: skip
        config = config_from_version(detail)
        assert config == {"worker_server_num": 1, "app_url": "/a/", "spec_id": 2, "dataset_id": "x",
                          "dataset_version_id": "y", "parameter": [{"label": "l", "value": "v"}]}  # fmt: skip
        assert config_from_version(detail, {"data_url": "/n/"})["data_url"] == "/n/"
        assert "dataset_id" not in config_from_version(detail, {"data_url": "/n/"})

    def test_engine_needs_version_when_ambiguous(self) -> None:
        class Session:
            project_id = "p"

            def request(self, *args: Any, **kwargs: Any) -> Any:
                return {"engines": [{"engine_id": 1, "engine_name": "TF", "engine_version": "1"},
                                    {"engine_id": 2, "engine_name": "TF", "engine_version": "2"}]}  # fmt: skip

        with pytest.raises(ValueError, match="several versions"):
            _config.resolve_ids(Session(), {"framework_type": "tf"})
        assert _config.resolve_ids(Session(), {"framework_type": "tf", "framework_version": "2"}) == {"engine_id": 2}


@pytest.mark.parametrize("module", [_validate, _config, _logs, _wait, models], ids=lambda m: m.__name__)
def test_docstring_examples(module: Any) -> None:
    assert doctest.testmod(module).failed == 0
