"""The v2 training-job backend, on the same job engine as the v1 API.

A v2 job is stored as a job with one version in the ``jobs``/``versions``
tables that v1 uses, run, stopped, re-adopted after a restart and isolated by
the same :class:`~modelarts.local.runner.Runner`.  A ``v2_jobs`` row adds
what only v2 has: the UUID id, the normalised request and the creating
user.  The job rows are kept under the project key ``<project_id>:v2``, so
the v1 API never lists or addresses a v2 job (and v2 job names are unique
among v2 jobs of a project, as the v2 API requires).

Operations follow the v2 API pages: create, show, search
(``POST …/training-job-searches``), delete, the ``terminate`` action, the
log preview and log URL of a task, engines, flavors and quotas.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

from modelarts.local import catalog, v2_views
from modelarts.local.errors import DuplicateJobName, NotTerminable, V1Error
from modelarts.local.jobs import JOB_QUOTA
from modelarts.local.jobstore import JobStore
from modelarts.local.logs import log_file_names
from modelarts.local.runner import Runner
from modelarts.local.v2_errors import (
    V2DuplicateName,
    V2InvalidArgument,
    V2JobNotFound,
    V2JobStillRunning,
    V2LogNotFound,
    V2NotTerminable,
    V2ParameterError,
    from_v1,
)
from modelarts.local.v2_request import parse_create
from modelarts.local.v2_search import parse_search
from modelarts.states import JobState, phase_of

__all__ = ["PREVIEW_BYTES", "TrainingJobsV2", "project_key"]

#: A log preview shows at most the last this many bytes of the task's log.
PREVIEW_BYTES = 500 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS v2_jobs (
    job_uuid TEXT PRIMARY KEY,
    job_id INTEGER NOT NULL UNIQUE REFERENCES jobs(job_id) ON DELETE CASCADE,
    project_id TEXT NOT NULL,
    request TEXT NOT NULL,             -- JSON of the normalised create request
    user_name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS v2_jobs_by_project ON v2_jobs(project_id);
"""
_COLUMNS = "x.job_uuid, x.request, x.user_name, v.*, j.job_name, j.project_id AS job_project"
_FROM = "FROM v2_jobs x JOIN jobs j ON j.job_id = x.job_id JOIN versions v ON v.job_id = x.job_id"


def project_key(project_id: str) -> str:
    """The ``jobs.project_id`` value v2 jobs of ``project_id`` are kept under."""
    return f"{project_id}:v2"


