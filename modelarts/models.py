"""Frozen value objects for v1 training-job answers, built by ``from_api``.

The documented SDK methods return the service's dicts unchanged; these
objects are the typed view the SDK itself works with (``TrainingJob.info``,
progress, log following).  Each ``from_api`` tolerates missing keys and the
documented type drift (ids as ``Long`` or ``String``, ``lines`` as ``"1"``):
ids become decimal strings, times stay epoch milliseconds, ``status`` becomes a
:class:`~modelarts.states.JobState`.  ``raw`` keeps the whole answer.

Examples
--------
>>> info = JobInfo.from_api({"job_id": 10, "version_id": 12, "job_name": "demo", "status": 8})
>>> info.job_id, info.status
('10', <JobState.RUNNING: 8>)
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Mapping, Optional, Tuple

import attrs

from modelarts.states import JobState

__all__ = [
    "Algorithm",
    "Engine",
    "Flavor",
    "JobCreated",
    "JobInfo",
    "JobList",
    "JobSummary",
    "JobVersionList",
    "LogChunk",
    "Record",
]

log = logging.getLogger(__name__)


def _opt_int(value: Any) -> Optional[int]:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _id(value: Any) -> Optional[str]:
    number = _opt_int(value)
    return None if number is None else str(number)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _state(value: Any) -> JobState:
    try:
        return JobState.parse(value)
    except ValueError:
        log.warning("unexpected job status %r; treating it as UNKNOWN", value)
        return JobState.UNKNOWN


def _raw(payload: Mapping[str, Any]) -> Dict[str, Any]:
    return dict(payload)


class Record(dict):  # type: ignore[type-arg]
    """A dict whose keys also read as attributes (``job["job_id"]`` and ``job.job_id``).

    SDK 1.1.7 returned plain dicts to AK/SK sessions and objects to password
    sessions, and public code uses both spellings; this serves both.

    >>> Record({"job_id": 1}).job_id
    1
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


_RAW = attrs.field(repr=False, eq=False, factory=dict)


@attrs.frozen
class JobCreated:
    """The answer to creating a job or a job version."""

    job_id: str
    version_id: str
    job_name: str = ""
    version_name: str = ""
    status: JobState = JobState.UNKNOWN
    create_time: Optional[int] = None
    resource_id: str = ""
    raw: Dict[str, Any] = _RAW

    @classmethod
    def from_api(cls, payload: Mapping[str, Any]) -> "JobCreated":
        return cls(
            job_id=_id(payload.get("job_id")) or "",
            version_id=_id(payload.get("version_id")) or "",
            job_name=_text(payload.get("job_name")),
            version_name=_text(payload.get("version_name")),
            status=_state(payload.get("status", 0)),
            create_time=_opt_int(payload.get("create_time")),
            resource_id=_text(payload.get("resource_id")),
            raw=_raw(payload),
        )


@attrs.frozen
class JobSummary:
    """One job in the job list (its newest version)."""

    job_id: str
    job_name: str
    version_id: str
    status: JobState
    create_time: Optional[int] = None
    duration: Optional[int] = None
    job_desc: str = ""
    version_count: int = 0

    @classmethod
    def from_api(cls, payload: Mapping[str, Any]) -> "JobSummary":
        return cls(
            job_id=_id(payload.get("job_id")) or "",
            job_name=_text(payload.get("job_name")),
            version_id=_id(payload.get("version_id")) or "",
            status=_state(payload.get("status", 0)),
            create_time=_opt_int(payload.get("create_time")),
            duration=_opt_int(payload.get("duration")),
            job_desc=_text(payload.get("job_desc")),
            version_count=_opt_int(payload.get("version_count")) or 0,
        )


@attrs.frozen
class JobList:
    """A page of the job list with the account's counts."""

    jobs: Tuple[JobSummary, ...]
    job_total_count: int = 0
    job_count_limit: Optional[int] = None
    quotas: Optional[int] = None

    @classmethod
    def from_api(cls, payload: Mapping[str, Any]) -> "JobList":
        return cls(
            jobs=tuple(JobSummary.from_api(j) for j in payload.get("jobs") or ()),
            job_total_count=_opt_int(payload.get("job_total_count")) or 0,
            job_count_limit=_opt_int(payload.get("job_count_limit")),
            quotas=_opt_int(payload.get("quotas")),
        )


