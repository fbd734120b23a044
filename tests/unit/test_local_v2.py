"""The local service's v2 pieces without HTTP: request parsing, search, error bodies."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelarts import rules
from modelarts.local.errors import ParameterError
from modelarts.local.v2_errors import V2Error, V2InvalidArgument, V2NotTerminable, V2ParameterError, from_v1
from modelarts.local.v2_request import parse_create
from modelarts.local.jobstore import JobStore
from modelarts.local.jobfiles import JobFiles
from modelarts.local.runner import Runner
from modelarts.local.store import Database
from modelarts.local.v2_jobs import TrainingJobsV2
from modelarts.states import JobState


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


def test_parse_keeps_obs_paths_for_staging_and_creates_nothing(tmp_path: Path) -> None:
    request, config = parse_create(_body(), tmp_path)
    assert request["algorithm"]["boot_file"] == "obs://bkt/src/train.py"
    assert config["app_url"] == "obs://bkt/src/" and config["boot_file_url"] == "obs://bkt/src/train.py"
    assert config["parameter"] == [{"label": "lr", "value": "0.1"}]
    assert config["inputs"] == [{"name": "data_url", "url": "obs://bkt/data/"}]
    assert config["outputs"] == [{"name": "train_url", "url": "obs://bkt/out/"}]
    # Parsing writes nothing: a refused request leaves no bucket or folder behind.
    assert list(tmp_path.iterdir()) == [] and config["spec_id"] is not None


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


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[TrainingJobsV2]:
    db = Database(":memory:")
    store = JobStore(db, clock=lambda: 1_700_000_000.0)
    yield TrainingJobsV2(store, Runner(store, JobFiles(tmp_path)))
    db.close()


def _make(backend: TrainingJobsV2, project: str = "p1") -> List[str]:
    """Five jobs job-0..job-4; odd ones Running (started at the fake clock), even ones Completed."""
    ids = []
    for index in range(5):
        body = _body()
        body["metadata"] = {"name": f"job-{index}", "description": "odd" if index % 2 else "even"}
        job_id = backend.create(project, body, "alice" if index < 3 else "bob")["metadata"]["id"]
        status = JobState.RUNNING if index % 2 else JobState.COMPLETED
        backend.db.execute(
            "UPDATE versions SET status = ?, create_time = ?, start_time = ?, end_time = ? WHERE job_id = "
            "(SELECT job_id FROM v2_jobs WHERE job_uuid = ?)",
            (int(status), 1000 + index, 1000, None if index % 2 else 1000 + 10 * index, job_id),
        )
        ids.append(job_id)
    return ids


def _names(answer: Dict[str, Any]) -> List[str]:
    return [item["metadata"]["name"] for item in answer["items"]]


def test_search_filters_sorts_pages(backend: TrainingJobsV2) -> None:
    ids = _make(backend)
    _make(backend, project="p2")  # another project's jobs never show
    running = backend.search("p1", {"filters": [{"key": "phase", "operator": "in", "value": ["Running"]}], "order": "asc"})
    assert _names(running) == ["job-1", "job-3"] and running["total"] == 2
    assert all(item["status"]["phase"] == "Running" for item in running["items"])
    page = backend.search("p1", {"limit": 2, "offset": 1, "sort_by": "create_time", "order": "desc"})
    assert _names(page) == ["job-3", "job-2"] and page["count"] == 2 and page["total"] == 5
    assert backend.search("p1", {"filters": [{"key": "name", "operator": "not_in", "value": ["job-0"]}]})["total"] == 4
    assert _names(backend.search("p1", {"filters": [{"key": "name", "operator": "like", "value": ["JOB-3", "b-4"]}]})) == ["job-4", "job-3"]
    assert _names(backend.search("p1", {"filters": [{"key": "id", "operator": "eq", "value": [ids[2]]}]})) == ["job-2"]
    assert backend.search("p1", {"filters": [{"key": "user_name", "operator": "eq", "value": ["bob"]}]})["total"] == 2
    assert backend.search("p1", {"filters": [{"key": "description", "operator": "like", "value": ["odd"]}]})["total"] == 2
    assert backend.search("p1", {"filters": [{"key": "secondary_phase", "operator": "eq", "value": ["Completed"]}]})["total"] == 3
    assert backend.search("p1", {"filters": [{"key": "phase", "operator": "eq", "value": ["Nonsense"]}]})["total"] == 0
    by_name = backend.search("p1", {"sort_by": "name", "order": "asc", "limit": 50})
    assert _names(by_name) == [f"job-{i}" for i in range(5)]
    by_phase = backend.search("p1", {"sort_by": "phase", "order": "asc", "limit": 50})
    assert [item["status"]["phase"] for item in by_phase["items"]] == ["Completed"] * 3 + ["Running"] * 2
    assert backend.search("p1", {"offset": 99})["items"] == []
    assert backend.search("p1", {"workspace_id": "other"})["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 0}, {"limit": rules.V2_SEARCH_LIMIT.high + 1}, {"offset": -1}, {"sort_by": "nope"}, {"order": "up"}, {"filters": {}},
        {"filters": [{"key": "nope", "value": ["x"]}]}, {"filters": [{"key": "name", "operator": "re", "value": ["x"]}]},
        {"filters": [{"key": "name", "value": []}]}, {"filters": [{"key": "name", "value": [1]}]}, {"filters": ["x"]},
        {"filters": [{"key": "name", "value": ["x"] * 101}]}, [],
    ],
)  # fmt: skip
def test_search_refuses_bad_queries(backend: TrainingJobsV2, body: Any) -> None:
    with pytest.raises(V2Error):
        backend.search("p1", body)


def test_error_bodies() -> None:
    body = V2NotTerminable(phase="Completed").body("req")
    assert body == {"error_code": "ModelArts.2796", "error_msg": "The job cannot be terminated: it is Completed.",
                    "error_solution": "Only Creating, Pending and Running jobs can be terminated."}  # fmt: skip
    converted = from_v1(ParameterError("limit out of range"))
    assert converted.status == 400 and converted.code == "ModelArts.0104"
    assert converted.body("r")["error_msg"] == "Parameter error: limit out of range"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
_KEYS = ["kind", "metadata", "algorithm", "spec", "name", "code_dir", "boot_file", "engine", "inputs", "outputs",
         "parameters", "environments", "resource", "flavor_id", "node_count", "remote", "obs", "obs_url", "image_url",
         "command", "log_export_path", "engine_id", "engine_name", "value"]  # fmt: skip


def _mutate(base: Any, path: List[str], value: Any) -> Any:
    if not path or not isinstance(base, dict):
        return value
    result = dict(base)
    result[path[0]] = _mutate(base.get(path[0], {}), path[1:], value)
    return result


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.lists(st.sampled_from(_KEYS), min_size=1, max_size=4), value=_JSON)
def test_any_mangled_body_is_a_v2_error_or_accepted(tmp_path: Path, path: List[str], value: Any) -> None:
    try:
        request, config = parse_create(_mutate(_body(), path, value), tmp_path)
    except V2Error as err:
        assert err.status == 400 and err.code.startswith("ModelArts.") and err.text
        return
    assert config["worker_server_num"] >= 1 and request["metadata"]["name"]


@settings(max_examples=200, deadline=None)
@given(body=_JSON)
def test_any_search_body_is_a_v2_error_or_a_query(body: Any) -> None:
    from modelarts.local.errors import V1Error
    from modelarts.local.v2_search import parse_search

    if not isinstance(body, dict):
        return
    try:
        query = parse_search(body)
    except (V2Error, V1Error) as err:
        assert err.status == 400
        return
    assert 1 <= query.limit <= 50


def test_node_count_is_bounded_even_on_a_dedicated_pool(tmp_path: Path) -> None:
    body = _body()
    body["spec"]["resource"] = {"pool_id": "pool-1", "node_count": 10**9}
    with pytest.raises(V2Error):
        parse_create(body, tmp_path)
    body["spec"]["resource"]["node_count"] = 3
    assert parse_create(body, tmp_path)[1]["worker_server_num"] == 3