class TrainingJobsV2:
    """v2 training-job operations over the shared store and runner."""

    def __init__(self, store: JobStore, runner: Runner) -> None:
        self.store = store
        self.runner = runner
        self.db = store.db
        with self.db.transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)

    @property
    def obs_root(self) -> Path:
        return self.runner.files.obs_root

    # -- lookups ---------------------------------------------------------------------

    def _row(self, project_id: str, job_id: str) -> Any:
        row = self.db.one(f"SELECT {_COLUMNS} {_FROM} WHERE x.project_id = ? AND x.job_uuid = ?", (project_id, job_id))
        if row is None:
            raise V2JobNotFound(job_id=str(job_id)[:80])
        return row

    def _view(self, row: Any) -> Dict[str, Any]:
        return v2_views.job(row, self.store.now_ms())

    # -- jobs ----------------------------------------------------------------------------

    def create(self, project_id: str, body: Any, user_name: str) -> Dict[str, Any]:
        request, config = parse_create(body, self.obs_root)
        meta = request["metadata"]
        job_uuid = str(uuid.uuid4())
        with self.runner.hold(), self.db.transaction():
            try:
                version = self.store.create_job(
                    project_key(project_id), meta["name"], meta["description"], meta["workspace_id"], config
                )
            except DuplicateJobName:
                raise V2DuplicateName(name=meta["name"]) from None
            self.db.execute(
                "INSERT INTO v2_jobs(job_uuid, job_id, project_id, request, user_name) VALUES (?, ?, ?, ?, ?)",
                (job_uuid, version["job_id"], project_id, json.dumps(request, sort_keys=True), user_name),
            )
            log_dir = self.runner.files.log_dir(version["version_id"])
            log_dir.mkdir(parents=True, exist_ok=True)
            for name in log_file_names(meta["name"], config["worker_server_num"]):
                (log_dir / name).touch()
            self.runner.submit(version["version_id"])
        return self._view(self._row(project_id, job_uuid))

    def show(self, project_id: str, job_id: str) -> Dict[str, Any]:
        return self._view(self._row(project_id, job_id))

    def search(self, project_id: str, body: Any) -> Dict[str, Any]:
        if body is None:
            body = {}
        if not isinstance(body, Mapping):
            raise V2InvalidArgument("the request body must be a JSON object")
        try:
            query = parse_search(body)
        except V1Error as err:
            raise from_v1(err) from None
        now = self.store.now_ms()
        where, order, params = query.sql(now)
        params.update(project=project_id, limit=query.limit, offset=query.offset)
        with self.db.snapshot():  # the count and the page from one view of the tables
            total = int(self.db.scalar(f"SELECT COUNT(*) {_FROM} WHERE {where}", params))
            rows = self.db.all(f"SELECT {_COLUMNS} {_FROM} WHERE {where} ORDER BY {order} LIMIT :limit OFFSET :offset", params)
        return query.answer(total, [v2_views.job(row, now) for row in rows])

    def delete(self, project_id: str, job_id: str) -> None:
        with self.runner.hold():
            row = self._row(project_id, job_id)
            state = JobState(row["status"])
            if self.runner.is_active(row["version_id"]) or not state.is_terminal:
                raise V2JobStillRunning(job_id=job_id, phase=phase_of(state)[0])
            self.store.delete_job(row["job_id"])
        self.runner.files.remove(row["version_id"])

    def action(self, project_id: str, job_id: str, body: Any) -> Dict[str, Any]:
        if not isinstance(body, Mapping) or "action_type" not in body:
            raise V2InvalidArgument("the request body needs action_type")
        if body["action_type"] != "terminate":
            raise V2ParameterError(f"action_type must be 'terminate', got {str(body['action_type'])[:40]!r}")
        row = self._row(project_id, job_id)
        try:
            self.runner.stop(row["version_id"])
        except NotTerminable:
            raise V2NotTerminable(phase=phase_of(self._row(project_id, job_id)["status"])[0]) from None
        return self.show(project_id, job_id)

    # -- logs ------------------------------------------------------------------------------

    def _log_path(self, project_id: str, job_id: str, task_id: str) -> Path:
        row = self._row(project_id, job_id)
        request = json.loads(row["request"])
        tasks = v2_views.task_names(request["spec"]["resource"]["node_count"])
        if task_id not in tasks:
            raise V2LogNotFound(task_id=str(task_id)[:40])
        name = log_file_names(row["job_name"], len(tasks))[tasks.index(task_id)]
        path = self.runner.files.log_dir(row["version_id"]) / name
        if not path.is_file():
            raise V2LogNotFound(task_id=task_id)
        return path

    def log_preview(self, project_id: str, job_id: str, task_id: str) -> Dict[str, Any]:
        path = self._log_path(project_id, job_id, task_id)
        with open(path, "rb") as handle:
            full = handle.seek(0, 2)
            handle.seek(max(0, full - PREVIEW_BYTES))
            data = handle.read(PREVIEW_BYTES)
        if full > PREVIEW_BYTES:  # start on a whole line
            cut = data.find(b"\n")
            data = data[cut + 1:] if cut >= 0 else data
        return {"content": data.decode("utf-8", "replace"), "current_size": len(data), "full_size": full}

    def log_url(self, project_id: str, job_id: str, task_id: str) -> Dict[str, Any]:
        return {"obs_url": self._log_path(project_id, job_id, task_id).as_uri()}

    # -- catalogue and quotas ------------------------------------------------------------------

    def engines(self) -> Dict[str, Any]:
        items = [v2_views.engine_item(engine) for engine in catalog.ENGINES]
        return {"total": len(items), "items": items}

    def flavors(self, flavor_type: Optional[str]) -> Dict[str, Any]:
        if flavor_type not in (None, "", "CPU", "GPU", "Ascend"):
            raise V2ParameterError("flavor_type must be CPU, GPU or Ascend")
        items = [v2_views.flavor_item(spec) for spec in catalog.SPECS]
        items = [item for item in items if not flavor_type or item["flavor_type"] == flavor_type]
        return {"total_count": len(items), "flavors": items}

    def quotas(self, project_id: str) -> Dict[str, Any]:
        used = int(self.db.scalar("SELECT COUNT(*) FROM v2_jobs WHERE project_id = ?", (project_id,)))
        return {"quotas": [{"resource": "train_job", "quota": JOB_QUOTA, "used": used}]}

