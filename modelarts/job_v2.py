"""``TrainingJobV2``: a v2 training job (UUID id, ``status.phase``) and its lifecycle.

``modelarts.estimatorV2.Estimator.fit()`` returns one.  It keeps the same
lifecycle qualities as the v1 :class:`~modelarts.job.TrainingJob` and satisfies
:class:`~modelarts.protocols.ManagedJob`, so the notebook widgets show it the
same way:

* :meth:`control_job` / :meth:`stop` terminate idempotently: the terminate is
  sent, and on a job that has ended its 409 is not an error (the final state is reported);
* :meth:`delete_job` refuses a running job with a message that says what to do;
  ``force=True`` terminates, waits, then deletes; ``missing_ok=True`` makes a
  second delete succeed;
* :meth:`wait` ends on every terminal phase and raises typed errors.

``status`` is the shared :class:`~modelarts.states.JobState` (see
:func:`modelarts.states.state_of_phase`); ``phase``/``secondary_phase`` are the
API's own words.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Dict, List, Optional

from modelarts import _api_v2
from modelarts._job_wait import WaitableJob
from modelarts._validate import check_session
from modelarts._wait import check_wait
from modelarts.exceptions import APIError, ConflictError, JobConflictError, JobFailedError
from modelarts.states import JobState, phase_of, state_of_phase

__all__ = ["TrainingJobV2"]

log = logging.getLogger(__name__)


class _LogTail:
    """The new lines of a task's log, from successive log previews.

    A preview carries the tail of the log (``content``) and the log's size
    (``full_size``); the bytes past what was already shown are the new ones.
    Lines longer ago than one preview are skipped, never repeated.
    """

    def __init__(self, job: "TrainingJobV2", task_id: str = "worker-0") -> None:
        self.job, self.task_id, self.shown, self.partial = job, task_id, 0, b""

    def poll(self) -> List[str]:
        try:
            preview = _api_v2.log_preview(self.job.session, self.job.job_id, self.task_id)
        except APIError as err:  # logs are best effort: never abort a wait for them
            log.debug("no log preview for %s yet: %s", self.job.job_id, err)
            return []
        data = str(preview.get("content") or "").encode("utf-8")
        full = int(preview.get("full_size") or 0)
        fresh = data[max(0, len(data) - max(0, full - self.shown)):] if full > self.shown else b""
        self.shown = max(self.shown, full)
        text = self.partial + fresh
        lines = text.split(b"\n")
        self.partial = lines.pop()
        return [line.decode("utf-8", "replace") for line in lines]


class TrainingJobV2(WaitableJob):
    """A v2 training job addressed by its UUID ``job_id``.

    Attributes
    ----------
    status : JobState
        The state from the last :meth:`refresh` (``UNKNOWN`` before the first).
    phase, secondary_phase : str or None
        ``status.phase`` and ``status.secondary_phase`` as the API reported them.
    info : dict or None
        The last job object the API returned.
    version_id : None
        v2 jobs have no versions (kept so one display serves both job kinds).
    """

    version_id: Optional[str] = None

    def __init__(self, session: Any, job_id: Any, job_name: Optional[str] = None, info: Optional[Dict[str, Any]] = None) -> None:
        self.session = check_session(session)
        self.job_id = _api_v2.check_job_id(job_id)
        self.job_name = job_name
        self.info: Optional[Dict[str, Any]] = None
        self.phase: Optional[str] = None
        self.secondary_phase: Optional[str] = None
        self.create_time: Optional[int] = None
        self.duration: Optional[int] = None
        self._status = JobState.UNKNOWN
        self._lock = threading.Lock()
        if info is not None:
            self._absorb(info)

    # -- state ---------------------------------------------------------------------
    @property
    def status(self) -> JobState:
        return self._status

    def _absorb(self, body: Dict[str, Any]) -> JobState:
        status = body.get("status") or {}
        meta = body.get("metadata") or {}
        try:
            state = state_of_phase(str(status.get("phase")), status.get("secondary_phase"))
        except ValueError:  # a phase newer than this SDK: keep waiting, never treat it as final
            log.warning("%s reports an unknown phase %r; treating it as UNKNOWN", self._label(), status.get("phase"))
            state = JobState.UNKNOWN
        with self._lock:
            self.info = body
            self.phase = status.get("phase")
            self.secondary_phase = status.get("secondary_phase")
            self.job_name = meta.get("name") or self.job_name
            self.create_time = meta.get("create_time", self.create_time)
            self.duration = status.get("duration", self.duration)
            self._status = state
        return state

    def refresh(self) -> JobState:
        """Fetch the job (``GET …/training-jobs/{id}``); return (and remember) its state."""
        return self._absorb(_api_v2.show_job(self.session, self.job_id))

    def _log_reader(self) -> Callable[[], List[str]]:
        """The new lines of task ``worker-0``'s log."""
        return _LogTail(self).poll

    def _failure(self, final: JobState) -> JobFailedError:
        return JobFailedError(f"{self._label()} ended {phase_of(final)[0]}", status=final)

    # -- lifecycle -------------------------------------------------------------------
    def _terminate(self) -> JobState:
        """``POST …/actions`` (terminate), then the state it left the job in.

        A job that has ended, or is being terminated, answers 409: that is not an
        error (terminate is idempotent), and one refresh tells which state it is in.
        A 409 from a job that is still live is raised.
        """
        try:
            return self._absorb(_api_v2.terminate_job(self.session, self.job_id))
        except ConflictError:
            state = self.refresh()
            if not (state.is_terminal or state is JobState.KILLING):
                raise
            log.info("%s is already %s; no terminate needed", self._label(), self.phase)
            return state

    def stop(self, wait: bool = False, timeout: Optional[float] = None, *, poll: Optional[float] = None) -> Any:
        """Terminate the job; a no-op if it has ended.  Returns the job object (``info``), whose
        ``status.phase`` is terminal when ``wait=True``."""
        check_wait(timeout, self.poll_interval if poll is None else poll)

        def run() -> Dict[str, Any]:
            state = self._terminate()
            if wait and not state.is_terminal:
                self._wait_stopped(timeout, poll)
            assert self.info is not None
            return self.info

        return _api_v2.guarded(self.session, run)

    def control_job(self, wait: bool = False, timeout: Optional[float] = None) -> Any:
        """Documented name of :meth:`stop` (SDK page "Terminating a Training Job")."""
        return self.stop(wait=wait, timeout=timeout)

    def delete_job(
        self, force: bool = False, missing_ok: bool = False, timeout: Optional[float] = None,
        poll: Optional[float] = None,
    ) -> Any:  # fmt: skip
        """Delete the job (``DELETE …/training-jobs/{id}``); ``None`` on success, as documented.

        ``force=True`` terminates a running job and waits for it first;
        ``missing_ok=True`` treats "not found" as success.
        """
        check_wait(timeout, self.poll_interval if poll is None else poll)

        def run() -> None:
            try:
                if force:
                    self._terminate()
                    if not self.status.is_terminal:
                        self._wait_stopped(timeout, poll)
                _api_v2.delete_job(self.session, self.job_id)
            except ConflictError as err:
                hint = "terminate it first (job.control_job(wait=True)) or pass force=True"
                message = f"{self._label()} cannot be deleted while it runs ({err.error_msg}); {hint}"
                raise JobConflictError(err.status_code, err.error_code, message, err.request_id, err.body) from err
            except APIError as err:
                if not (missing_ok and _api_v2.is_missing(err)):
                    raise
                log.info("%s does not exist; nothing to delete", self._label())

        return _api_v2.guarded(self.session, run)

    # -- reads -------------------------------------------------------------------------
    def get_job_info(self) -> Any:
        """The job object (``metadata``, ``status``, ``algorithm``, ``spec``); refreshes :attr:`status`."""

        def run() -> Dict[str, Any]:
            self.refresh()
            assert self.info is not None
            return self.info

        return _api_v2.guarded(self.session, run)

    def get_job_log(self, task_id: str = "worker-0") -> Any:
        """The log preview of one task: ``content``, ``current_size``, ``full_size``."""
        return _api_v2.guarded(self.session, _api_v2.log_preview, self.session, self.job_id, task_id)

    # -- display -----------------------------------------------------------------------
    def _label(self) -> str:
        return f"job {self.job_name or self.job_id} (id {self.job_id})"

    def __repr__(self) -> str:
        return f"TrainingJobV2(name={self.job_name!r}, job_id={self.job_id!r}, phase={self.phase or 'UNKNOWN'})"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Dict[str, Any]:
        """The :class:`modelarts.widgets.JobControls` widget, with a stable ``text/plain``."""
        from modelarts.display import display_bundle

        return display_bundle(self, repr(self), include, exclude)
