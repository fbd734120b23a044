"""The documented response shapes, built from database rows.

Field names and types follow the v1 API pages: ids, ``status``, times (epoch
milliseconds) and ``duration`` (ms) are integers; ``core``/``cpu`` are
strings; ``model_metric_list`` is a JSON string and ``system_metric_list`` an
object of string arrays on the detail page, a JSON string in versions-list
entries (:func:`version_entry`), as each page's table says.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Dict, Mapping, Optional, Union

from modelarts.local import catalog

__all__ = ["Row", "created", "duration_ms", "job_summary", "version_detail", "version_entry"]

#: A database row or a dict made from one.
Row = Union[sqlite3.Row, Mapping[str, Any]]

_EMPTY_METRICS = json.dumps(
    {"metric": [], "total_metric": {"total_metric_meta": {}, "total_reserved_data": {}, "total_metric_values": {}}}
)


def duration_ms(row: Row, now_ms: int) -> int:
    """How long the processes ran (so far), in milliseconds."""
    start = row["start_time"]
    if not start:
        return 0
    end = row["end_time"] or now_ms
    return max(0, int(end) - int(start))


def created(row: Row, resource_id: bool = True) -> Dict[str, Any]:
    """The answer to create job / create version."""
    body = {
        "is_success": True,
        "job_id": row["job_id"],
        "job_name": row["job_name"],
        "status": row["status"],
        "create_time": row["create_time"],
        "version_id": row["version_id"],
        "version_name": row["version_name"],
    }
    if resource_id:
        body["resource_id"] = row["resource_id"]
    return body


def _engine(engine_id: Optional[int]) -> Dict[str, Any]:
    found = catalog.engine(engine_id) if engine_id else None
    return found or {"engine_type": None, "engine_name": "", "engine_id": engine_id, "engine_version": ""}


def _spec(spec_id: Optional[int]) -> Dict[str, Any]:
    found = catalog.spec(spec_id) if spec_id is not None else None
    return found or {"core": "", "cpu": "", "gpu_num": 0, "gpu_type": "", "spec_code": ""}


def version_detail(row: Row, now_ms: int) -> Dict[str, Any]:
    """The version-detail fields (modelarts_03_0047), minus ``is_success``."""
    config = json.loads(row["config"])
    engine, spec = _engine(config.get("engine_id")), _spec(config.get("spec_id"))
    volumes = config.get("volumes") or []
    nfs: Dict[str, Any] = next((item["nfs"] for item in volumes if isinstance(item, dict) and isinstance(item.get("nfs"), dict)), {})
    return {
        "job_id": row["job_id"],
        "job_name": row["job_name"],
        "job_desc": row["job_job_desc"],
        "version_id": row["version_id"],
        "version_name": row["version_name"],
        "pre_version_id": row["pre_version_id"],
        "engine_type": engine["engine_type"],
        "engine_name": engine["engine_name"],
        "engine_id": engine["engine_id"],
        "engine_version": engine["engine_version"],
        "status": row["status"],
        "app_url": config["app_url"],
        "boot_file_url": config["boot_file_url"],
        "create_time": row["create_time"],
        "parameter": config["parameter"],
        "duration": duration_ms(row, now_ms),
        "spec_id": config.get("spec_id"),
        "core": spec["core"],
        "cpu": spec["cpu"],
        "gpu_num": spec["gpu_num"],
        "gpu_type": spec["gpu_type"],
        "worker_server_num": config["worker_server_num"],
        "data_url": config["data_url"],
        "train_url": config["train_url"],
        "log_url": config["log_url"],
        "dataset_version_id": config["dataset_version_id"],
        "dataset_id": config["dataset_id"],
        "data_source": config["data_source"],
        "model_id": config.get("model_id"),
        "model_metric_list": _EMPTY_METRICS,
        "system_metric_list": {"cpuUsage": [], "memUsage": [], "gpuUtil": []},
        "user_image_url": config["user_image_url"],
        "user_command": config["user_command"],
        "resource_id": row["resource_id"],
        "dataset_name": "",
        "dataset_version_name": "",
        "spec_code": spec["spec_code"],
        "start_time": row["start_time"],
        "volumes": volumes,
        "pool_id": config["pool_id"],
        "pool_name": config["pool_id"],
        "nas_mount_path": nfs.get("dest_path", ""),
        "nas_share_addr": nfs.get("src_path", ""),
        "nas_type": "nfs" if nfs else "",
    }


#: Long fields of a versions-list entry that have no value yet: the doc table
#: types them Long, so they are integers, 0 meaning "none" (first version, no
#: built-in algorithm, not started).
_LONG_OR_ZERO = ("pre_version_id", "model_id", "start_time")


def version_entry(row: Row, now_ms: int) -> Dict[str, Any]:
    """One entry of ``versions`` in the versions list (modelarts_03_0049).

    Its table differs from the detail page: ``gpu`` (Boolean: whether the
    flavor has GPUs) is there, ``system_metric_list`` is a JSON *string*,
    and the Long fields are always integers.
    """
    entry = version_detail(row, now_ms)
    entry["gpu"] = bool(entry["gpu_num"])
    entry["system_metric_list"] = json.dumps(entry["system_metric_list"])
    for name in _LONG_OR_ZERO:
        if entry[name] is None:
            entry[name] = 0
    return entry


def job_summary(row: Row, now_ms: int) -> Dict[str, Any]:
    """One entry of the job list (modelarts_03_0046)."""
    return {
        "job_id": row["job_id"],
        "job_name": row["job_name"],
        "version_id": row["version_id"],
        "status": row["status"],
        "create_time": row["job_create_time"],
        "duration": duration_ms(row, now_ms),
        "job_desc": row["job_job_desc"],
        "version_count": row["version_count"],
    }
