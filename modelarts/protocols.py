"""The public job protocol shared by v1 and v2 training jobs.

:class:`ManagedJob` is what the notebook widgets
(:class:`~modelarts.widgets.JobControls`, displaying a job) rely on, and what
both :class:`modelarts.job.TrainingJob` (v1) and
:class:`modelarts.job_v2.TrainingJobV2` (v2) provide: ids, the shared
:class:`~modelarts.states.JobState`, times, and the lifecycle verbs.
:class:`JobListBackend` is what :class:`~modelarts.widgets.JobList` calls to
list, stop and delete jobs.

>>> from modelarts.protocols import ManagedJob
>>> isinstance(job, ManagedJob)          # doctest: +SKIP
True
"""

from __future__ import annotations

from typing import Any, Optional

try:  # Python 3.8+
    from typing import Protocol, runtime_checkable
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol, runtime_checkable  # type: ignore[assignment]

from modelarts.states import JobState

__all__ = ["JobListBackend", "ManagedJob"]


@runtime_checkable
class ManagedJob(Protocol):
    """A training job the widgets can show, refresh, stop and delete.

    ``version_id`` is ``None`` for job kinds without versions (v2).
    ``stop`` and ``delete_job`` may return the documented failure dict in
    ``Session(errors="return")`` mode instead of raising.
    """

    @property
    def job_id(self) -> str: ...

    @property
    def job_name(self) -> Optional[str]: ...

    @property
    def version_id(self) -> Optional[str]: ...

    @property
    def create_time(self) -> Optional[int]: ...

    @property
    def duration(self) -> Optional[int]: ...

    @property
    def status(self) -> JobState: ...

    def refresh(self) -> JobState: ...

    def wait(self, timeout: Optional[float] = None, poll: Optional[float] = None) -> JobState: ...

    def stop(self, wait: bool = False, timeout: Optional[float] = None, *, poll: Optional[float] = None) -> Any: ...

    def delete_job(self, force: bool = False, missing_ok: bool = False) -> Any: ...


@runtime_checkable
class JobListBackend(Protocol):
    """The three calls :class:`~modelarts.widgets.JobList` makes.

    ``list_jobs`` answers in the v1 list shape (``job_total_count`` and
    ``jobs`` rows with ``job_id``, ``version_id``, ``job_name``, ``status``,
    ``create_time``, ``duration``, ``job_desc``), whatever the API behind it:
    ``modelarts.widgets.job_list.EstimatorBackend`` (v1) and
    ``modelarts.estimatorV2.EstimatorV2Backend`` (v2) implement it.
    """

    def list_jobs(self, **query: Any) -> Any: ...

    def stop(self, job_id: Any, version_id: Any) -> Any: ...

    def delete(self, job_id: Any, force: bool) -> Any: ...
