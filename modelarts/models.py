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
from typing import Any, Callable, ClassVar, Dict, Mapping, Optional, Tuple, Type, TypeVar

import attrs

from modelarts.states import JobState

__all__ = [
    "Algorithm",
    "Engine",
    "Flavor",
    "FromApi",
    "JobCreated",
    "JobInfo",
    "JobVersionList",
    "LogChunk",
    "Record",
]

log = logging.getLogger(__name__)
T = TypeVar("T", bound="FromApi")


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


def _state(value: Any) -> JobState:
    try:
        return JobState.parse(value)
    except ValueError:
        log.warning("unexpected job status %r; treating it as UNKNOWN", value)
        return JobState.UNKNOWN


#: How a payload value becomes a field value, by the field's annotation.
_CONVERT: Dict[str, Callable[[Any], Any]] = {
    "str": lambda v: "" if v is None else str(v),
    "Optional[str]": _id,
    "int": lambda v: _opt_int(v) or 0,
    "Optional[int]": _opt_int,
    "bool": bool,
    "JobState": _state,
}


def _from_api(cls: Type[T], payload: Mapping[str, Any], **given: Any) -> T:
    """``cls`` from ``payload``: each field converted by its annotation (see ``_CONVERT``).

    A key missing from ``payload`` leaves the field's default; ``raw`` keeps the
    whole payload; ``given`` supplies fields that need more than a conversion.
    """
    values: Dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.name in given:
            values[field.name] = given[field.name]
        elif field.name == "raw":
            values["raw"] = dict(payload)
        elif field.name in payload or field.default is attrs.NOTHING:
            values[field.name] = _CONVERT[str(field.type)](payload.get(field.name))
    return cls(**values)


class Record(Dict[str, Any]):
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


class FromApi:
    """Base of the value objects: ``Model.from_api(payload)`` converts each field by its
    annotation; a model whose fields need more than that overrides it."""

    __slots__ = ()
    #: Set by ``attrs`` on every subclass; declared so the type checker knows they are attrs classes.
    __attrs_attrs__: ClassVar[Any]

    @classmethod
    def from_api(cls: Type[T], payload: Mapping[str, Any]) -> T:
        return _from_api(cls, payload)


_RAW: Dict[str, Any] = attrs.field(repr=False, eq=False, factory=dict)


@attrs.frozen
class JobCreated(FromApi):
    """The answer to creating a job or a job version."""

    job_id: str
    version_id: str
    job_name: str = ""
    version_name: str = ""
    status: JobState = JobState.UNKNOWN
    create_time: Optional[int] = None
    resource_id: str = ""
    raw: Dict[str, Any] = _RAW


@attrs.frozen
class JobInfo(FromApi):
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
        params = [p for p in payload.get("parameter") or () if isinstance(p, Mapping)]
        pairs = tuple((_CONVERT["str"](p.get("label")), _CONVERT["str"](p.get("value"))) for p in params)
        return _from_api(cls, payload, parameter=pairs)


@attrs.frozen
class JobVersionList(FromApi):
    """A job and its versions (``get_job_version_info``), newest first as served."""

    job_id: str
    job_name: str = ""
    job_desc: str = ""
    version_count: int = 0
    versions: Tuple[JobInfo, ...] = ()

    @classmethod
    def from_api(cls, payload: Mapping[str, Any]) -> "JobVersionList":
        job_fields = {k: payload[k] for k in ("job_id", "job_name", "job_desc") if k in payload}
        versions = tuple(
            JobInfo.from_api({**job_fields, **v}) for v in payload.get("versions") or () if isinstance(v, Mapping)
        )
        count = _opt_int(payload.get("version_count"))
        return _from_api(cls, payload, versions=versions, version_count=len(versions) if count is None else count)


@attrs.frozen
class LogChunk(FromApi):
    """A slice of a log file from ``aom-log``; positions are opaque strings."""

    content: str
    lines: int = 0
    start_line: str = ""
    end_line: str = ""

    def splitlines(self) -> Tuple[str, ...]:
        """The content as lines, without line endings."""
        return tuple(self.content.splitlines())


@attrs.frozen
class Flavor(FromApi):
    """A resource flavor (``GET /job/resource-specs``)."""

    spec_id: int
    spec_code: str
    core: str = ""
    cpu: str = ""
    gpu_num: int = 0
    gpu_type: str = ""
    max_num: Optional[int] = None
    no_resource: bool = False


@attrs.frozen
class Engine(FromApi):
    """An AI engine (``GET /job/ai-engines``): ``framework_type`` = ``engine_name``."""

    engine_id: int
    engine_name: str
    engine_version: str = ""
    engine_type: Optional[int] = None


@attrs.frozen
class Algorithm(FromApi):
    """A built-in algorithm (``GET /built-in-algorithms``), chosen by ``model_name``."""

    model_id: int
    model_name: str
    engine_id: Optional[int] = None
    engine_name: str = ""
    engine_version: str = ""

    @classmethod
    def from_api(cls, payload: Mapping[str, Any]) -> "Algorithm":
        return _from_api(cls, payload)