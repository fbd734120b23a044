"""The v2 training API's response shapes, built from database rows.

Names, types and nesting follow the v2 API pages ("Querying the Details
About a Training Job", "Querying the List of Training Jobs", "Obtaining the
General Specifications Supported by a Training Job", "Querying AI Engines")
and their models in Huawei Cloud's SDK ``huaweicloudsdkmodelarts``
(``JobResponse``, ``Status``, ``JobAlgorithmResponse``, ``SpecResponse``,
``FlavorResponseWithSupport``, ``ListEnginesItems``): times are epoch
milliseconds, ``duration`` milliseconds, ids strings.  Note the API's own
asymmetry: ``algorithm.environments`` is an object in a request and an array
of objects in a response.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional

from modelarts.local import catalog
from modelarts.local.views import Row, duration_ms
from modelarts.states import JobState, phase_of

__all__ = ["engine_item", "flavor_detail", "flavor_item", "job", "task_names"]


def task_names(node_count: int) -> List[str]:
    """``["worker-0", "worker-1", …]``: the v2 names of a job's tasks."""
    return [f"worker-{index}" for index in range(node_count)]


def _flavor_info(spec: Mapping[str, Any], disk_as_text: bool) -> Dict[str, Any]:
    info: Dict[str, Any] = {
        "max_num": spec["max_num"],
        "cpu": {"arch": "x86", "core_num": int(spec["core"])},
        "memory": {"size": int(spec["cpu"]), "unit": "GB"},
    }
    if spec["gpu_num"]:
        info["gpu"] = {"unit_num": spec["gpu_num"], "product_name": spec["gpu_type"], "memory": "32GB"}
    if spec["storage"]:
        info["disk"] = {"size": spec["storage"] if disk_as_text else int(spec["storage"]), "unit": "GB"}
    return info


def _flavor_type(spec: Mapping[str, Any]) -> str:
    return "GPU" if spec["gpu_num"] else "CPU"


def flavor_detail(spec: Mapping[str, Any]) -> Dict[str, Any]:
    """``spec.resource.flavor_detail`` of a job running on ``spec``."""
    return {
        "flavor_type": _flavor_type(spec),
        "billing": {"code": spec["spec_code"], "unit_num": spec["unit_num"]},
        "flavor_info": _flavor_info(spec, disk_as_text=True),
    }


def flavor_item(spec: Mapping[str, Any]) -> Dict[str, Any]:
    """One entry of ``GET /v2/{project_id}/training-job-flavors``."""
    return {
        "flavor_id": spec["spec_code"],
        "flavor_name": spec["spec_code"],
        "max_num": spec["max_num"],
        "flavor_type": _flavor_type(spec),
        "billing": {"code": spec["spec_code"], "unit_num": spec["unit_num"]},
        "flavor_info": _flavor_info(spec, disk_as_text=False),
        "attributes": {},
    }


def engine_item(engine: Mapping[str, Any]) -> Dict[str, Any]:
    """One entry of ``GET /v2/{project_id}/training-job-engines``."""
    image = f"local/{engine['engine_name'].lower()}:{engine['engine_version']}"
    return {
        "engine_id": str(engine["engine_id"]),
        "engine_name": engine["engine_name"],
        "engine_version": engine["engine_version"],
        "v1_compatible": True,
        "run_user": "1000",
        "image_info": {"cpu_image_url": image, "gpu_image_url": image, "image_version": engine["engine_version"]},
    }


def _status(row: Row, request: Mapping[str, Any], now_ms: int) -> Dict[str, Any]:
    state = JobState(row["status"])
    phase, secondary = phase_of(state)
    tasks = task_names(request["spec"]["resource"]["node_count"])
    status: Dict[str, Any] = {
        "phase": phase,
        "secondary_phase": secondary,
        "duration": duration_ms(row, now_ms),
        "tasks": tasks,
        "start_time": int(row["start_time"] or 0),
        "node_count_metrics": [[int(row["start_time"]), len(tasks)]] if row["start_time"] else [],
        "task_statuses": [],
        "task_ips": [{"task": task, "ip": "127.0.0.1", "host_ip": "127.0.0.1", "schedule_count": 1} for task in tasks]
        if row["start_time"]
        else [],
    }
    if state.is_terminal and row["exit_code"] is not None:
        message = "" if row["exit_code"] == 0 else f"the training process exited with code {row['exit_code']}"
        status["task_statuses"] = [{"task": task, "exit_code": int(row["exit_code"]), "message": message} for task in tasks]
    return status


def _algorithm(request: Mapping[str, Any]) -> Dict[str, Any]:
    alg = dict(request["algorithm"])
    alg["environments"] = [{key: value} for key, value in alg["environments"].items()]
    alg["engine"] = dict(alg["engine"], install_sys_packages=False, image_repo_id="")
    return alg


def _spec(request: Mapping[str, Any], spec_id: Optional[int]) -> Dict[str, Any]:
    resource = request["spec"]["resource"]
    spec = catalog.spec(spec_id) if spec_id is not None else None
    answer: Dict[str, Any] = {
        "resource": {
            "policy": "regular",
            "flavor_id": resource["flavor_id"],
            "flavor_name": resource["flavor_id"],
            "node_count": resource["node_count"],
            "pool_id": resource["pool_id"],
            "pool_name": resource["pool_id"],
        },
        "log_export_path": {"obs_url": request["spec"]["log_export_path"]["obs_url"], "host_path": ""},
        "volumes": [],
    }
    if spec is not None:
        answer["resource"]["flavor_detail"] = flavor_detail(spec)
        answer["resource"]["main_container_allocated_resources"] = {
            "cpu_arch": "x86",
            "cpu_core_num": float(spec["core"]),
            "mem_size": float(spec["cpu"]),
            "accelerator_num": float(spec["gpu_num"]),
            "accelerator_type": spec["gpu_type"] or "",
        }
    answer["schedule_policy"] = {"priority": 1, "preemptible": False}
    return answer


def job(row: Row, now_ms: int) -> Dict[str, Any]:
    """A ``JobResponse`` from a joined v2 row (``job_uuid``, ``request``, ``user_name`` + version columns)."""
    request = json.loads(row["request"])
    config = json.loads(row["config"])
    meta = request["metadata"]
    return {
        "kind": "job",
        "metadata": {
            "id": row["job_uuid"],
            "name": meta["name"],
            "workspace_id": meta["workspace_id"],
            "description": meta["description"],
            "create_time": int(row["create_time"]),
            "user_name": row["user_name"],
            "annotations": dict(meta["annotations"]),
        },
        "status": _status(row, request, now_ms),
        "algorithm": _algorithm(request),
        "spec": _spec(request, config.get("spec_id")),
    }
