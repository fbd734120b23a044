"""``TrainingJob``: one version of a v1 training job, and its whole lifecycle.

``Estimator.fit()`` returns a :class:`TrainingJob`; so do
``create_job_version()`` and ``get_job_version_object_list()``.  The
documented methods return the service's documented dicts (or, with
``Session(errors="return")``, the documented failure dict instead of raising).
The lifecycle verbs go further than SDK 1.1.7:

* :meth:`TrainingJob.stop` is idempotent: the stop is sent, and on a job that
  already ended its 409 is not an error (the final state is reported);
  ``wait=True`` returns once it is terminal.
* :meth:`TrainingJob.delete_job` refuses a running job with an error that says
  what to do; ``force=True`` stops, waits and deletes; ``missing_ok=True`` makes a
  second delete succeed.
* :meth:`TrainingJob.wait` ends on every terminal state and lets the caller say
  whether a stopped job counts as a failure.

Examples
--------
>>> job = estimator.fit(inputs="/bucket/data/", job_name="demo")     # doctest: +SKIP
>>> job.stop(wait=True, timeout=60)                                   # doctest: +SKIP
{'is_success': True, 'status': <JobState.KILLED: 12>}
>>> job.delete_job()                                                  # doctest: +SKIP
{'is_success': True}
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from modelarts import _api, _lifecycle, rules
from modelarts._config import config_from_version
from modelarts._logs import LOG_NOT_READY, LogFollower, exit_code_in, log_query
from modelarts._job_wait import WaitableJob
from modelarts._validate import check_data_source, check_description, check_id, check_int, check_session
from modelarts._wait import check_wait, format_elapsed
from modelarts.exceptions import APIError, JobFailedError
from modelarts.states import JobState

if TYPE_CHECKING:  # the attrs models load on first use (see models.py)
    from modelarts.models import JobCreated, JobInfo

__all__ = ["TrainingJob"]

log = logging.getLogger(__name__)


class TrainingJob(_lifecycle.Job, WaitableJob):
    """A version of a training job, as returned by ``Estimator.fit()``.

    Parameters
    ----------
    session:
        The :class:`~modelarts.session.Session` to call through.
    job_id, version_id:
        Ids as ``str`` or ``int``; kept as decimal strings.
    job_name:
        Shown in ``repr``; filled in by :meth:`refresh` when not given.

    Attributes
    ----------
    status : JobState
        The status from the last :meth:`refresh` (``UNKNOWN`` before the first).
    create_time, duration : int or None
        Epoch milliseconds and running time in milliseconds, from the last refresh.
    info : JobInfo or None
        The typed details from the last refresh.

    Examples
    --------
    >>> job = TrainingJob(session, job_id="182626", version_id=278813)   # doctest: +SKIP
    >>> job.refresh()                                                     # doctest: +SKIP
    <JobState.RUNNING: 8>
    """

    def __init__(
        self,
        session: Any,
        job_id: Any,
        version_id: Any,
        job_name: Optional[str] = None,
        *,
        status: Any = None,
        create_time: Optional[int] = None,
        duration: Optional[int] = None,
    ) -> None:
        super().__init__(check_session(session), job_id)
        self.version_id: str = check_id(version_id, "version_id")
        self.job_name: Optional[str] = job_name
        self.create_time = create_time
        self.duration = duration
        self.info: Optional[JobInfo] = None
        self._status = JobState.UNKNOWN if status is None else JobState.parse(status)
        self._lock = threading.Lock()

    @classmethod
    def from_created(cls, session: Any, created: JobCreated) -> "TrainingJob":
        """The job described by a create (or create-version) answer."""
        return cls(session, created.job_id, created.version_id, created.job_name or None,
                   status=created.status, create_time=created.create_time)  # fmt: skip

    # -- state -----------------------------------------------------------------------------
    @property
    def status(self) -> JobState:
        """The :class:`~modelarts.states.JobState` seen by the last refresh."""
        return self._status

    def _absorb(self, body: Dict[str, Any]) -> JobInfo:
        from modelarts.models import JobInfo

        info = JobInfo.from_api(body)
        with self._lock:
            self.info = info
            self._status = info.status
            self.job_name = info.job_name or self.job_name
            self.create_time = info.create_time if info.create_time is not None else self.create_time
            self.duration = info.duration
        return info

    def refresh(self) -> JobState:
        """Fetch the version's details; return (and remember) its status."""
        return self._absorb(_api.get_version(self.session, self.job_id, self.version_id)).status

    def last_log_lines(self, lines: int = 20) -> List[str]:
        """The newest ``lines`` (1-500) of every log file, oldest first; ``[]`` if there is no log yet.

        With several files (distributed jobs) each line is prefixed ``[file]``.
        """
        count = check_int(lines, "lines", 1, rules.LOG_LINES.high)  # before anything is sent
        try:
            files = list(_api.log_file_names(self.session, self.job_id, self.version_id).get("log_file_list") or [])
        except APIError as err:
            if err.error_code in LOG_NOT_READY:
                return []
            raise
        out: List[str] = []
        for name in files:
            try:
                chunk = _api.aom_log(self.session, self.job_id, self.version_id, log_query(name, -1, -count))
            except APIError as err:
                if err.error_code in LOG_NOT_READY:
                    continue
                raise
            prefix = f"[{name}] " if len(files) > 1 else ""
            out.extend(prefix + line for line in str(chunk.get("content") or "").splitlines())
        return out

    def _failure(self, final: JobState) -> JobFailedError:
        """The error for a job that ended ``final``, with its exit code and last log lines."""
        try:
            tail = self.last_log_lines(20)
        except Exception as err:  # noqa: BLE001 - the reason is best effort; the failure itself is not
            log.warning("could not read the last log lines of %s: %s", self._label(), err)
            tail = []
        code = exit_code_in(tail)
        error = JobFailedError(f"{self._label()} ended {final.name}", status=final, exit_code=code, log_tail=tail)
        message = f"{self._label()} ended {final.name}: {error.reason}"
        if tail:
            message += "\nlast log lines:\n" + "\n".join("  " + line for line in tail[-10:])
        error.args = (message,)
        return error

    def _log_reader(self) -> Callable[[], List[str]]:
        def files() -> List[str]:
            return list(_api.log_file_names(self.session, self.job_id, self.version_id).get("log_file_list") or [])

        follower = LogFollower(files, lambda query: _api.aom_log(self.session, self.job_id, self.version_id, query))

        def read() -> List[str]:
            try:
                return follower.poll()
            except APIError as err:  # logs are best effort: never abort a wait for them
                log.warning("could not read the logs of %s: %s", self._label(), err)
                return []

        return read

    # -- lifecycle ---------------------------------------------------------------------------
    @_api.documented
    def stop(
        self, wait: bool = False, timeout: Optional[float] = None, *, poll: Optional[float] = None
    ) -> Dict[str, Any]:
        """Stop this version (``POST …/stop``), then poll; a no-op if it has already ended.

        Returns the documented ``{"is_success": True}`` plus ``"status"``, the
        :class:`JobState` after the call (terminal when ``wait=True``).

        Raises
        ------
        WaitTimeoutError
            ``wait=True`` and the job was not terminal after ``timeout`` seconds.
        """
        check_wait(timeout, self.poll_interval if poll is None else poll)  # before the stop is sent
        state = _lifecycle.stop_version(self.session, self.job_id, self.version_id, refresh=self.refresh)
        if wait and (state is None or not state.is_terminal):
            state = self._wait_stopped(timeout, poll)
        return {"is_success": True, "status": self.refresh() if state is None else state}

    def stop_job_version(self) -> Dict[str, Any]:
        """Documented name of :meth:`stop` (page modelarts_04_0171)."""
        return self.stop()

    @_api.documented
    def delete_job_version(self) -> Dict[str, Any]:
        """Delete this version (``DELETE …/versions/{version_id}``)."""
        return _lifecycle.delete_version(self.session, self.job_id, self.version_id)

    # -- documented reads and updates ------------------------------------------------------------
    @_api.documented
    def get_job_info(self) -> Dict[str, Any]:
        """The version's details (page modelarts_04_0161); also refreshes :attr:`status`."""
        body = _api.get_version(self.session, self.job_id, self.version_id)
        self._absorb(body)
        return body

    @_api.documented
    def get_job_log_file_list(self) -> Dict[str, Any]:
        """``{"is_success": True, "log_file_list": [...]}``: one file per worker."""
        return _api.log_file_names(self.session, self.job_id, self.version_id)

    @_api.documented
    def get_job_log(
        self,
        log_file: str,
        start_byte: int = 0,
        offset: int = 2048,
        *,
        base_line: Optional[str] = None,
        lines: Optional[int] = None,
        order: Optional[str] = None,
    ) -> Dict[str, Any]:
        """A slice of ``log_file``: ``content``, ``lines``, ``start_line``, ``end_line``.

        The documented ``start_byte``/``offset`` map onto the line-based
        ``aom-log`` API (see :mod:`modelarts._logs`); ``base_line``, ``lines``
        and ``order`` pass through as SDK 1.1.7 sends them.

        >>> job.get_job_log(log_file="job-demo.0")["content"]   # doctest: +SKIP
        """
        query = log_query(log_file, start_byte, offset, base_line=base_line, lines=lines, order=order)
        return _api.aom_log(self.session, self.job_id, self.version_id, query)

    def create_job_version(
        self,
        job_id: Any = None,
        pre_version_id: Any = None,
        inputs: Optional[str] = None,
        dataset_id: Optional[str] = None,
        dataset_version_id: Optional[str] = None,
        data_source: Any = None,
        wait: bool = False,
        job_desc: Optional[str] = None,
    ) -> Any:
        """A new version with this version's configuration, optionally new data.

        Without a data source the previous one is reused.  Returns the new
        :class:`TrainingJob` (or the failure dict in ``errors="return"`` mode).
        """
        if job_id is not None and check_id(job_id, "job_id") != self.job_id:
            raise ValueError(f"job_id {job_id!r} is not this job's id {self.job_id!r}")
        pre = self.version_id if pre_version_id is None else check_id(pre_version_id, "pre_version_id")
        given = (inputs, dataset_id, dataset_version_id, data_source)
        data = check_data_source(*given) if any(v is not None for v in given) else None
        check_description(job_desc, "job_desc")

        def config() -> Dict[str, Any]:
            return config_from_version(_api.get_version(self.session, self.job_id, pre), data)

        return self._new_version(self.session, self.job_id, pre, config, job_desc, wait)

    @classmethod
    def _new_version(
        cls, session: Any, job_id: str, pre_version_id: str, config: Callable[[], Dict[str, Any]],
        job_desc: Optional[str], wait: bool = False,
    ) -> Any:  # fmt: skip
        """POST a version built from ``config()``; the new job, or the failure dict (``errors="return"``)."""

        def create() -> TrainingJob:
            return cls.from_created(session, _lifecycle.create_version(session, job_id, pre_version_id, config, job_desc))

        job = _api.guarded(session, create)
        if wait and not isinstance(job, dict):
            job.follow()
        return job

    def get_job_version_object_list(self, is_show: bool = True) -> Any:
        """Every version of this job as a ``TrainingJob``, newest first; ``is_show`` prints a table."""
        return self._versions_of(self.session, self.job_id, is_show)

    @classmethod
    def _versions_of(cls, session: Any, job_id: str, is_show: bool = True) -> Any:
        """Every version of ``job_id`` as a ``TrainingJob``, newest first; ``is_show`` prints a table."""
        from modelarts.models import JobVersionList

        def versions() -> List[TrainingJob]:
            listing = JobVersionList.from_api(_api.list_versions(session, job_id))
            jobs = []
            for info in listing.versions:
                job = cls(session, job_id, info.version_id, info.job_name or listing.job_name, status=info.status,
                          create_time=info.create_time, duration=info.duration)  # fmt: skip
                job.info = info
                jobs.append(job)
                if is_show:
                    print(f"{info.version_name or '-':>6}  version_id={info.version_id:<8} {info.status.name:<12}"
                          f" duration={format_elapsed((info.duration or 0) / 1000)}")  # fmt: skip
            return jobs

        return _api.guarded(session, versions)

    # -- display ---------------------------------------------------------------------------------
    def _label(self) -> str:
        return f"job {self.job_name or self.job_id} (id {self.job_id}, version {self.version_id})"

    def _text(self) -> str:
        return (
            f"TrainingJob(name={self.job_name!r}, job_id={self.job_id!r}, "
            f"version_id={self.version_id!r}, status={self.status.name})"
        )

    def __repr__(self) -> str:
        return self._text()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Dict[str, Any]:
        """The :class:`modelarts.widgets.JobControls` widget, with a stable ``text/plain``."""
        from modelarts.display import display_bundle

        return display_bundle(self, self._text(), include, exclude)
