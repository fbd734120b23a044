"""An in-memory v1 training-job service behind a fake ``Session``.

``FakeSession.request`` honours the ``Session.request`` contract (path
relative to the endpoint, parsed JSON back, typed ``APIError`` built by
``error_from_response`` on failure) and records every call.  Status moves
moto-style: each GET of a version pops the next state from its script, so a
test decides exactly what ``refresh()`` sees.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

import attrs

from modelarts.exceptions import error_from_response
from modelarts.states import JobState

PROJECT = "proj1"


@attrs.define
class Call:
    method: str
    path: str
    params: Optional[Dict[str, Any]]
    json: Any
    idempotent: Optional[bool]


@attrs.define
class Version:
    job_id: int
    version_id: int
    config: Dict[str, Any]
    status: JobState = JobState.INIT
    script: List[JobState] = attrs.field(factory=list)
    lines: List[str] = attrs.field(factory=list)
    create_time: int = 1_700_000_000_000


@attrs.define
class Job:
    job_id: int
    job_name: str
    job_desc: str = ""
    versions: Dict[int, Version] = attrs.field(factory=dict)


def _fail(status: int, code: str, message: str) -> Exception:
    body = {"is_success": False, "error_message": message, "error_code": code}
    return error_from_response(status, json.dumps(body), {"X-Request-Id": "req-1"})


class FakeService:
    """Jobs, versions, catalogues and the routes over them."""

    specs = [{"spec_id": 2, "spec_code": "modelarts.vm.cpu.2u", "core": "2", "cpu": "8", "gpu_num": 0, "max_num": 2}]
    engines = [
        {"engine_id": 1, "engine_name": "TensorFlow", "engine_version": "TF-1.8.0-python3.6", "engine_type": 1},
        {"engine_id": 5, "engine_name": "PyTorch", "engine_version": "PyTorch-1.0.0-python3.6", "engine_type": 9},
    ]
    models = [{"model_id": 7, "model_name": "resnet_v1_50", "engine_id": 1, "engine_name": "TensorFlow"}]

    def __init__(self) -> None:
        self.jobs: Dict[int, Job] = {}
        self._next = 100
        self.delete_running = "refuse"

    def _id(self) -> int:
        self._next += 1
        return self._next

    # -- helpers for tests -------------------------------------------------------------------
    def add_job(self, name: str = "demo", status: JobState = JobState.RUNNING, script=(), lines=()) -> Version:
        job = Job(self._id(), name)
        self.jobs[job.job_id] = job
        return self.add_version(job.job_id, status, script, lines)

    def add_version(self, job_id: int, status=JobState.RUNNING, script=(), lines=(), config=None) -> Version:
        version = Version(job_id, self._id(), dict(config or {"data_url": "/b/data/"}), status, list(script), list(lines))
        self.jobs[job_id].versions[version.version_id] = version
        return version

    def version(self, job_id: Any, version_id: Any) -> Version:
        job = self.job(job_id)
        try:
            return job.versions[int(version_id)]
        except KeyError:
            raise _fail(400, "ModelArts.2775", f"Training job version (ID: {version_id}) not found.") from None

    def job(self, job_id: Any) -> Job:
        try:
            return self.jobs[int(job_id)]
        except KeyError:
            raise _fail(400, "ModelArts.2775", f"Training job (ID: {job_id}) not found.") from None

    def detail(self, v: Version) -> Dict[str, Any]:
        job = self.jobs[v.job_id]
        return {
            "is_success": True, "job_id": v.job_id, "job_name": job.job_name, "job_desc": job.job_desc,
            "version_id": v.version_id, "version_name": f"V{len(job.versions):04d}", "status": int(v.status),
            "create_time": v.create_time, "duration": 1500, "parameter": v.config.get("parameter", []),
            "log_url": "", **{k: val for k, val in v.config.items() if k != "parameter"},
        }  # fmt: skip

    # -- routes -------------------------------------------------------------------------------------
    def handle(self, method: str, path: str, params: Mapping[str, Any], body: Any) -> Dict[str, Any]:
        prefix = f"/v1/{PROJECT}"
        assert path.startswith(prefix), path
        rest = path[len(prefix):]
        for pattern, verb, handler in self.routes():
            match = re.fullmatch(pattern, rest)
            if match and verb == method:
                return handler(*match.groups(), params=params or {}, body=body)
        raise _fail(404, "APIGW.0101", "The API does not exist or has not been published in the environment")

    def routes(self) -> List[Tuple[str, str, Any]]:
        v = r"/training-jobs/(\d+)/versions/(\d+)"
        return [
            (r"/training-jobs", "POST", self.create),
            (r"/training-jobs", "GET", self.list),
            (r"/training-jobs/(\d+)", "PUT", self.update),
            (r"/training-jobs/(\d+)", "DELETE", self.delete),
            (r"/training-jobs/(\d+)/versions", "GET", self.versions),
            (r"/training-jobs/(\d+)/versions", "POST", self.create_version),
            (v, "GET", self.get),
            (v, "DELETE", self.delete_version),
            (v + "/stop", "POST", self.stop),
            (v + "/log/file-names", "GET", self.files),
            (v + "/aom-log", "GET", self.aom_log),
            (r"/job/resource-specs", "GET", lambda **_: {"is_success": True, "specs": self.specs}),
            (r"/job/ai-engines", "GET", lambda **_: {"is_success": True, "engines": self.engines}),
            (r"/built-in-algorithms", "GET", lambda **_: {"is_success": True, "models": self.models}),
        ]

    def create(self, params, body):
        if any(j.job_name == body["job_name"] for j in self.jobs.values()):
            raise _fail(400, "ModelArts.2751", f"Job name:{body['job_name']} is existed")
        job = Job(self._id(), body["job_name"], body.get("job_desc", ""))
        self.jobs[job.job_id] = job
        v = self.add_version(job.job_id, JobState.INIT, [JobState.RUNNING], config=body["config"])
        return {"is_success": True, "job_id": job.job_id, "job_name": job.job_name, "status": 1,
                "create_time": v.create_time, "version_id": v.version_id, "version_name": "V0001"}  # fmt: skip

    def create_version(self, job_id, params, body):
        self.job(job_id)
        v = self.add_version(int(job_id), JobState.INIT, [JobState.RUNNING], config=body["config"])
        return {"is_success": True, "job_id": int(job_id), "job_name": self.jobs[int(job_id)].job_name,
                "status": 1, "create_time": v.create_time, "version_id": v.version_id, "version_name": "V0002"}  # fmt: skip

    def list(self, params, body):
        jobs = [j for j in self.jobs.values() if "status" not in params or
                int(params["status"]) == int(max(j.versions.values(), key=lambda v: v.version_id).status)]  # fmt: skip
        rows = []
        for job in jobs:
            latest = max(job.versions.values(), key=lambda v: v.version_id)
            rows.append({"job_id": job.job_id, "job_name": job.job_name, "version_id": latest.version_id,
                         "status": int(latest.status), "create_time": latest.create_time, "duration": 10,
                         "job_desc": job.job_desc, "version_count": len(job.versions)})  # fmt: skip
        return {"is_success": True, "job_total_count": len(rows), "job_count_limit": 10, "quotas": 20, "jobs": rows}

    def get(self, job_id, version_id, params, body):
        v = self.version(job_id, version_id)
        if v.script:
            v.status = v.script.pop(0)
        return self.detail(v)

    def versions(self, job_id, params, body):
        job = self.job(job_id)
        rows = [self.detail(v) for v in sorted(job.versions.values(), key=lambda v: -v.version_id)]
        return {"is_success": True, "job_id": job.job_id, "job_name": job.job_name, "job_desc": job.job_desc,
                "version_count": len(rows), "versions": rows}  # fmt: skip

    def stop(self, job_id, version_id, params, body):
        v = self.version(job_id, version_id)
        if not v.status.can_stop:
            raise _fail(409, "ModelArts.2796", "The job cannot be terminated.")
        v.status, v.script = JobState.KILLING, [JobState.KILLING, JobState.KILLED]
        return {"is_success": True}

    def update(self, job_id, params, body):
        self.job(job_id).job_desc = body["job_desc"]
        return {"is_success": True}

    def delete(self, job_id, params, body):
        job = self.job(job_id)
        if self.delete_running == "refuse" and any(not v.status.is_terminal for v in job.versions.values()):
            raise _fail(409, "ModelArts.2878", "The job is running and cannot be deleted.")
        del self.jobs[job.job_id]
        return {"is_success": True}

    def delete_version(self, job_id, version_id, params, body):
        v = self.version(job_id, version_id)
        del self.jobs[int(job_id)].versions[v.version_id]
        return {"is_success": True}

    def files(self, job_id, version_id, params, body):
        self.version(job_id, version_id)
        return {"is_success": True, "log_file_list": [f"job-{self.jobs[int(job_id)].job_name}.0"]}

    def aom_log(self, job_id, version_id, params, body):
        v = self.version(job_id, version_id)
        count = int(params.get("lines", 50))
        base = params.get("base_line", "")
        if base == "":
            start = max(len(v.lines) - count, 0)
        elif params.get("order", "desc") == "desc":
            start = int(base)
        else:
            start = max(int(base) - 1 - count, 0)
        chunk = v.lines[start:start + count]
        end = start + len(chunk)
        return {"is_success": True, "content": "".join(line + "\n" for line in chunk), "lines": len(chunk),
                "start_line": str(start + 1 if chunk else start), "end_line": str(end)}  # fmt: skip


class FakeSession:
    """The ``Session.request`` contract over a :class:`FakeService`."""

    def __init__(self, service: Optional[FakeService] = None, errors: str = "raise") -> None:
        self.service = service or FakeService()
        self.errors = errors
        self.project_id = PROJECT
        self.region_name = "cn-north-4"
        self.auth_method = self.auth = "aksk"
        self.calls: List[Call] = []

    def request(self, method, path, *, params=None, json=None, idempotent=None, timeout=None):
        self.calls.append(Call(method, path, dict(params) if params else None, json, idempotent))
        return self.service.handle(method, path, params, json)

    def paths(self, method: Optional[str] = None) -> List[str]:
        return [c.path for c in self.calls if method is None or c.method == method]
