"""One page of the job list, filtered, sorted and paged by SQLite.

``GET /v1/{project_id}/training-jobs`` shows each job with its newest
version.  Reading every job and sorting in Python made a page's cost grow
with the jobs stored (10,000 jobs: ~170 ms a page); here the database
filters (``status`` of the newest version, ``search_content`` in the job
name, case-insensitive), orders by the chosen key with ``job_id`` breaking
ties (both descending for ``order=desc``) and returns only the page.

The page is chosen in an inner query that touches only what its filter and
sort key need (names and dates come straight from the ``jobs`` indexes), and
the listed columns are read for those rows alone.  ``duration`` sorts on the
same arithmetic as :func:`modelarts.local.views.duration_ms`.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Dict, List, Tuple

import attrs

from modelarts.local.store import Database
from modelarts.local.validation import ListQuery

__all__ = ["JobPage", "SORT_KEYS", "list_jobs"]

_LATEST = "JOIN versions v ON v.version_id = (SELECT MAX(version_id) FROM versions WHERE job_id = j.job_id)"
_VERSION_COUNT = "(SELECT COUNT(*) FROM versions WHERE job_id = j.job_id)"
_DURATION = (
    "CASE WHEN COALESCE(v.start_time, 0) = 0 THEN 0 "
    "ELSE MAX(0, COALESCE(NULLIF(v.end_time, 0), :now) - v.start_time) END"
)

#: ``sortBy`` → (SQL expression, whether it needs the newest version's row).
SORT_KEYS: Dict[str, Tuple[str, bool]] = {
    "job_name": ("j.job_name", False),
    "job_desc": ("j.job_desc", False),
    "create_time": ("j.create_time", False),
    "version_count": (_VERSION_COUNT, False),
    "status": ("v.status", True),
    "duration": (_DURATION, True),
    "engine_type": ("COALESCE(json_extract(v.config, '$.engine_id'), 0)", True),
}


@attrs.frozen
class JobPage:
    """``total``: the project's jobs; ``matching``: those passing the filters; ``rows``: the page."""

    total: int
    matching: int
    rows: List[sqlite3.Row]


def _filters(project_id: str, query: ListQuery, params: Dict[str, Any]) -> List[str]:
    where = ["j.project_id = :project"]
    params["project"] = project_id
    if query.status is not None:
        where.append("v.status = :status")
        params["status"] = int(query.status)
    if query.search_content:
        where.append("instr(lower(j.job_name), :needle) > 0")  # names are ASCII: SQLite's lower() is enough
        params["needle"] = query.search_content.lower()
    return where


def list_jobs(db: Database, project_id: str, query: ListQuery, now_ms: int) -> JobPage:
    """The page ``query`` asks for, and the counts the answer reports."""
    params: Dict[str, Any] = {"now": now_ms}
    where = " AND ".join(_filters(project_id, query, params))
    key, needs_version = SORT_KEYS[query.sort_by]
    join = _LATEST if needs_version or query.status is not None else ""
    direction = "DESC" if query.order == "desc" else "ASC"
    order = f"{key} {direction}, j.job_id {direction}"
    with db.snapshot():  # the counts and the page from one view of the tables
        total = int(db.scalar(f"SELECT COUNT(*) FROM jobs j {_LATEST} WHERE j.project_id = ?", (project_id,)))
        filtered = query.status is not None or bool(query.search_content)
        matching = int(db.scalar(f"SELECT COUNT(*) FROM jobs j {_LATEST} WHERE {where}", params)) if filtered else total
        params.update(limit=query.per_page, offset=(query.page - 1) * query.per_page)
        rows = db.all(
            "SELECT v.job_id, v.version_id, v.status, v.start_time, v.end_time, j.job_name, "
            f"j.job_desc AS job_job_desc, {_VERSION_COUNT} AS version_count, j.create_time AS job_create_time "
            f"FROM (SELECT j.job_id FROM jobs j {join} WHERE {where} ORDER BY {order} LIMIT :limit OFFSET :offset) page "
            f"JOIN jobs j ON j.job_id = page.job_id {_LATEST} ORDER BY {order}",
            params,
        )
    return JobPage(total, matching, rows)
