"""The URL table and thin handlers.

Each route is ``(method, pattern, handler, kind)``: ``iam`` routes are IAM's
own (no gateway), ``auth`` routes need credentials but no project, and
``project`` routes need credentials allowed to use ``{project_id}``.  Every
handler is a module-level function named in the table (the v2 ones in
:mod:`modelarts.local.v2_routes`): it reads its parameters, calls one backend
method by name and returns the answer.
:func:`dispatch` does the gateway's part: 404 for unknown routes, then
authentication, then the project check.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Pattern, Tuple

from modelarts import rules
from modelarts.local import catalog
from modelarts.local.errors import ApiMethodNotFound, ApiNotFound, KeystoneBadRequest, ParameterError
from modelarts.local.messages import Handler, Request, Response
from modelarts.local.obs import check_job_buckets, claim_job_buckets, v1_job_urls
from modelarts.local.v2_routes import V2_ROUTES
from modelarts.local.validation import integer, text

if TYPE_CHECKING:  # pragma: no cover
    from modelarts.local.app import App

__all__ = [
    "ROUTES",
    "Request",
    "Response",
    "dispatch",
    "Handler",
    "ai_engines",
    "aom_log",
    "built_in_algorithms",
    "create_job",
    "create_version",
    "delete_job",
    "delete_version",
    "iam_projects",
    "iam_security_tokens",
    "iam_tokens",
    "list_jobs",
    "list_versions",
    "log_file_names",
    "resource_specs",
    "stop_version",
    "update_job",
    "version_detail",
]


# -- IAM -------------------------------------------------------------------------------


def iam_tokens(app: "App", req: Request) -> Response:
    token, body = app.iam.password_login(req.json(KeystoneBadRequest))
    return Response(201, body, {"X-Subject-Token": token})


def iam_security_tokens(app: "App", req: Request) -> Response:
    return Response(201, app.iam.temporary_credentials(req.headers.get("x-auth-token"), req.json(KeystoneBadRequest)))


def iam_projects(app: "App", req: Request) -> Dict[str, Any]:
    assert req.principal is not None
    name = req.args.get("name")
    projects = [
        {"id": row["project_id"], "name": row["name"], "domain_id": row["domain_id"], "enabled": True, "is_domain": False}
        for row in app.directory.projects_of(req.principal.domain_id)
        if name is None or row["name"] == name
    ]
    return {"projects": projects, "links": {"self": req.path, "next": None, "previous": None}}


# -- training jobs ----------------------------------------------------------------------


def create_job(app: "App", req: Request) -> Dict[str, Any]:
    return _with_buckets(app, req, lambda body: app.jobs.create(req.params["project_id"], body))


def _with_buckets(app: "App", req: Request, create: Callable[[Any], Dict[str, Any]]) -> Dict[str, Any]:
    """Refuse another account's OBS buckets, create, then claim the new buckets for the caller's account."""
    assert req.principal is not None
    body = req.json()
    names = check_job_buckets(app.buckets, req.principal.domain_id, v1_job_urls(body))
    result = create(body)
    claim_job_buckets(app.buckets, req.principal.domain_id, names)
    return result


def list_jobs(app: "App", req: Request) -> Dict[str, Any]:
    return app.jobs.list(req.params["project_id"], req.args)


def update_job(app: "App", req: Request) -> Dict[str, Any]:
    p = req.params
    return app.jobs.update_description(p["project_id"], p["job_id"], req.json())


def delete_job(app: "App", req: Request) -> Dict[str, Any]:
    return app.jobs.delete(req.params["project_id"], req.params["job_id"])


def list_versions(app: "App", req: Request) -> Dict[str, Any]:
    return app.jobs.versions(req.params["project_id"], req.params["job_id"], req.args)


def create_version(app: "App", req: Request) -> Dict[str, Any]:
    p = req.params
    return _with_buckets(app, req, lambda body: app.jobs.create_version(p["project_id"], p["job_id"], body))


def version_detail(app: "App", req: Request) -> Dict[str, Any]:
    p = req.params
    return app.jobs.version_detail(p["project_id"], p["job_id"], p["version_id"])


def delete_version(app: "App", req: Request) -> Dict[str, Any]:
    p = req.params
    return app.jobs.delete_version(p["project_id"], p["job_id"], p["version_id"])


def stop_version(app: "App", req: Request) -> Dict[str, Any]:
    p = req.params
    return app.jobs.stop(p["project_id"], p["job_id"], p["version_id"])


def log_file_names(app: "App", req: Request) -> Dict[str, Any]:
    p = req.params
    return app.jobs.log_files(p["project_id"], p["job_id"], p["version_id"])


def aom_log(app: "App", req: Request) -> Dict[str, Any]:
    p = req.params
    return app.jobs.log(p["project_id"], p["job_id"], p["version_id"], req.args)


# -- catalogue -------------------------------------------------------------------------------


def _job_type(req: Request) -> None:
    if req.args.get("job_type") not in (None, "", "train", "inference"):
        raise ParameterError("job_type must be 'train' or 'inference'")


def resource_specs(app: "App", req: Request) -> Dict[str, Any]:
    _job_type(req)
    return {"is_success": True, "spec_total_count": len(catalog.SPECS), "specs": catalog.SPECS}


def ai_engines(app: "App", req: Request) -> Dict[str, Any]:
    _job_type(req)
    return {"is_success": True, "engines": catalog.ENGINES}


_ALGO_SORT = ("engine", "model_name", "model_precision", "model_usage", "model_size", "create_time", "parameter")


def built_in_algorithms(app: "App", req: Request) -> Dict[str, Any]:
    args = req.args
    per_page = integer(args.get("per_page"), "per_page", 1, 100, default=10)
    page = integer(args.get("page"), "page", *rules.LIST_PAGE, default=1)
    sort_by = args.get("sortBy") or "engine"
    order = args.get("order") or "desc"
    if sort_by not in _ALGO_SORT or order not in ("asc", "desc"):
        raise ParameterError(f"sortBy must be one of {', '.join(_ALGO_SORT)}; order 'asc' or 'desc'")
    needle = text(args.get("search_content"), "search_content", rules.API_SEARCH_CONTENT_MAX, default="").lower()
    models = [model for model in catalog.ALGORITHMS if needle in model["model_name"].lower()]
    field = "engine_name" if sort_by == "engine" else sort_by
    models.sort(key=lambda model: (model[field], model["model_id"]), reverse=order == "desc")
    chosen = models[(page - 1) * per_page : page * per_page]
    return {"is_success": True, "model_total_count": len(models), "models": chosen}


# -- the table -----------------------------------------------------------------------------------

_P = r"/v1/(?P<project_id>[^/]+)"
_JOB = _P + r"/training-jobs/(?P<job_id>[^/]+)"
_VERSION = _JOB + r"/versions/(?P<version_id>[^/]+)"

ROUTES: List[Tuple[str, str, Handler, str]] = [
    ("POST", r"/v3/auth/tokens", iam_tokens, "iam"),
    ("POST", r"/v3\.0/OS-CREDENTIAL/securitytokens", iam_security_tokens, "iam"),
    ("GET", r"/v3/projects", iam_projects, "auth"),
    ("POST", _P + r"/training-jobs", create_job, "project"),
    ("GET", _P + r"/training-jobs", list_jobs, "project"),
    ("PUT", _JOB, update_job, "project"),
    ("DELETE", _JOB, delete_job, "project"),
    ("GET", _JOB + r"/versions", list_versions, "project"),
    ("POST", _JOB + r"/versions", create_version, "project"),
    ("GET", _VERSION, version_detail, "project"),
    ("DELETE", _VERSION, delete_version, "project"),
    ("POST", _VERSION + r"/stop", stop_version, "project"),
    ("GET", _VERSION + r"/log/file-names", log_file_names, "project"),
    ("GET", _VERSION + r"/aom-log", aom_log, "project"),
    ("GET", _P + r"/job/resource-specs", resource_specs, "project"),
    ("GET", _P + r"/job/ai-engines", ai_engines, "project"),
    ("GET", _P + r"/built-in-algorithms", built_in_algorithms, "project"),
    *V2_ROUTES,
]

_COMPILED: List[Tuple[str, Pattern[str], Handler, str]] = [
    (method, re.compile(pattern + r"/?"), handler, kind) for method, pattern, handler, kind in ROUTES
]


def _match(method: str, path: str) -> Tuple[Handler, str, Dict[str, str]]:
    path_known = False
    for route_method, pattern, handler, kind in _COMPILED:
        found = pattern.fullmatch(path)
        if found is None:
            continue
        if route_method == method:
            return handler, kind, found.groupdict()
        path_known = True
    raise ApiMethodNotFound() if path_known else ApiNotFound()


def dispatch(app: "App", req: Request) -> Response:
    """Route, authenticate and run one request; errors propagate as ``ServiceError``."""
    handler, kind, params = _match(req.method, req.path)
    req.params = params
    if kind != "iam":
        req.principal = app.gateway.authenticate(req.method, req.path, req.query, req.headers, req.body)
    if kind == "project":
        assert req.principal is not None
        app.gateway.authorize_project(req.principal, params["project_id"], req.headers)
    answer = handler(app, req)
    return answer if isinstance(answer, Response) else Response(200, answer)

