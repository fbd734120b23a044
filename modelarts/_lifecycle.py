"""Job-level operations and the stop/delete rules shared by Estimator and TrainingJob.

:class:`Job` is a job addressed by ``job_id`` alone (an ``Estimator`` bound
without a ``version_id`` delegates to it); ``TrainingJob`` extends it with a
version.  The rules (what users of job SDKs ask for: a stop that cannot fail for
being late, a delete that says what to do):

* stop is idempotent: the stop is sent, and the 409 ``ModelArts.2796`` of a job
  that has already ended (or is being killed) is not an error;
* deleting a running job is refused with a conflict that says what to do;
  ``force=True`` stops every live version, waits, then deletes;
* ``missing_ok=True`` turns "job not found" into success, so deleting twice works.

Examples
--------
>>> Job(session, "155500").delete_job(force=True)     # doctest: +SKIP
{'is_success': True}
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, ClassVar, Dict, Optional

from modelarts import _api
from modelarts._job_wait import STOP_FIRST_POLL
from modelarts._validate import check_description, check_id, check_session, list_query
from modelarts._wait import Clock, check_wait, format_elapsed, poll_until_terminal
from modelarts.exceptions import APIError, ConflictError, JobConflictError
from modelarts.states import JobState

__all__ = [
    "Job",
    "create_version",
    "delete_version",
    "list_jobs",
    "stop_and_wait",
    "stop_version",
]

log = logging.getLogger(__name__)


def _explain(err: ConflictError, what: str, hint: str) -> JobConflictError:
    """The same conflict, as a :class:`JobConflictError` whose message says how to proceed."""
    message = f"{what} cannot be deleted while it runs ({err.error_msg}); {hint}"
    return JobConflictError(err.status_code, err.error_code, message, err.request_id, err.body)


def stop_version(session: Any, job_id: str, version_id: str, refresh: Callable[[], JobState]) -> Optional[JobState]:
    """``POST …/stop``: ``None`` when the stop was accepted, else the state that explains the 409.

    A version that has ended or is being killed answers 409 ``ModelArts.2796``; that
    is not an error (stop is idempotent): one refresh tells which state it is in.  A
    409 from a version that is still live is raised.
    """
    try:
        _api.stop_version(session, job_id, version_id)
    except ConflictError:
        state = refresh()
        if not (state.is_terminal or state is JobState.KILLING):
            raise
        log.info("job %s version %s is already %s; no stop needed", job_id, version_id, state.name)
        return state
    return None


def stop_and_wait(
    session: Any, job_id: Any, version_id: Any, wait: bool = True, timeout: Optional[float] = None,
    poll: Optional[float] = None,
) -> Dict[str, Any]:  # fmt: skip
    """Stop a version by ids, as ``TrainingJob.stop`` does: ``{"is_success": True, "status": state}``.

    A version that has already ended is not an error; ``wait=True`` returns once it is terminal.
    """
    job_id, version_id = check_id(job_id, "job_id"), check_id(version_id, "version_id")
    poll = Job.poll_interval if poll is None else poll
    check_wait(timeout, poll)

    def stop() -> Dict[str, Any]:
        refresh = _state_of(session, job_id, version_id)
        state = stop_version(session, job_id, version_id, refresh)
        if wait and (state is None or not state.is_terminal):
            state = poll_until_terminal(refresh, timeout=timeout, poll=poll, what=f"job {job_id} version {version_id}",
                                        first_poll=STOP_FIRST_POLL)  # fmt: skip
        return {"is_success": True, "status": refresh() if state is None else state}

    return _api.guarded(session, stop)


def list_jobs(
    session: Any, status: Any = None, per_page: Optional[int] = None, page: Optional[int] = None,
    sortBy: Optional[str] = None, order: Optional[str] = None,  # noqa: N803 - documented spelling
    search_content: Optional[str] = None, *, sort_by: Optional[str] = None,
) -> Dict[str, Any]:  # fmt: skip
    """``GET /training-jobs`` (page modelarts_04_0167): each ``jobs[i]`` reads as a dict and by attribute."""
    session = check_session(session)
    params = list_query(status, per_page, page, sortBy, order, search_content, sort_by=sort_by)

    def listing() -> Dict[str, Any]:
        from modelarts.models import Record

        body = _api.list_jobs(session, params)
        body["jobs"] = [Record(j) for j in body.get("jobs") or ()]
        return body

    return _api.guarded(session, listing)


def delete_version(session: Any, job_id: str, version_id: str) -> Dict[str, Any]:
    """``DELETE …/versions/{version_id}``, with a helpful message when it is still running."""
    try:
        return _api.delete_version(session, job_id, version_id)
    except ConflictError as err:
        hint = "stop it first with stop_job_version(), then delete it"
        raise _explain(err, f"version {version_id} of job {job_id}", hint) from err


def _state_of(session: Any, job_id: str, version_id: str) -> Callable[[], JobState]:
    from modelarts.models import JobInfo

    return lambda: JobInfo.from_api(_api.get_version(session, job_id, version_id)).status


def _stop_all(session: Any, job_id: str, timeout: Optional[float], poll: float, clock: Clock) -> None:
    """Stop every live version of the job and wait until all are terminal."""
    from modelarts.models import JobVersionList

    deadline = None if timeout is None else clock() + timeout
    listing = JobVersionList.from_api(_api.list_versions(session, job_id))
    live = [v.version_id for v in listing.versions if not v.status.is_terminal]
    for version_id in live:
        stop_version(session, job_id, version_id, _state_of(session, job_id, version_id))
    for version_id in live:
        left = None if deadline is None else max(deadline - clock(), 0.0)
        poll_until_terminal(_state_of(session, job_id, version_id), timeout=left, poll=poll,
                            clock=clock, what=f"job {job_id} version {version_id}",
                            first_poll=STOP_FIRST_POLL)  # fmt: skip


def create_version(
    session: Any,
    job_id: str,
    pre_version_id: str,
    config: Callable[[], Dict[str, Any]],
    job_desc: Optional[str],
) -> Any:
    """POST a new version built from ``config()`` on ``pre_version_id``; the :class:`~modelarts.models.JobCreated`."""
    from modelarts.models import JobCreated

    body: Dict[str, Any] = {"config": {**config(), "pre_version_id": int(pre_version_id)}}
    if job_desc is not None:
        body["job_desc"] = job_desc
    return JobCreated.from_api({"job_id": job_id, **_api.create_version(session, job_id, body)})


class Job:
    """A training job by ``job_id``: the operations that need no version."""

    #: Default seconds between polls when waiting (``TrainingJob.wait``, ``delete_job(force=True)``).
    poll_interval: ClassVar[float] = 5.0

    def __init__(self, session: Any, job_id: Any) -> None:
        self.session = session
        self.job_id: str = check_id(job_id, "job_id")

    @_api.documented
    def update_job_description(self, description: str) -> Dict[str, Any]:
        """Set the job's description (0–256 characters); ``{"is_success": True}``."""
        return _api.update_job(self.session, self.job_id, check_description(description, "description", optional=False))

    @_api.documented
    def get_job_version_info(self) -> Dict[str, Any]:
        """``job_id, job_name, job_desc, version_count, versions[]`` (page modelarts_04_0170)."""
        return _api.list_versions(self.session, self.job_id)

    @_api.documented
    def delete_job(
        self, force: bool = False, missing_ok: bool = False, *, timeout: Optional[float] = None,
        poll: Optional[float] = None,
    ) -> Dict[str, Any]:  # fmt: skip
        """Delete the job and all its versions (page modelarts_04_0166).

        Parameters
        ----------
        force:
            Stop every running version, wait until it has ended, then delete.
        missing_ok:
            Succeed when the job does not exist (e.g. a second delete).
        timeout, poll:
            Bounds of the wait when ``force=True``.

        Raises
        ------
        ConflictError
            The job is still running and ``force`` is false; the message says to
            stop it or pass ``force=True``.
        """
        poll = self.poll_interval if poll is None else poll
        check_wait(timeout, poll)  # before force=True sends anything
        clock = time.monotonic
        try:
            if force:
                started = clock()
                _stop_all(self.session, self.job_id, timeout, poll, clock)
                log.info("job %s stopped after %s; deleting it", self.job_id, format_elapsed(clock() - started))
            return _api.delete_job(self.session, self.job_id)
        except ConflictError as err:
            hint = "stop it first (job.stop(wait=True)) or pass force=True to stop, wait and delete it"
            raise _explain(err, f"job {self.job_id}", hint) from err
        except APIError as err:
            if missing_ok and _api.is_missing(err):
                log.info("job %s does not exist; nothing to delete", self.job_id)
                return {"is_success": True}
            raise

    def __repr__(self) -> str:
        return f"{type(self).__name__}(job_id={self.job_id!r})"
