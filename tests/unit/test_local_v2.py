"""The local service's v2 pieces without HTTP: request parsing, search, error bodies."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest

from modelarts.local.errors import InvalidArgument, ParameterError
from modelarts.local.v2_errors import V2Error, V2InvalidArgument, V2NotTerminable, V2ParameterError, from_v1
from modelarts.local.v2_request import parse_create
from modelarts.local.v2_search import search


def _body(**algorithm: Any) -> Dict[str, Any]:
    alg: Dict[str, Any] = {
        "code_dir": "obs://bkt/src/", "boot_file": "train.py",
        "engine": {"engine_name": "PyTorch", "engine_version": "PyTorch-1.4.0-python3.6"},
        "inputs": [{"name": "data_url", "remote": {"obs": {"obs_url": "obs://bkt/data/"}}}],
        "outputs": [{"name": "train_url", "remote": {"obs": {"obs_url": "obs://bkt/out/"}}}],
        "parameters": [{"name": "lr", "value": "0.1"}],
    }  # fmt: skip
    alg.update(algorithm)
    return {"kind": "job", "metadata": {"name": "demo"}, "algorithm": alg,
            "spec": {"resource": {"flavor_id": "modelarts.vm.cpu.2u", "node_count": 1}}}  # fmt: skip


def test_parse_maps_obs_paths_onto_the_local_obs_directory(tmp_path: Path) -> None:
    request, config = parse_create(_body(), tmp_path)
    assert request["algorithm"]["boot_file"] == "obs://bkt/src/train.py"
    assert config["app_url"] == "obs://bkt/src/" and config["boot_file_url"] == "obs://bkt/src/train.py"
    assert config["parameter"] == [
        {"label": "lr", "value": "0.1"},
        {"label": "data_url", "value": f"{tmp_path}/bkt/data/"},
        {"label": "train_url", "value": f"{tmp_path}/bkt/out/"},
    ]
    assert (tmp_path / "bkt" / "out").is_dir() and config["spec_id"] is not None


@pytest.mark.parametrize(
    "body, error",
    [
        ([], V2InvalidArgument),
        ({"metadata": {"name": "x"}}, V2InvalidArgument),
        (dict(_body(), kind="pod"), V2ParameterError),
        (_body(code_dir="/bkt/src/"), V2ParameterError),
        (_body(boot_file="obs://other/train.py"), V2ParameterError),
        (_body(engine={"engine_name": "Nope"}), V2ParameterError),
        (_body(engine={"image_url": "img"}, code_dir=None, boot_file=None), V2InvalidArgument),
        (_body(inputs=[{"name": "data_url", "remote": {"dataset": {"id": "1"}}}]), V2ParameterError),
        (_body(inputs=[{"name": "lr", "remote": {"obs": {"obs_url": "obs://bkt/d/"}}}]), V2ParameterError),
        (_body(inputs=[{"name": "d", "remote": {"obs": {"obs_url": "obs://bkt/../../etc/"}}}]), V2ParameterError),
        (_body(parameters=[{"name": "x", "value": {"a": 1}}]), V2InvalidArgument),
        (_body(environments={"1BAD": "x"}), V2ParameterError),
        (_body(environments={"OK": 1}), V2ParameterError),
    ],
)
def test_parse_refuses_bad_bodies(tmp_path: Path, body: Any, error: type) -> None:
    with pytest.raises(error):
        parse_create(body, tmp_path)


def test_node_count_and_flavor_limits(tmp_path: Path) -> None:
    body = _body()
    body["spec"]["resource"]["node_count"] = 99
    with pytest.raises(V2ParameterError):
        parse_create(body, tmp_path)
    body["spec"]["resource"] = {"flavor_id": "no.such"}
    with pytest.raises(V2ParameterError):
        parse_create(body, tmp_path)


def _jobs() -> list:
    return [
        {"metadata": {"id": str(i), "name": f"job-{i}", "description": "", "user_name": "u", "create_time": i, "workspace_id": "0"},
         "status": {"phase": "Running" if i % 2 else "Completed", "secondary_phase": "x", "duration": 10 - i}}
        for i in range(5)
    ]  # fmt: skip


def test_search_filters_sorts_pages() -> None:
    answer = search(_jobs(), {"filters": [{"key": "phase", "operator": "in", "value": ["Running"]}], "order": "asc"})
    assert [job["metadata"]["id"] for job in answer["items"]] == ["1", "3"] and answer["total"] == 2
    page = search(_jobs(), {"limit": 2, "offset": 2, "sort_by": "duration", "order": "asc"})
    assert [job["metadata"]["id"] for job in page["items"]] == ["2", "1"] and page["count"] == 2
    assert search(_jobs(), {"filters": [{"key": "name", "operator": "not_in", "value": ["job-0"]}]})["total"] == 4
    assert search(_jobs(), {"filters": [{"key": "name", "operator": "like", "value": ["JOB-3"]}]})["total"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 0}, {"limit": 51}, {"offset": -1}, {"sort_by": "nope"}, {"order": "up"}, {"filters": {}},
        {"filters": [{"key": "nope", "value": ["x"]}]}, {"filters": [{"key": "name", "operator": "re", "value": ["x"]}]},
        {"filters": [{"key": "name", "value": []}]}, {"filters": [{"key": "name", "value": [1]}]}, {"filters": ["x"]},
    ],
)  # fmt: skip
def test_search_refuses_bad_queries(body: Dict[str, Any]) -> None:
    with pytest.raises((V2Error, InvalidArgument, ParameterError)):
        search(_jobs(), body)


def test_error_bodies() -> None:
    body = V2NotTerminable(phase="Completed").body("req")
    assert body == {"error_code": "ModelArts.2796", "error_msg": "The job cannot be terminated: it is Completed.",
                    "error_solution": "Only Creating, Pending and Running jobs can be terminated."}  # fmt: skip
    converted = from_v1(ParameterError("limit out of range"))
    assert converted.status == 400 and converted.code == "ModelArts.0104"
    assert converted.body("r")["error_msg"] == "Parameter error: limit out of range"
