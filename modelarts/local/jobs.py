"""The training-job backend: one method per v1 operation, scoped to a project.

Routes hand over the path parameters, the parsed query or body; this module
validates, reads or writes through :class:`~modelarts.local.jobstore.JobStore`,
drives :class:`~modelarts.local.runner.Runner` and returns the documented
answer dicts.  Unknown jobs are ``ModelArts.2775``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping

from modelarts import rules
from modelarts.local import views
from modelarts.local.errors import InternalError, InvalidArgument, JobNotFound, JobStillRunning, ServiceError, VersionNotFound
from modelarts.local.joblist import list_jobs
from modelarts.local.jobstore import JobStore
from modelarts.local.logs import log_file_names, read_window, resolve_log_file
from modelarts.local.runner import Runner
from modelarts.local.validation import integer, parse_config, parse_job_desc, parse_job_name, parse_list_query, text
from modelarts.states import JobState

__all__ = ["JOB_QUOTA", "TrainingJobs"]

#: The default job quota of a project: reported as ``quotas`` (``job_count_limit``
#: is what is left of it) and enforced on create with ``ModelArts.0116``.
JOB_QUOTA = 1000


def _id(value: str, name: str) -> int:
    return integer(value, name, 1)


class TrainingJobs:
    """v1 training-job operations over the store and the runner."""

    def __init__(self, store: JobStore, runner: Runner, job_quota: int = JOB_QUOTA) -> None:
        """``job_quota``: most jobs a project may hold (``quotas`` in the list answer; enforced on create)."""
        self.store = store
        self.runner = runner
        self.job_quota = job_quota

    # -- lookups --------------------------------------------------------------------

    def _job(self, project_id: str, job_id: str) -> Any:
        job = self.store.job(project_id, _id(job_id, "job_id"))
        if job is None:
            raise JobNotFound(job_id=job_id)
        return job

    def _version(self, project_id: str, job_id: str, version_id: str) -> Any:
        job_number = _id(job_id, "job_id")
        try:
            version_number = _id(version_id, "version_id")
        except ServiceError:
            version_number = 0
        if version_number:  # the common case: one query (it checks the job's project too)
            row = self.store.version(project_id, job_number, version_number)
            if row is not None:
                return row
        # Not found or not an id: the errors in their documented order (the job first, then the version id).
        job = self._job(project_id, job_id)
        row = self.store.version(project_id, job["job_id"], _id(version_id, "version_id"))
        if row is None:
            raise VersionNotFound(version_id=version_id)
        return row

    def _prepare_logs(self, row: Any) -> None:
        config = json.loads(row["config"])
        log_dir = self.runner.files.log_dir(row["version_id"])
        log_dir.mkdir(parents=True, exist_ok=True)
        for name in log_file_names(row["job_name"], config["worker_server_num"]):
            (log_dir / name).touch()

    def _start(self, row: Any, first_version: bool) -> Dict[str, Any]:
        """Prepare and queue a version just inserted; undo the insert if that fails."""
        try:
            self._prepare_logs(row)
            self.runner.submit(row["version_id"])
        except Exception as exc:
            with self.runner.hold():
                if first_version:
                    self.store.delete_job(row["job_id"])
                else:
                    self.store.delete_version(row["version_id"])
                self.runner.forget(row["version_id"])
            self.runner.files.remove(row["version_id"])
            raise InternalError(f"the job could not be set up and was not created ({type(exc).__name__})") from exc
        return row

    # -- jobs -------------------------------------------------------------------------

    def create(self, project_id: str, body: Any) -> Dict[str, Any]:
        if not isinstance(body, Mapping):
            raise InvalidArgument("the request body must be a JSON object")
        name = parse_job_name(body.get("job_name"))
        desc = parse_job_desc(body.get("job_desc"))
        workspace = text(body.get("workspace_id"), "workspace_id", rules.SHORT_TEXT_MAX, default="0")
        config = parse_config(body.get("config"))
        row = self.store.create_job(project_id, name, desc, workspace, config, quota=self.job_quota)
        return views.created(self._start(row, first_version=True))

    def list(self, project_id: str, query: Mapping[str, str]) -> Dict[str, Any]:
        now = self.store.now_ms()
        page = list_jobs(self.store.db, project_id, parse_list_query(query), now)
        return {
            "is_success": True,
            "job_total_count": page.matching,
            "job_count_limit": max(0, self.job_quota - page.total),
            "quotas": self.job_quota,
            "jobs": [views.job_summary(row, now) for row in page.rows],
        }

    def update_description(self, project_id: str, job_id: str, body: Any) -> Dict[str, Any]:
        job = self._job(project_id, job_id)
        if not isinstance(body, Mapping):
            raise InvalidArgument("the request body must be a JSON object")
        self.store.update_description(job["job_id"], parse_job_desc(body.get("job_desc"), required=True))
        return {"is_success": True}

    def delete(self, project_id: str, job_id: str) -> Dict[str, Any]:
        with self.runner.hold():  # look up under the lock too: of racing deletes, only one finds the job
            job = self._job(project_id, job_id)
            rows = self.store.versions(job["job_id"])
            self._refuse_running(job_id, rows)
            self.store.delete_job(job["job_id"])
        for row in rows:
            self.runner.files.remove(row["version_id"])
        return {"is_success": True}

    def _refuse_running(self, job_id: str, rows: List[Any]) -> None:
        for row in rows:
            if self.runner.is_active(row["version_id"]) or not JobState(row["status"]).is_terminal:
                raise JobStillRunning(job_id=job_id, state=JobState(row["status"]).api_name)

    # -- versions -----------------------------------------------------------------------

    def version_detail(self, project_id: str, job_id: str, version_id: str) -> Dict[str, Any]:
        row = self._version(project_id, job_id, version_id)
        return {"is_success": True, **views.version_detail(row, self.store.now_ms())}

    def versions(self, project_id: str, job_id: str, query: Mapping[str, str]) -> Dict[str, Any]:
        job = self._job(project_id, job_id)
        per_page = integer(query.get("per_page"), "per_page", *rules.LIST_PER_PAGE, default=10)
        page = integer(query.get("page"), "page", *rules.VERSIONS_PAGE, default=0)
        rows = self.store.versions(job["job_id"])
        shown = rows[(page - 1) * per_page : page * per_page] if page else rows
        now = self.store.now_ms()
        return {
            "is_success": True,
            "job_id": job["job_id"],
            "job_name": job["job_name"],
            "job_desc": job["job_desc"],
            "version_count": len(rows),
            "versions": [views.version_entry(row, now) for row in shown],
        }

    def create_version(self, project_id: str, job_id: str, body: Any) -> Dict[str, Any]:
        job = self._job(project_id, job_id)
        if not isinstance(body, Mapping) or not isinstance(body.get("config"), Mapping):
            raise InvalidArgument("the request body needs a config object")
        pre = integer(body["config"].get("pre_version_id"), "pre_version_id", 1)
        base = self.store.version(project_id, job["job_id"], pre)
        if base is None:
            raise VersionNotFound(version_id=pre)
        config = parse_config(body["config"], base=json.loads(base["config"]))
        if body.get("job_desc") is not None:
            self.store.update_description(job["job_id"], parse_job_desc(body.get("job_desc")))
        row = self.store.create_version(job["job_id"], pre, job["job_desc"], config)
        return views.created(self._start(row, first_version=False), resource_id=False)

    def delete_version(self, project_id: str, job_id: str, version_id: str) -> Dict[str, Any]:
        with self.runner.hold():
            row = self._version(project_id, job_id, version_id)
            self._refuse_running(job_id, [row])
            if len(self.store.versions(row["job_id"])) == 1:
                self.store.delete_job(row["job_id"])  # the last version takes the job with it
            else:
                self.store.delete_version(row["version_id"])
        self.runner.files.remove(row["version_id"])
        return {"is_success": True}

    def stop(self, project_id: str, job_id: str, version_id: str) -> Dict[str, Any]:
        row = self._version(project_id, job_id, version_id)
        self.runner.stop(row["version_id"])
        return {"is_success": True}

    # -- logs -----------------------------------------------------------------------------

    def log_files(self, project_id: str, job_id: str, version_id: str) -> Dict[str, Any]:
        row = self._version(project_id, job_id, version_id)
        return {"is_success": True, "log_file_list": self._log_names(row)}

    def _log_names(self, row: Any) -> List[str]:
        names = log_file_names(row["job_name"], json.loads(row["config"])["worker_server_num"])
        log_dir = self.runner.files.log_dir(row["version_id"])
        return [name for name in names if (log_dir / name).is_file()]

    def log(self, project_id: str, job_id: str, version_id: str, query: Mapping[str, str]) -> Dict[str, Any]:
        row = self._version(project_id, job_id, version_id)
        log_dir = self.runner.files.log_dir(row["version_id"])
        path = resolve_log_file(log_dir, query.get("log_file"), self._log_names(row))
        return {"is_success": True, **read_window(path, query)}