@attrs.frozen
class JobInfo:
    """The details of one job version (``get_job_info``)."""

    job_id: str
    version_id: str
    job_name: str = ""
    job_desc: str = ""
    version_name: str = ""
    pre_version_id: Optional[str] = None
    status: JobState = JobState.UNKNOWN
    create_time: Optional[int] = None
    start_time: Optional[int] = None
    duration: Optional[int] = None
    worker_server_num: Optional[int] = None
    spec_id: Optional[int] = None
    engine_id: Optional[int] = None
    engine_name: str = ""
    engine_version: str = ""
    app_url: str = ""
    boot_file_url: str = ""
    data_url: str = ""
    train_url: str = ""
    log_url: str = ""
    parameter: Tuple[Tuple[str, str], ...] = ()
    raw: Dict[str, Any] = _RAW

    @classmethod
    def from_api(cls, payload: Mapping[str, Any]) -> "JobInfo":
        params = payload.get("parameter") or ()
        return cls(
            job_id=_id(payload.get("job_id")) or "",
            version_id=_id(payload.get("version_id")) or "",
            job_name=_text(payload.get("job_name")),
            job_desc=_text(payload.get("job_desc")),
            version_name=_text(payload.get("version_name")),
            pre_version_id=_id(payload.get("pre_version_id")),
            status=_state(payload.get("status", 0)),
            create_time=_opt_int(payload.get("create_time")),
            start_time=_opt_int(payload.get("start_time")),
            duration=_opt_int(payload.get("duration")),
            worker_server_num=_opt_int(payload.get("worker_server_num")),
            spec_id=_opt_int(payload.get("spec_id")),
            engine_id=_opt_int(payload.get("engine_id")),
            engine_name=_text(payload.get("engine_name")),
            engine_version=_text(payload.get("engine_version")),
            app_url=_text(payload.get("app_url")),
            boot_file_url=_text(payload.get("boot_file_url")),
            data_url=_text(payload.get("data_url")),
            train_url=_text(payload.get("train_url")),
            log_url=_text(payload.get("log_url")),
            parameter=tuple(
                (_text(p.get("label")), _text(p.get("value"))) for p in params if isinstance(p, Mapping)
            ),
            raw=_raw(payload),
        )


@attrs.frozen
class JobVersionList:
    """A job and its versions (``get_job_version_info``), newest first as served."""

    job_id: str
    job_name: str = ""
    job_desc: str = ""
    version_count: int = 0
    versions: Tuple[JobInfo, ...] = ()

    @classmethod
    def from_api(cls, payload: Mapping[str, Any]) -> "JobVersionList":
        job_fields = {k: payload.get(k) for k in ("job_id", "job_name", "job_desc")}
        versions = tuple(
            JobInfo.from_api({**job_fields, **v}) for v in payload.get("versions") or () if isinstance(v, Mapping)
        )
        return cls(
            job_id=_id(payload.get("job_id")) or "",
            job_name=_text(payload.get("job_name")),
            job_desc=_text(payload.get("job_desc")),
            version_count=_opt_int(payload.get("version_count")) or len(versions),
            versions=versions,
        )


@attrs.frozen
class LogChunk:
    """A slice of a log file from ``aom-log``; positions are opaque strings."""

    content: str
    lines: int = 0
    start_line: str = ""
    end_line: str = ""

    @classmethod
    def from_api(cls, payload: Mapping[str, Any]) -> "LogChunk":
        return cls(
            content=_text(payload.get("content")),
            lines=_opt_int(payload.get("lines")) or 0,
            start_line=_text(payload.get("start_line")),
            end_line=_text(payload.get("end_line")),
        )

    def splitlines(self) -> Tuple[str, ...]:
        """The content as lines, without line endings."""
        return tuple(self.content.splitlines())


@attrs.frozen
class Flavor:
    """A resource flavor (``GET /job/resource-specs``)."""

    spec_id: int
    spec_code: str
    core: str = ""
    cpu: str = ""
    gpu_num: int = 0
    gpu_type: str = ""
    max_num: Optional[int] = None
    no_resource: bool = False

    @classmethod
    def from_api(cls, payload: Mapping[str, Any]) -> "Flavor":
        return cls(
            spec_id=_opt_int(payload.get("spec_id")) or 0,
            spec_code=_text(payload.get("spec_code")),
            core=_text(payload.get("core")),
            cpu=_text(payload.get("cpu")),
            gpu_num=_opt_int(payload.get("gpu_num")) or 0,
            gpu_type=_text(payload.get("gpu_type")),
            max_num=_opt_int(payload.get("max_num")),
            no_resource=bool(payload.get("no_resource", False)),
        )


@attrs.frozen
class Engine:
    """An AI engine (``GET /job/ai-engines``): ``framework_type`` = ``engine_name``."""

    engine_id: int
    engine_name: str
    engine_version: str = ""
    engine_type: Optional[int] = None

    @classmethod
    def from_api(cls, payload: Mapping[str, Any]) -> "Engine":
        return cls(
            engine_id=_opt_int(payload.get("engine_id")) or 0,
            engine_name=_text(payload.get("engine_name")),
            engine_version=_text(payload.get("engine_version")),
            engine_type=_opt_int(payload.get("engine_type")),
        )


@attrs.frozen
class Algorithm:
    """A built-in algorithm (``GET /built-in-algorithms``), chosen by ``model_name``."""

    model_id: int
    model_name: str
    engine_id: Optional[int] = None
    engine_name: str = ""
    engine_version: str = ""

    @classmethod
    def from_api(cls, payload: Mapping[str, Any]) -> "Algorithm":
        return cls(
            model_id=_opt_int(payload.get("model_id")) or 0,
            model_name=_text(payload.get("model_name")),
            engine_id=_opt_int(payload.get("engine_id")),
            engine_name=_text(payload.get("engine_name")),
            engine_version=_text(payload.get("engine_version")),
        )
