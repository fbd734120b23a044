"""Checking request bodies and query strings against the documented rules.

Malformed input (bad JSON, a missing field, a wrong type) raises
:class:`~modelarts.local.errors.InvalidArgument` (``ModelArts.0101``); a
well-typed value outside its documented range or set raises
:class:`~modelarts.local.errors.ParameterError` (``ModelArts.0104``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

import attrs

from modelarts import rules
from modelarts.local import catalog
from modelarts.local.errors import InvalidArgument, ParameterError
from modelarts.local.obs import ObsPathError, split_obs_url
from modelarts.states import JobState

__all__ = [
    "ListQuery",
    "DATA_SOURCE_KEYS",
    "integer",
    "parse_config",
    "parse_job_desc",
    "parse_job_name",
    "parse_list_query",
    "text",
]

DATA_SOURCE_KEYS = ("data_url", "dataset_id", "dataset_version_id", "data_source")
_OBS_FIELDS = ("app_url", "boot_file_url", "data_url", "train_url", "log_url")
_PLAIN_FIELDS = ("pool_id", "user_image_url", "user_command", "dataset_id", "dataset_version_id")


def integer(value: Any, name: str, low: int, high: Optional[int] = None, default: Optional[int] = None) -> int:
    """An int in ``[low, high]`` (``high`` at most a Long, also the largest integer SQLite stores);
    strings of digits (:data:`modelarts.rules.INTEGER_TEXT`) are accepted (query strings)."""
    if value is None or value == "":
        if default is None:
            raise InvalidArgument(f"{name} is required")
        return default
    if isinstance(value, bool):
        raise InvalidArgument(f"{name} must be an integer")
    if isinstance(value, str):
        if not rules.INTEGER_TEXT.fullmatch(value.strip()):
            raise InvalidArgument(f"{name} must be an integer, got {value[:40]!r}")
        value = int(value)
    if not isinstance(value, int):
        raise InvalidArgument(f"{name} must be an integer")
    high = rules.LONG_MAX if high is None else min(high, rules.LONG_MAX)
    if value < low or value > high:
        raise ParameterError(f"{name} must be in [{low}, {high}], got {value if abs(value) < 10**30 else 'a huge number'}")
    return value


def text(value: Any, name: str, max_len: int, default: Optional[str] = None) -> str:
    """A string of at most ``max_len`` characters."""
    if value is None:
        if default is None:
            raise InvalidArgument(f"{name} is required")
        return default
    if not isinstance(value, str):
        raise InvalidArgument(f"{name} must be a string")
    if len(value) > max_len:
        raise ParameterError(f"{name} must have at most {max_len} characters")
    return value


def parse_job_name(value: Any) -> str:
    name = text(value, "job_name", rules.JOB_NAME_MAX)
    if not rules.JOB_NAME.fullmatch(name):
        raise ParameterError("job_name must be 1-64 characters of letters, digits, '_' and '-'")
    return name


def parse_job_desc(value: Any, required: bool = False) -> str:
    return text(value, "job_desc", rules.DESCRIPTION_MAX, default=None if required else "")


def _obs(value: Any, name: str) -> str:
    url = text(value, name, rules.OBS_URL_MAX)
    try:
        split_obs_url(url)
    except ObsPathError as exc:
        raise ParameterError(f"{name}: {exc}") from None
    return url


def _parameters(value: Any) -> List[Dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidArgument("parameter must be an array of {label, value}")
    result = []
    for item in value:
        if not isinstance(item, Mapping) or not isinstance(item.get("label"), str) or not item["label"]:
            raise InvalidArgument("each parameter needs a non-empty string label")
        raw = item.get("value", "")
        if isinstance(raw, (dict, list)) or raw is None:
            raise InvalidArgument(f"parameter {item['label']!r} needs a scalar value")
        result.append({"label": item["label"], "value": str(raw).lower() if isinstance(raw, bool) else str(raw)})
    return result


def _data_source(value: Any) -> List[Dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise InvalidArgument("data_source must be a non-empty array")
    result = []
    for item in value:
        if not isinstance(item, Mapping):
            raise InvalidArgument("data_source entries must be objects")
        kind = item.get("type") or ("obs" if item.get("data_url") else "dataset")
        if kind not in ("obs", "dataset"):
            raise ParameterError("data_source type must be 'obs' or 'dataset'")
        if kind == "obs":
            result.append({"type": "obs", "data_url": _obs(item.get("data_url"), "data_source.data_url")})
        else:
            dataset_id = text(item.get("dataset_id"), "data_source.dataset_id", rules.SHORT_TEXT_MAX)
            version = text(item.get("dataset_version"), "data_source.dataset_version", rules.SHORT_TEXT_MAX)
            result.append({"type": "dataset", "dataset_id": dataset_id, "dataset_version": version})
    return result


def _check_data_source(config: Dict[str, Any]) -> None:
    chosen = [
        bool(config.get("data_url")),
        bool(config.get("dataset_id") or config.get("dataset_version_id")),
        bool(config.get("data_source")),
    ]
    if sum(chosen) != 1:
        raise InvalidArgument("exactly one of data_url, dataset_id+dataset_version_id or data_source is required")
    if chosen[1] and not (config.get("dataset_id") and config.get("dataset_version_id")):
        raise InvalidArgument("dataset_id and dataset_version_id must be given together")


def parse_config(value: Any, base: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """Normalise a create (or create-version) ``config``.

    With ``base`` (the previous version's config) missing fields are
    inherited; a data source given in ``value`` replaces the inherited one.
    """
    if not isinstance(value, Mapping):
        raise InvalidArgument("config must be an object")
    merged: Dict[str, Any] = dict(base or {})
    if base is not None and any(key in value for key in DATA_SOURCE_KEYS):
        for key in DATA_SOURCE_KEYS:
            merged.pop(key, None)
    merged.update({key: item for key, item in value.items() if item is not None})
    config: Dict[str, Any] = {}
    config["worker_server_num"] = integer(merged.get("worker_server_num"), "worker_server_num", 1)
    for key in _OBS_FIELDS:
        config[key] = _obs(merged[key], key) if merged.get(key) else ""
    for key in _PLAIN_FIELDS:
        config[key] = text(merged.get(key), key, rules.CONFIG_TEXT_MAX, default="")
    config["parameter"] = _parameters(merged.get("parameter"))
    config["data_source"] = _data_source(merged["data_source"]) if merged.get("data_source") else []
    _check_data_source(config)
    config["engine_id"] = integer(merged.get("engine_id"), "engine_id", 0, default=1)
    config["model_id"] = integer(merged["model_id"], "model_id", 0) if merged.get("model_id") is not None else None
    config["spec_id"] = integer(merged["spec_id"], "spec_id", 0) if merged.get("spec_id") is not None else None
    config["create_version"] = merged.get("create_version", True) is not False
    config["volumes"] = merged.get("volumes") if isinstance(merged.get("volumes"), list) else []
    _check_program(config)
    _check_resources(config)
    return config


def _check_program(config: Dict[str, Any]) -> None:
    app, boot = config["app_url"], config["boot_file_url"]
    if config["user_image_url"]:
        if not config["user_command"]:
            raise InvalidArgument("user_command is required with user_image_url")
    elif not (app and boot) and config["model_id"] is None:
        raise InvalidArgument("app_url and boot_file_url are required (or model_id, or user_image_url)")
    if app and boot and split_obs_url(boot)[: len(split_obs_url(app))] != split_obs_url(app):
        raise ParameterError("boot_file_url must be inside app_url")
    if (app or boot) and not (app and boot):
        raise InvalidArgument("app_url and boot_file_url must be used together")
    if config["engine_id"] and catalog.engine(config["engine_id"]) is None:
        raise ParameterError(f"unknown engine_id {config['engine_id']}")
    if config["model_id"] is not None and catalog.algorithm(config["model_id"]) is None:
        raise ParameterError(f"unknown model_id {config['model_id']}")


def _check_resources(config: Dict[str, Any]) -> None:
    if config["spec_id"] is None and not config["pool_id"]:
        raise InvalidArgument("spec_id (public pool) or pool_id (dedicated pool) is required")
    if config["spec_id"] is None and config["worker_server_num"] > rules.LOCAL_MAX_WORKERS:
        raise ParameterError(
            f"worker_server_num must be at most {rules.LOCAL_MAX_WORKERS} on a dedicated pool (pool_id); "
            "every worker is a real process of this machine"
        )
    if config["spec_id"] is not None:
        flavor = catalog.spec(config["spec_id"])
        if flavor is None:
            raise ParameterError(f"unknown spec_id {config['spec_id']}")
        if config["worker_server_num"] > flavor["max_num"]:
            raise ParameterError(f"worker_server_num must be at most {flavor['max_num']} for {flavor['spec_code']}")


@attrs.frozen
class ListQuery:
    """The validated query of ``GET /v1/{project_id}/training-jobs``."""

    status: Optional[JobState]
    per_page: int
    page: int
    sort_by: str
    order: str
    search_content: str


def parse_list_query(query: Mapping[str, str]) -> ListQuery:
    status: Optional[JobState] = None
    if query.get("status") not in (None, ""):
        try:
            status = JobState.parse(query["status"])
        except ValueError:
            raise ParameterError(f"unknown status {query['status']!r}") from None
    sort_by = query.get("sortBy") or query.get("sort_by") or rules.LIST_SORT_DEFAULT
    if sort_by not in rules.LIST_SORT_KEYS:
        raise ParameterError(f"sortBy must be one of {', '.join(rules.LIST_SORT_KEYS)}")
    order = query.get("order") or "asc"
    if order not in rules.ORDERS:
        raise ParameterError("order must be 'asc' or 'desc'")
    return ListQuery(
        status=status,
        per_page=integer(query.get("per_page"), "per_page", *rules.LIST_PER_PAGE, default=10),
        page=integer(query.get("page"), "page", *rules.LIST_PAGE, default=1),
        sort_by=sort_by,
        order=order,
        search_content=text(query.get("search_content"), "search_content", rules.API_SEARCH_CONTENT_MAX, default=""),
    )
