"""The v1 training-job REST calls, one function per documented path.

Each function takes a session honouring the ``Session.request`` contract
(path relative to the ModelArts endpoint, parsed JSON back, typed
:class:`~modelarts.exceptions.APIError` on failure) and already-validated
ids.  :func:`documented` and :func:`guarded` implement the session's
``errors="return"`` mode: an ``APIError`` becomes the documented failure dict
``{"is_success": False, "error_msg": …, "error_code": …}``.  Argument errors
(``ValueError``/``TypeError``) are never converted.

=====================  ==========================================================
Function               Path under ``/v1/{project_id}``
=====================  ==========================================================
create_job             POST   /training-jobs
list_jobs              GET    /training-jobs
get_version            GET    /training-jobs/{job_id}/versions/{version_id}
delete_version         DELETE /training-jobs/{job_id}/versions/{version_id}
list_versions          GET    /training-jobs/{job_id}/versions
create_version         POST   /training-jobs/{job_id}/versions
stop_version           POST   /training-jobs/{job_id}/versions/{version_id}/stop
update_job             PUT    /training-jobs/{job_id}
delete_job             DELETE /training-jobs/{job_id}
log_file_names         GET    /training-jobs/{job_id}/versions/{version_id}/log/file-names
aom_log                GET    /training-jobs/{job_id}/versions/{version_id}/aom-log
resource_specs         GET    /job/resource-specs
ai_engines             GET    /job/ai-engines
built_in_algorithms    GET    /built-in-algorithms
=====================  ==========================================================
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional, TypeVar

from modelarts.exceptions import APIError, is_missing

if TYPE_CHECKING:
    from modelarts.sessionlike import SessionLike

__all__ = [
    "JOB_NOT_FOUND",
    "NOT_TERMINABLE",
    "aom_log",
    "ai_engines",
    "built_in_algorithms",
    "create_job",
    "create_version",
    "delete_job",
    "delete_version",
    "documented",
    "get_version",
    "guarded",
    "is_missing",
    "list_jobs",
    "list_versions",
    "log_file_names",
    "resource_specs",
    "stop_version",
    "update_job",
    "Body",
]

#: ``TrainingJobNotFound`` (served with HTTP 400).
JOB_NOT_FOUND = "ModelArts.2775"
#: ``NotAllowedToTerminate`` (HTTP 409).
NOT_TERMINABLE = "ModelArts.2796"

Body = Dict[str, Any]
T = TypeVar("T")


def _success(body: Any) -> Body:
    """The answer as a dict with the documented ``is_success`` flag."""
    result = dict(body) if isinstance(body, Mapping) else {}
    result.setdefault("is_success", True)
    return result


def guarded(session: SessionLike, call: Callable[..., T], *args: Any, **kwargs: Any) -> Any:
    """``call(*args, **kwargs)``; in ``errors="return"`` mode an ``APIError`` is returned as a dict."""
    try:
        return call(*args, **kwargs)
    except APIError as err:
        if getattr(session, "errors", "raise") == "return":
            return err.to_dict()
        raise


def documented(method: Callable[..., T]) -> Callable[..., Any]:
    """Decorate a method of an object with a ``session`` attribute with :func:`guarded`."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        return guarded(self.session, method, self, *args, **kwargs)

    return wrapper


def _jobs(session: SessionLike) -> str:
    return f"/v1/{session.project_id}/training-jobs"


def _version(session: SessionLike, job_id: str, version_id: str) -> str:
    return f"{_jobs(session)}/{job_id}/versions/{version_id}"


def create_job(session: SessionLike, body: Mapping[str, Any]) -> Body:
    """Create a job (never retried: a retry could create it twice)."""
    return _success(session.request("POST", _jobs(session), json=dict(body), idempotent=False))


def list_jobs(session: SessionLike, params: Mapping[str, Any]) -> Body:
    return _success(session.request("GET", _jobs(session), params=dict(params) or None))


def get_version(session: SessionLike, job_id: str, version_id: str) -> Body:
    return _success(session.request("GET", _version(session, job_id, version_id)))


def delete_version(session: SessionLike, job_id: str, version_id: str) -> Body:
    return _success(session.request("DELETE", _version(session, job_id, version_id)))


def list_versions(session: SessionLike, job_id: str, params: Optional[Mapping[str, Any]] = None) -> Body:
    return _success(session.request("GET", f"{_jobs(session)}/{job_id}/versions", params=params or None))


def create_version(session: SessionLike, job_id: str, body: Mapping[str, Any]) -> Body:
    path = f"{_jobs(session)}/{job_id}/versions"
    return _success(session.request("POST", path, json=dict(body), idempotent=False))


def stop_version(session: SessionLike, job_id: str, version_id: str) -> Body:
    """Ask the version to stop; safe to retry (stopping twice is harmless)."""
    path = _version(session, job_id, version_id) + "/stop"
    return _success(session.request("POST", path, idempotent=True))


def update_job(session: SessionLike, job_id: str, job_desc: str) -> Body:
    return _success(session.request("PUT", f"{_jobs(session)}/{job_id}", json={"job_desc": job_desc}))


def delete_job(session: SessionLike, job_id: str) -> Body:
    return _success(session.request("DELETE", f"{_jobs(session)}/{job_id}"))


def log_file_names(session: SessionLike, job_id: str, version_id: str) -> Body:
    return _success(session.request("GET", _version(session, job_id, version_id) + "/log/file-names"))


def aom_log(session: SessionLike, job_id: str, version_id: str, params: Mapping[str, Any]) -> Body:
    return _success(session.request("GET", _version(session, job_id, version_id) + "/aom-log", params=dict(params)))


def resource_specs(session: SessionLike) -> Body:
    path = f"/v1/{session.project_id}/job/resource-specs"
    return _success(session.request("GET", path, params={"job_type": "train"}))


def ai_engines(session: SessionLike) -> Body:
    path = f"/v1/{session.project_id}/job/ai-engines"
    return _success(session.request("GET", path, params={"job_type": "train"}))


def built_in_algorithms(session: SessionLike) -> Body:
    return _success(session.request("GET", f"/v1/{session.project_id}/built-in-algorithms"))
