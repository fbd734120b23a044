"""``POST /v2/{project_id}/training-job-searches``: filter, sort and page jobs in SQLite.

The body is the API's ``JobSearches``: ``offset`` (default 0), ``limit``
(1-50, default 10), ``sort_by`` (``create_time`` default, ``name``,
``duration``, ``phase``), ``order`` (``desc`` default, ``asc``), ``group_by``
(echoed), ``workspace_id`` (only that workspace's jobs), ``train_type``
(echoed) and ``filters``, each ``{"key", "operator", "value": [..]}``.  Filter
keys: ``name``, ``id``, ``description``, ``user_name``, ``phase``,
``secondary_phase``; operators: ``eq`` and ``in`` (equal to one of the
values), ``not_in``, and ``like`` (contains one of the values,
case-insensitive).  Anything else is a parameter error, never silently ignored.

:func:`parse_search` checks the body; :meth:`SearchQuery.sql` turns it into a
``WHERE`` and ``ORDER BY`` over the v2 job rows, so a page costs the rows it
shows, not every job of the project.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Tuple

import attrs

from modelarts import rules
from modelarts.local.v2_errors import V2InvalidArgument, V2ParameterError
from modelarts.local.validation import integer, text
from modelarts.states import JobState, phase_of

__all__ = ["FILTER_KEYS", "OPERATORS", "SORT_KEYS", "SearchQuery", "parse_search"]

#: filter key -> SQL column of the joined row (``x`` v2_jobs, ``j`` jobs, ``v`` versions).
FILTER_KEYS: Dict[str, str] = {
    "name": "j.job_name",
    "id": "x.job_uuid",
    "description": "j.job_desc",
    "user_name": "x.user_name",
    "phase": "v.status",
    "secondary_phase": "v.status",
}
OPERATORS = ("eq", "in", "not_in", "like")
_DURATION = "CASE WHEN COALESCE(v.start_time, 0) = 0 THEN 0 ELSE MAX(0, COALESCE(NULLIF(v.end_time, 0), :now) - v.start_time) END"
_PHASE = "CASE v.status " + " ".join(f"WHEN {int(s)} THEN '{phase_of(s)[0]}'" for s in JobState) + " END"
_SORT_SQL = {"create_time": "v.create_time", "name": "j.job_name", "duration": _DURATION, "phase": _PHASE}
#: ``sort_by`` (:data:`modelarts.rules.V2_SORT_KEYS`) -> its SQL expression.
SORT_KEYS: Dict[str, str] = {key: _SORT_SQL[key] for key in rules.V2_SORT_KEYS}


def _states(key: str, values: List[str]) -> List[int]:
    """The status codes whose (secondary) phase is one of ``values``."""
    index = 0 if key == "phase" else 1
    return [int(state) for state in JobState if phase_of(state)[index] in values]


@attrs.frozen
class SearchQuery:
    """A checked search body."""

    offset: int
    limit: int
    sort_by: str
    order: str
    group_by: str
    workspace_id: str
    train_type: str
    filters: Tuple[Tuple[str, str, Tuple[str, ...]], ...]

    def sql(self, now_ms: int) -> Tuple[str, str, Dict[str, Any]]:
        """``(where, order_by, params)`` for the rows of ``:project``."""
        where = ["x.project_id = :project"]
        params: Dict[str, Any] = {"now": now_ms}
        if self.workspace_id:
            where.append("j.workspace_id = :workspace")
            params["workspace"] = self.workspace_id
        for number, (key, operator, values) in enumerate(self.filters):
            column = FILTER_KEYS[key]
            items: List[Any] = _states(key, list(values)) if column == "v.status" else list(values)
            names = [f"f{number}_{index}" for index in range(len(items))]
            params.update(zip(names, items))
            if operator == "like" and column != "v.status":
                where.append("(" + " OR ".join(f"instr(lower({column}), lower(:{name})) > 0" for name in names) + ")")
                continue
            marks = ", ".join(f":{name}" for name in names) or "NULL"
            where.append(f"{column} {'NOT IN' if operator == 'not_in' else 'IN'} ({marks})")
        direction = "DESC" if self.order == "desc" else "ASC"
        order = f"{SORT_KEYS[self.sort_by]} {direction}, v.create_time {direction}, x.job_uuid {direction}"
        return " AND ".join(where), order, params

    def answer(self, total: int, items: List[Dict[str, Any]]) -> Dict[str, Any]:
        """The ``ListTrainingJobsResponse`` for one page."""
        return {
            "total": total,
            "count": len(items),
            "limit": self.limit,
            "offset": self.offset,
            "sort_by": self.sort_by,
            "order": self.order,
            "group_by": self.group_by,
            "workspace_id": self.workspace_id,
            "ai_project": "default-ai-project",
            "train_type": self.train_type,
            "items": items,
        }


def _filter(item: Any, index: int) -> Tuple[str, str, Tuple[str, ...]]:
    if not isinstance(item, Mapping):
        raise V2InvalidArgument(f"filters[{index}] must be an object")
    key, operator, values = item.get("key"), item.get("operator", "eq"), item.get("value")
    if key not in FILTER_KEYS:
        raise V2ParameterError(f"filters[{index}].key must be one of {', '.join(FILTER_KEYS)}, got {str(key)[:40]!r}")
    if operator not in OPERATORS:
        raise V2ParameterError(f"filters[{index}].operator must be one of {', '.join(OPERATORS)}")
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not values or len(values) > 100 or not all(isinstance(v, str) for v in values):
        raise V2InvalidArgument(f"filters[{index}].value must be an array of 1 to 100 strings")
    return str(key), str(operator), tuple(values)


def parse_search(body: Mapping[str, Any]) -> SearchQuery:
    """Check a ``JobSearches`` body (v1-shaped errors from the shared checks are re-issued by the caller)."""
    sort_by = text(body.get("sort_by"), "sort_by", 32, default=rules.V2_SORT_KEYS[0])
    order = text(body.get("order"), "order", 8, default="desc")
    if sort_by not in SORT_KEYS:
        raise V2ParameterError(f"sort_by must be one of {', '.join(SORT_KEYS)}")
    if order not in rules.ORDERS:
        raise V2ParameterError("order must be 'asc' or 'desc'")
    filters = [] if body.get("filters") is None else body["filters"]
    if not isinstance(filters, list) or len(filters) > 20:
        raise V2InvalidArgument("filters must be an array of at most 20 filters")
    return SearchQuery(
        offset=integer(body.get("offset"), "offset", *rules.V2_SEARCH_OFFSET, default=0),
        limit=integer(body.get("limit"), "limit", *rules.V2_SEARCH_LIMIT, default=10),
        sort_by=sort_by,
        order=order,
        group_by=text(body.get("group_by"), "group_by", rules.SHORT_TEXT_MAX, default=""),
        workspace_id=text(body.get("workspace_id"), "workspace_id", rules.SHORT_TEXT_MAX, default=""),
        train_type=text(body.get("train_type"), "train_type", rules.SHORT_TEXT_MAX, default=""),
        filters=tuple(_filter(item, index) for index, item in enumerate(filters)),
    )
