"""The local service's v2 training API, driven by Huawei Cloud's official client.

``huaweicloudsdkmodelarts`` signs every request with ``huaweicloudsdkcore``'s
signer (verified by the local gateway) and deserialises every answer into its
own response models; the tests check that the documented fields arrive
populated and typed as those models declare.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterator

import pytest

pytest.importorskip("huaweicloudsdkmodelarts")

from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException  # noqa: E402
from huaweicloudsdkmodelarts.v1 import ModelArtsClient  # noqa: E402
from huaweicloudsdkmodelarts.v1 import model as m  # noqa: E402

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def client(local_service: Any) -> Iterator[ModelArtsClient]:
    creds = local_service.credentials
    credentials = BasicCredentials(creds.access_key, creds.secret_key, creds.project_id)
    yield ModelArtsClient.new_builder().with_credentials(credentials).with_endpoints([local_service.endpoint]).build()


def _body(bucket: Any, name: str, script: str, **algorithm: Any) -> m.Job:
    bucket.write("src/train.py", script)
    return m.Job(
        kind="job",
        metadata=m.JobMetadata(name=name, description="official client"),
        algorithm=m.JobAlgorithm(
            code_dir=f"obs://{bucket.name}/src/",
            boot_file=f"obs://{bucket.name}/src/train.py",
            engine=m.JobEngine(engine_name="PyTorch", engine_version="PyTorch-1.4.0-python3.6"),
            parameters=[m.Parameters(name="epochs", value="3")],
            inputs=[m.Input(name="data_url", remote=m.InputDataInfo(obs=m.InputDataInfoObs(obs_url=f"obs://{bucket.name}/data/")))],
            outputs=[m.Output(name="train_url", remote=m.Remote(obs=m.RemoteObs(obs_url=f"obs://{bucket.name}/out/")))],
            environments={"MY_FLAG": "on"},
            **algorithm,
        ),
        spec=m.Spec(resource=m.SpecResource(flavor_id="modelarts.vm.cpu.2u", node_count=1)),
    )


def _typed(value: Any) -> None:
    """Every attribute set on a response model has the type the model declares."""
    types = getattr(value, "openapi_types", None)
    if types is None:
        return
    for name, declared in types.items():
        item = getattr(value, name)
        if item is None:
            continue
        if declared.startswith("list["):
            assert isinstance(item, list), (name, item)
            for entry in item:
                _typed(entry)
        elif declared.startswith("dict("):
            assert isinstance(item, dict), (name, item)
        elif declared in ("str", "int", "bool", "float"):
            assert isinstance(item, {"str": str, "int": int, "bool": bool, "float": (int, float)}[declared]), (name, item)
        else:
            assert type(item).__name__ == declared, (name, declared, item)
            _typed(item)


def _check_job(job: Any, name: str) -> None:
    _typed(job)
    assert _UUID.fullmatch(job.metadata.id)
    assert job.kind == "job" and job.metadata.name == name and job.metadata.user_name
    assert isinstance(job.metadata.create_time, int) and job.metadata.create_time > 0
    assert job.status.phase in ("Creating", "Pending", "Running", "Completed", "Failed", "Terminating", "Terminated")
    assert job.status.tasks == ["worker-0"]
    assert job.algorithm.parameters[0].name == "epochs" and job.algorithm.parameters[0].value == "3"
    assert job.algorithm.inputs[0].remote.obs.obs_url.endswith("/data/")
    assert job.algorithm.outputs[0].remote.obs.obs_url.endswith("/out/")
    assert job.algorithm.engine.engine_name == "PyTorch"
    assert job.algorithm.environments == [{"MY_FLAG": "on"}]
    assert job.spec.resource.flavor_id == "modelarts.vm.cpu.2u" and job.spec.resource.node_count == 1
    assert job.spec.resource.flavor_detail.flavor_info.cpu.core_num == 2


def _phase(client: ModelArtsClient, job_id: str) -> str:
    return client.show_training_job_details(m.ShowTrainingJobDetailsRequest(training_job_id=job_id)).status.phase


def test_lifecycle_create_running_preview_terminate_delete(client: ModelArtsClient, bucket: Any, helpers: Any) -> None:
    name = helpers.unique("v2-life")
    script = helpers.SLEEP_LOOP.replace('print("step", i', 'print("step", os.environ.get("MY_FLAG"), i')
    created = client.create_training_job(m.CreateTrainingJobRequest(body=_body(bucket, name, script)))
    _check_job(created, name)
    job_id = created.metadata.id
    helpers.wait_for(lambda: _phase(client, job_id) == "Running")

    def preview() -> Any:
        answer = client.show_training_job_logs_preview(
            m.ShowTrainingJobLogsPreviewRequest(training_job_id=job_id, task_id="worker-0")
        )
        return answer if "step on" in (answer.content or "") else None

    answer = helpers.wait_for(preview)
    assert "--epochs=3" in answer.content and "--data_url=" in answer.content and "--train_url=" in answer.content
    assert answer.current_size == len(answer.content.encode()) <= answer.full_size

    stopped = client.stop_training_job(
        m.StopTrainingJobRequest(training_job_id=job_id, body=m.JobActionType(action_type="terminate"))
    )
    _typed(stopped)
    assert stopped.status.phase in ("Terminating", "Terminated")
    helpers.wait_for(lambda: _phase(client, job_id) == "Terminated")
    shown = client.show_training_job_details(m.ShowTrainingJobDetailsRequest(training_job_id=job_id))
    _check_job(shown, name)
    assert shown.status.secondary_phase == "Terminated" and shown.status.duration >= 0

    with pytest.raises(ClientRequestException) as again:
        client.stop_training_job(m.StopTrainingJobRequest(training_job_id=job_id, body=m.JobActionType(action_type="terminate")))
    assert again.value.status_code == 409 and again.value.error_code == "ModelArts.2796"

    client.delete_training_job(m.DeleteTrainingJobRequest(training_job_id=job_id))
    with pytest.raises(ClientRequestException) as gone:
        client.show_training_job_details(m.ShowTrainingJobDetailsRequest(training_job_id=job_id))
    assert gone.value.error_code == "ModelArts.2775" and job_id in gone.value.error_msg


def test_list_filters_sort_and_paging(client: ModelArtsClient, bucket: Any, helpers: Any) -> None:
    prefix = helpers.unique("v2-list")
    ids = []
    for index in range(3):
        body = _body(bucket, f"{prefix}-{index}", "print('done')\n")
        ids.append(client.create_training_job(m.CreateTrainingJobRequest(body=body)).metadata.id)
    for job_id in ids:
        helpers.wait_for(lambda: _phase(client, job_id) == "Completed")

    def search(**query: Any) -> Any:
        return client.list_training_jobs(m.ListTrainingJobsRequest(body=m.JobSearches(**query)))

    like = [m.Filter(key="name", operator="like", value=[prefix])]
    page = search(filters=like, limit=2, offset=0, sort_by="create_time", order="asc")
    _typed(page)
    assert page.total == 3 and page.count == 2 and page.limit == 2 and page.offset == 0
    assert [job.metadata.id for job in page.items] == ids[:2]
    rest = search(filters=like, limit=2, offset=2, sort_by="create_time", order="asc")
    assert [job.metadata.id for job in rest.items] == ids[2:]
    exact = search(filters=[m.Filter(key="name", operator="eq", value=[f"{prefix}-1"])])
    assert [job.metadata.id for job in exact.items] == [ids[1]]
    done = search(filters=like + [m.Filter(key="phase", operator="in", value=["Completed"])], sort_by="name", order="desc")
    assert [job.metadata.name for job in done.items] == [f"{prefix}-2", f"{prefix}-1", f"{prefix}-0"]
    assert search(filters=like + [m.Filter(key="phase", operator="eq", value=["Running"])]).total == 0
    for job_id in ids:
        client.delete_training_job(m.DeleteTrainingJobRequest(training_job_id=job_id))
    assert search(filters=like).total == 0


def test_catalogue_and_quotas(client: ModelArtsClient) -> None:
    engines = client.show_training_job_engines(m.ShowTrainingJobEnginesRequest())
    _typed(engines)
    assert engines.total == len(engines.items) > 0 and engines.items[0].image_info.cpu_image_url
    flavors = client.show_training_job_flavors(m.ShowTrainingJobFlavorsRequest())
    _typed(flavors)
    assert "modelarts.vm.cpu.2u" in [flavor.flavor_id for flavor in flavors.flavors]
    gpu = client.show_training_job_flavors(m.ShowTrainingJobFlavorsRequest(flavor_type="GPU"))
    assert gpu.flavors and all(flavor.flavor_type == "GPU" for flavor in gpu.flavors)
    quotas = client.show_training_quotas(m.ShowTrainingQuotasRequest())
    _typed(quotas)
    assert quotas.quotas[0].resource == "train_job" and quotas.quotas[0].quota >= quotas.quotas[0].used >= 0


@pytest.mark.parametrize(
    "change, code",
    [
        ({"flavor": "no.such.flavor"}, "ModelArts.0104"),
        ({"engine": m.JobEngine(engine_name="NoSuchEngine")}, "ModelArts.0104"),
        ({"name": "bad name!"}, "ModelArts.0104"),
        ({"code_dir": "/not-obs/"}, "ModelArts.0104"),
    ],
)
def test_create_errors(client: ModelArtsClient, bucket: Any, helpers: Any, change: Dict[str, Any], code: str) -> None:
    body = _body(bucket, change.get("name", helpers.unique("v2-bad")), "print(1)\n")
    if "flavor" in change:
        body.spec.resource.flavor_id = change["flavor"]
    if "engine" in change:
        body.algorithm.engine = change["engine"]
    if "code_dir" in change:
        body.algorithm.code_dir = change["code_dir"]
    with pytest.raises(ClientRequestException) as failed:
        client.create_training_job(m.CreateTrainingJobRequest(body=body))
    assert failed.value.status_code == 400 and failed.value.error_code == code and failed.value.error_msg


def test_duplicate_name_unknown_job_and_running_delete(client: ModelArtsClient, bucket: Any, helpers: Any) -> None:
    name = helpers.unique("v2-dup")
    job_id = client.create_training_job(m.CreateTrainingJobRequest(body=_body(bucket, name, helpers.SLEEP_LOOP))).metadata.id
    with pytest.raises(ClientRequestException) as dup:
        client.create_training_job(m.CreateTrainingJobRequest(body=_body(bucket, name, "print(1)\n")))
    assert dup.value.error_code == "ModelArts.2751"
    with pytest.raises(ClientRequestException) as running:
        client.delete_training_job(m.DeleteTrainingJobRequest(training_job_id=job_id))
    assert running.value.status_code == 409 and running.value.error_code == "ModelArts.2878"
    with pytest.raises(ClientRequestException) as task:
        client.show_training_job_logs_preview(m.ShowTrainingJobLogsPreviewRequest(training_job_id=job_id, task_id="worker-9"))
    assert task.value.error_code == "ModelArts.2820"
    client.stop_training_job(m.StopTrainingJobRequest(training_job_id=job_id, body=m.JobActionType(action_type="terminate")))
    helpers.wait_for(lambda: _phase(client, job_id) in ("Terminated",))
    client.delete_training_job(m.DeleteTrainingJobRequest(training_job_id=job_id))
    for missing in (job_id, "00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        with pytest.raises(ClientRequestException) as unknown:
            client.delete_training_job(m.DeleteTrainingJobRequest(training_job_id=missing))
        assert unknown.value.error_code == "ModelArts.2775"


def test_v2_jobs_stay_out_of_the_v1_api(client: ModelArtsClient, bucket: Any, helpers: Any, api: Any) -> None:
    name = helpers.unique("v2-only")
    job_id = client.create_training_job(m.CreateTrainingJobRequest(body=_body(bucket, name, "print(1)\n"))).metadata.id
    listed = api.ok(api.get("/v1/{project_id}/training-jobs", params={"search_content": name}))
    assert listed["jobs"] == []
    helpers.wait_for(lambda: _phase(client, job_id) == "Completed")
    client.delete_training_job(m.DeleteTrainingJobRequest(training_job_id=job_id))
