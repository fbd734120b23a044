"""The v2 training-job routes (``/v2/{project_id}/training-…``), as thin handlers.

Each handler reads its parameters and makes one call on
:class:`~modelarts.local.v2_jobs.TrainingJobsV2`.  The URL table
:data:`V2_ROUTES` has the same ``(method, pattern, handler, kind)`` rows as
:data:`modelarts.local.routes.ROUTES`, which includes it; the paths and
methods are the ones Huawei Cloud's ``huaweicloudsdkmodelarts`` client calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from modelarts.local.errors import V1Error
from modelarts.local.obs import check_job_buckets, claim_job_buckets
from modelarts.local.v2_errors import V2InvalidArgument, from_v1
from modelarts.local.messages import Handler, Request, Response
from modelarts.local.v2_request import job_urls

if TYPE_CHECKING:  # pragma: no cover
    from modelarts.local.app import App

__all__ = [
    "V2_ROUTES",
    "action",
    "create",
    "delete",
    "engines",
    "flavors",
    "log_preview",
    "log_url",
    "quotas",
    "search",
    "show",
]


def _user_name(app: "App", req: "Request") -> str:
    assert req.principal is not None
    row = app.directory.user(req.principal.user_id)
    return str(row["name"]) if row is not None else ""


def _body(req: "Request") -> Any:
    return req.json(V2InvalidArgument)


def _response(status: int, body: Any) -> "Response":
    return Response(status, body)


def create(app: "App", req: "Request") -> "Response":
    """Create a job; another account's OBS bucket is refused, new buckets become the caller's (as for v1)."""
    assert req.principal is not None
    body, domain_id = _body(req), req.principal.domain_id
    try:
        names = check_job_buckets(app.buckets, domain_id, job_urls(body))
    except V1Error as err:
        raise from_v1(err) from None
    job = app.jobs_v2.create(req.params["project_id"], body, _user_name(app, req))
    claim_job_buckets(app.buckets, domain_id, names)
    return _response(201, job)


def show(app: "App", req: "Request") -> Dict[str, Any]:
    return app.jobs_v2.show(req.params["project_id"], req.params["job_id"])


def delete(app: "App", req: "Request") -> "Response":
    app.jobs_v2.delete(req.params["project_id"], req.params["job_id"])
    return _response(202, None)


def action(app: "App", req: "Request") -> "Response":
    return _response(202, app.jobs_v2.action(req.params["project_id"], req.params["job_id"], _body(req)))


def search(app: "App", req: "Request") -> Dict[str, Any]:
    body = _body(req) if req.body.strip() else None
    return app.jobs_v2.search(req.params["project_id"], body)


def log_preview(app: "App", req: "Request") -> Dict[str, Any]:
    p = req.params
    return app.jobs_v2.log_preview(p["project_id"], p["job_id"], p["task_id"])


def log_url(app: "App", req: "Request") -> Dict[str, Any]:
    p = req.params
    return app.jobs_v2.log_url(p["project_id"], p["job_id"], p["task_id"])


def engines(app: "App", req: "Request") -> Dict[str, Any]:
    return app.jobs_v2.engines()


def flavors(app: "App", req: "Request") -> Dict[str, Any]:
    return app.jobs_v2.flavors(req.args.get("flavor_type"))


def quotas(app: "App", req: "Request") -> Dict[str, Any]:
    return app.jobs_v2.quotas(req.params["project_id"])


_P = r"/v2/(?P<project_id>[^/]+)"
_JOB = _P + r"/training-jobs/(?P<job_id>[^/]+)"
_TASK = _JOB + r"/tasks/(?P<task_id>[^/]+)"

V2_ROUTES: List[Tuple[str, str, Handler, str]] = [
    ("POST", _P + r"/training-jobs", create, "project"),
    ("GET", _JOB, show, "project"),
    ("DELETE", _JOB, delete, "project"),
    ("POST", _JOB + r"/actions", action, "project"),
    ("POST", _P + r"/training-job-searches", search, "project"),
    ("GET", _TASK + r"/logs/preview", log_preview, "project"),
    ("GET", _TASK + r"/logs/url", log_url, "project"),
    ("GET", _P + r"/training-job-engines", engines, "project"),
    ("GET", _P + r"/training-job-flavors", flavors, "project"),
    ("GET", _P + r"/training-quotas", quotas, "project"),
]
