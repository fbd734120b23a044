"""Turning Estimator arguments into the v1 ``config`` of a job or job version.

The SDK speaks in names (``train_instance_type='modelarts.vm.cpu.2u'``,
``framework_type='PyTorch'``, ``model_name=...``); the API wants ids
(``spec_id``, ``engine_id``, ``model_id``).  :func:`resolve_ids` looks them
up in the service's catalogues (only the ones that are needed);
:func:`build_config` assembles the rest.  :func:`config_from_version` rebuilds
a config from a version's details, so ``TrainingJob.create_job_version`` can
re-run a job with only the data changed.

Examples
--------
>>> build_config({"train_instance_count": 1, "output_path": "/b/out/"}, {"data_url": "/b/data/"}, {"spec_id": 2})
{'worker_server_num': 1, 'train_url': '/b/out/', 'data_url': '/b/data/', 'spec_id': 2}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional

from modelarts import _api

if TYPE_CHECKING:  # the attrs models load on first use (see models.py)
    from modelarts.models import Algorithm

__all__ = ["PASSTHROUGH", "build_config", "config_from_version", "resolve_ids"]

#: Estimator arguments copied into ``config`` under the API's name.
_RENAMED = {
    "train_instance_count": "worker_server_num",
    "code_dir": "app_url",
    "boot_file": "boot_file_url",
    "output_path": "train_url",
    "log_url": "log_url",
    "user_image_url": "user_image_url",
    "user_command": "user_command",
}
#: Undocumented SDK 1.1.7 arguments sent as they are.
PASSTHROUGH = ("pool_id", "nas_type", "nas_share_addr", "nas_mount_path", "create_version")
#: Version-detail fields that are also ``config`` fields.
_FROM_VERSION = (
    "worker_server_num", "app_url", "boot_file_url", "train_url", "log_url", "user_image_url",
    "user_command", "spec_id", "engine_id", "model_id", "pool_id", "nas_type", "nas_share_addr",
    "nas_mount_path", "volumes",
)  # fmt: skip


def _pick_flavor(session: Any, instance_type: str) -> int:
    from modelarts.models import Flavor

    flavors = [Flavor.from_api(s) for s in _api.resource_specs(session).get("specs") or ()]
    for flavor in flavors:
        if flavor.spec_code == instance_type:
            return flavor.spec_id
    known = ", ".join(sorted(f.spec_code for f in flavors)) or "none"
    raise ValueError(f"train_instance_type {instance_type!r} is not offered here (available: {known})")


def _pick_engine(session: Any, framework_type: str, framework_version: Optional[str]) -> int:
    from modelarts.models import Engine

    engines = [Engine.from_api(e) for e in _api.ai_engines(session).get("engines") or ()]
    matches = [
        e
        for e in engines
        if e.engine_name.lower() == framework_type.lower()
        and (framework_version is None or e.engine_version == framework_version)
    ]
    if len(matches) == 1 or (matches and framework_version is not None):
        return matches[0].engine_id
    known = ", ".join(f"{e.engine_name}/{e.engine_version}" for e in engines) or "none"
    if matches:
        raise ValueError(f"framework_type {framework_type!r} has several versions; pass framework_version ({known})")
    wanted = framework_type + (f"/{framework_version}" if framework_version else "")
    raise ValueError(f"framework {wanted!r} is not offered here (available: {known})")


def _pick_algorithm(session: Any, model_name: str) -> Algorithm:
    from modelarts.models import Algorithm

    models = [Algorithm.from_api(m) for m in _api.built_in_algorithms(session).get("models") or ()]
    for model in models:
        if model.model_name == model_name:
            return model
    known = ", ".join(m.model_name for m in models) or "none"
    raise ValueError(f"model_name {model_name!r} is not a built-in algorithm here (available: {known})")


def resolve_ids(session: Any, params: Mapping[str, Any]) -> Dict[str, Any]:
    """``spec_id``/``engine_id``/``model_id`` for the named flavor, framework and algorithm.

    An ``int`` ``train_instance_type`` is taken as a ``spec_id`` (the English
    docs type it ``Long``); with ``pool_id`` no flavor is looked up.
    """
    ids: Dict[str, Any] = {}
    instance_type = params.get("train_instance_type")
    if params.get("pool_id") is None and instance_type is not None:
        if isinstance(instance_type, int) and not isinstance(instance_type, bool):
            ids["spec_id"] = instance_type
        else:
            ids["spec_id"] = _pick_flavor(session, instance_type)
    if params.get("model_name"):
        algorithm = _pick_algorithm(session, params["model_name"])
        ids["model_id"] = algorithm.model_id
        if algorithm.engine_id is not None:
            ids["engine_id"] = algorithm.engine_id
    elif params.get("framework_type"):
        ids["engine_id"] = _pick_engine(session, params["framework_type"], params.get("framework_version"))
    return ids


def build_config(
    params: Mapping[str, Any],
    data: Mapping[str, Any],
    ids: Mapping[str, Any],
    hyperparameters: Optional[List[Dict[str, str]]] = None,
) -> Dict[str, Any]:
    """The ``config`` object: renamed arguments, data source, looked-up ids, parameters."""
    config: Dict[str, Any] = {
        api_name: params[name] for name, api_name in _RENAMED.items() if params.get(name) is not None
    }
    config.update(data)
    config.update(ids)
    if hyperparameters:
        config["parameter"] = list(hyperparameters)
    config.update({name: params[name] for name in PASSTHROUGH if params.get(name) is not None})
    return config


def config_from_version(detail: Mapping[str, Any], data: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """A version's ``config`` rebuilt from its details; ``data`` replaces its data source."""
    config = {k: detail[k] for k in _FROM_VERSION if detail.get(k) not in (None, "", [])}
    if detail.get("parameter"):
        config["parameter"] = [{"label": p.get("label"), "value": p.get("value")} for p in detail["parameter"]]
    if data is None:
        data = {}
        if detail.get("data_source"):
            data = {"data_source": detail["data_source"]}
        elif detail.get("dataset_id") and detail.get("dataset_version_id"):
            data = {"dataset_id": detail["dataset_id"], "dataset_version_id": detail["dataset_version_id"]}
        elif detail.get("data_url"):
            data = {"data_url": detail["data_url"]}
    config.update(data)
    return config
