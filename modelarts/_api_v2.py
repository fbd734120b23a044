"""The v2 training-job REST calls, one function per path.

Same contract as :mod:`modelarts._api`: a session honouring
``Session.request``, validated ids, parsed JSON back, typed
:class:`~modelarts.exceptions.APIError` on failure.  v2 failures carry
``error_code``/``error_msg``/``error_solution``; :func:`guarded` (the one of
:mod:`modelarts._api`) turns one into the documented failure dict of
``errors="return"`` mode, ``error_solution`` included.

=====================  ==========================================================
Function               Path under ``/v2/{project_id}``
=====================  ==========================================================
create_job             POST   /training-jobs
show_job               GET    /training-jobs/{training_job_id}
search_jobs            POST   /training-job-searches
delete_job             DELETE /training-jobs/{training_job_id}
terminate_job          POST   /training-jobs/{training_job_id}/actions
log_preview            GET    /training-jobs/{training_job_id}/tasks/{task_id}/logs/preview
engines                GET    /training-job-engines
flavors                GET    /training-job-flavors
quotas                 GET    /training-quotas
=====================  ==========================================================
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional

from modelarts import rules
from modelarts._api import guarded
from modelarts.exceptions import is_missing

if TYPE_CHECKING:
    from modelarts.sessionlike import SessionLike

__all__ = [
    "JOB_NOT_FOUND",
    "check_job_id",
    "create_job",
    "delete_job",
    "engines",
    "flavors",
    "guarded",
    "is_missing",
    "log_preview",
    "quotas",
    "search_jobs",
    "show_job",
    "terminate_job",
    "Body",
]

JOB_NOT_FOUND = "ModelArts.2775"
Body = Dict[str, Any]


def check_job_id(value: Any) -> str:
    """A v2 job id: a UUID string (``ValueError`` otherwise)."""
    try:
        return str(uuid.UUID(str(value))) if isinstance(value, (str, uuid.UUID)) else _bad(value)
    except ValueError:
        return _bad(value)


def _bad(value: Any) -> str:
    raise ValueError(f"job_id must be a v2 training job id (a UUID string), got {value!r}")


def _base(session: SessionLike) -> str:
    return f"/v2/{session.project_id}"


def _job(session: SessionLike, job_id: str) -> str:
    return f"{_base(session)}/training-jobs/{job_id}"


def create_job(session: SessionLike, body: Mapping[str, Any]) -> Body:
    """Create a job (never retried: a retry could create it twice)."""
    return dict(session.request("POST", f"{_base(session)}/training-jobs", json=dict(body), idempotent=False))


def show_job(session: SessionLike, job_id: str) -> Body:
    return dict(session.request("GET", _job(session, job_id)))


def search_jobs(session: SessionLike, body: Mapping[str, Any]) -> Body:
    return dict(session.request("POST", f"{_base(session)}/training-job-searches", json=dict(body), idempotent=True))


def delete_job(session: SessionLike, job_id: str) -> None:
    session.request("DELETE", _job(session, job_id))


def terminate_job(session: SessionLike, job_id: str) -> Body:
    body = {"action_type": "terminate"}
    return dict(session.request("POST", f"{_job(session, job_id)}/actions", json=body, idempotent=True))


def log_preview(session: SessionLike, job_id: str, task_id: str) -> Body:
    if not isinstance(task_id, str) or not rules.TASK_ID.fullmatch(task_id):
        raise ValueError(f"task_id must look like 'worker-0', got {task_id!r}")
    return dict(session.request("GET", f"{_job(session, job_id)}/tasks/{task_id}/logs/preview"))


def engines(session: SessionLike) -> Body:
    return dict(session.request("GET", f"{_base(session)}/training-job-engines"))


def flavors(session: SessionLike, flavor_type: Optional[str] = None) -> Body:
    params = {"flavor_type": flavor_type} if flavor_type else None
    return dict(session.request("GET", f"{_base(session)}/training-job-flavors", params=params))


def quotas(session: SessionLike) -> Body:
    return dict(session.request("GET", f"{_base(session)}/training-quotas"))
