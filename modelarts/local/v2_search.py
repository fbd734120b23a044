"""``POST /v2/{project_id}/training-job-searches``: filter, sort and page jobs.

The body is the API's ``JobSearches``: ``offset`` (default 0), ``limit``
(1-50, default 10), ``sort_by`` (``create_time`` default, ``name``,
``duration``, ``phase``), ``order`` (``desc`` default, ``asc``), ``group_by``
(echoed), ``workspace_id`` (only that workspace's jobs), ``train_type`` (echoed) and ``filters``, each
``{"key", "operator", "value": [..]}``.  Filter keys: ``name``, ``id``,
``description``, ``user_name``, ``phase``, ``secondary_phase``; operators:
``eq`` and ``in`` (equal to one of the values), ``not_in``, and ``like``
(contains one of the values, case-insensitive).  Anything else is a
parameter error, never silently ignored.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping

from modelarts.local.v2_errors import V2InvalidArgument, V2ParameterError
from modelarts.local.validation import integer, text

__all__ = ["FILTER_KEYS", "OPERATORS", "SORT_KEYS", "search"]

_Field = Callable[[Mapping[str, Any]], Any]

FILTER_KEYS: Dict[str, _Field] = {
    "name": lambda job: job["metadata"]["name"],
    "id": lambda job: job["metadata"]["id"],
    "description": lambda job: job["metadata"]["description"],
    "user_name": lambda job: job["metadata"]["user_name"],
    "phase": lambda job: job["status"]["phase"],
    "secondary_phase": lambda job: job["status"]["secondary_phase"],
}
SORT_KEYS: Dict[str, _Field] = {
    "create_time": lambda job: job["metadata"]["create_time"],
    "name": lambda job: job["metadata"]["name"],
    "duration": lambda job: job["status"]["duration"],
    "phase": lambda job: job["status"]["phase"],
}
OPERATORS = ("eq", "in", "not_in", "like")


def _matcher(item: Any, index: int) -> Callable[[Mapping[str, Any]], bool]:
    if not isinstance(item, Mapping):
        raise V2InvalidArgument(f"filters[{index}] must be an object")
    key, operator, values = item.get("key"), item.get("operator", "eq"), item.get("value")
    if key not in FILTER_KEYS:
        raise V2ParameterError(f"filters[{index}].key must be one of {', '.join(FILTER_KEYS)}, got {str(key)[:40]!r}")
    if operator not in OPERATORS:
        raise V2ParameterError(f"filters[{index}].operator must be one of {', '.join(OPERATORS)}")
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise V2InvalidArgument(f"filters[{index}].value must be a non-empty array of strings")
    field = FILTER_KEYS[key]
    if operator == "like":
        needles = [value.lower() for value in values]
        return lambda job: any(needle in str(field(job)).lower() for needle in needles)
    wanted = set(values)
    if operator == "not_in":
        return lambda job: str(field(job)) not in wanted
    return lambda job: str(field(job)) in wanted


def search(jobs: List[Dict[str, Any]], body: Mapping[str, Any]) -> Dict[str, Any]:
    """The ``ListTrainingJobsResponse`` for ``body`` over the project's ``jobs``."""
    offset = integer(body.get("offset"), "offset", 0, default=0)
    limit = integer(body.get("limit"), "limit", 1, 50, default=10)
    sort_by = text(body.get("sort_by"), "sort_by", 32, default="create_time")
    order = text(body.get("order"), "order", 8, default="desc")
    if sort_by not in SORT_KEYS:
        raise V2ParameterError(f"sort_by must be one of {', '.join(SORT_KEYS)}")
    if order not in ("asc", "desc"):
        raise V2ParameterError("order must be 'asc' or 'desc'")
    filters = [] if body.get("filters") is None else body["filters"]
    if not isinstance(filters, list):
        raise V2InvalidArgument("filters must be an array")
    matchers = [_matcher(item, index) for index, item in enumerate(filters)]
    workspace = text(body.get("workspace_id"), "workspace_id", 64, default="")
    if workspace:
        matchers.append(lambda job: job["metadata"]["workspace_id"] == workspace)
    chosen = [job for job in jobs if all(match(job) for match in matchers)]
    key = SORT_KEYS[sort_by]
    chosen.sort(key=lambda job: (key(job), job["metadata"]["create_time"], job["metadata"]["id"]), reverse=order == "desc")
    page = chosen[offset : offset + limit]
    return {
        "total": len(chosen),
        "count": len(page),
        "limit": limit,
        "offset": offset,
        "sort_by": sort_by,
        "order": order,
        "group_by": text(body.get("group_by"), "group_by", 64, default=""),
        "workspace_id": workspace,
        "ai_project": "default-ai-project",
        "train_type": text(body.get("train_type"), "train_type", 64, default=""),
        "items": page,
    }
