"""``JobControls``: live status plus Stop and Delete buttons for one training job.

Displaying a :class:`~modelarts.job.TrainingJob` shows this widget::

    my-job  id 1234  version 5678
    [RUNNING]  elapsed 0:03:12
    <why it failed, when it did: exit code and last log line>
    [Stop] [Delete]
    [Show log]  <the job's log, followed live while open>
    <output area: every result and error>

The badge is kept current by a :class:`~modelarts.widgets.refresher.Refresher`
thread.  Once the job has ended the refresher keeps going, backing off to one
poll every ``ended_interval`` seconds, so a widget learns when its job was
deleted (or stopped) elsewhere, e.g. by a later cell, and shows it: DELETED
badge, buttons disabled.  A click also checks first: Delete on a job that is
already gone says so instead of failing.  Every button can be driven from code
with ``.click()``, and :meth:`JobControls.join` waits for the work a click
started.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import ipywidgets as widgets

import html
import time

from modelarts._logs import exit_code_in
from modelarts.exceptions import APIError, JobFailedError, is_missing
from modelarts.protocols import ManagedJob
from modelarts.states import JobState
from modelarts.widgets.actions import ActionRunner, Reporter, checked
from modelarts.widgets.log_panel import LogPanel
from modelarts.widgets.parts import ConfirmDelete, StatusBadge, make_button
from modelarts.widgets.refresher import Poll, Refresher
from modelarts.widgets.style import ROOT_CLASS, stylesheet
from modelarts.widgets.render import (
    DELETED,
    elapsed_ms,
    format_duration,
    header_html,
    parse_state,
)

__all__ = ["JobControls"]

_OUTPUT_LAYOUT = {"max_height": "12em", "overflow": "auto"}


class JobControls(widgets.VBox):
    """Status, elapsed time, Stop and Delete for one training job.

    Parameters
    ----------
    job : ManagedJob
        A v1 ``TrainingJob`` or a v2 ``TrainingJobV2`` (:class:`modelarts.protocols.ManagedJob`):
        anything with ``job_name``, ``job_id``, ``version_id``, ``status``,
        ``create_time``, ``duration``, ``refresh()``,
        ``stop(wait=, timeout=, poll=)``, ``delete_job(force=)``, and for the
        log panel ``get_job_log_file_list()`` and
        ``get_job_log(log_file, base_line=, lines=, order=)``; with
        ``last_log_lines(n)`` too, a failure shows its reason.  The widget
        uses nothing else of the job.
    interval, max_interval : float
        The refresher's first and longest wait between polls, in seconds.
    ended_interval : float
        Once the job has ended, the refresher backs off to this wait (seconds)
        and keeps checking that the job still exists.
    watch_after_end : float
        How long (seconds) after the end it keeps checking; then its thread
        ends, so widgets nobody closes do not poll for ever.  A click on
        Delete still checks first.
    stop_timeout : float
        How long Stop (and a forced Delete) waits for the job to end.
    autostart : bool
        Start the refresher now (unless the job has already ended).

    Attributes
    ----------
    stop_button, delete_button, confirm_button, cancel_button : ipywidgets.Button
        Drive them with ``.click()``.  Stop is disabled once the job can no
        longer be stopped; Delete asks for confirmation first.
    status : ipywidgets.HTML
        The coloured status badge (DOM class ``modelarts-status``).
    state : JobState or None
        The state the badge shows.
    deleted : bool
        The job was deleted, through this widget or elsewhere.
    reason : ipywidgets.HTML
        Why the job failed (exit code, last log line), once it has.
    failure : JobFailedError or None
        The failure with its reason, once the job has failed.
    log_panel : LogPanel
        The collapsed log; ``log_panel.expand()`` (or its toggle) follows it live.
    output : ipywidgets.Output
        Every result and error appears here.
    refresher : Refresher
        The background poller; ends on a terminal state or :meth:`close`.

    Examples
    --------
    >>> controls = JobControls(job)          # doctest: +SKIP
    >>> controls.stop_button.click()         # doctest: +SKIP
    >>> controls.join(60); controls.state    # doctest: +SKIP
    <JobState.KILLED: 12>
    """

    def __init__(
        self,
        job: ManagedJob,
        *,
        interval: float = 1.0,
        max_interval: float = 10.0,
        ended_interval: float = 60.0,
        watch_after_end: float = 3600.0,
        stop_timeout: float = 600.0,
        autostart: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.stop_timeout = stop_timeout
        self.state: Optional[JobState] = parse_state(getattr(job, "status", None))
        self.deleted = False
        self.ended_interval = max(ended_interval, max_interval, interval)
        self.watch_after_end = watch_after_end
        self._ended_at: Optional[float] = None
        self.failure: Optional[JobFailedError] = None
        self._stopping = False

        self.header = widgets.HTML(header_html(job.job_name, job.job_id, job.version_id))
        self.status = StatusBadge(self.state)
        self.elapsed = widgets.Label()
        self.reason = widgets.HTML("")
        self.reason.add_class("modelarts-reason")
        self.stop_button = make_button("Stop", style="warning", icon="stop", tooltip=f"Stop {self.label}")
        self.stop_button.on_click(lambda _b: self.stop())
        self.deleter = ConfirmDelete(self._describe, self._delete_confirmed, check=self._still_there)
        self.delete_button = self.deleter.delete_button
        self.confirm_button = self.deleter.confirm_button
        self.cancel_button = self.deleter.cancel_button
        self.output = widgets.Output(layout=widgets.Layout(**_OUTPUT_LAYOUT))
        self.reporter = Reporter(self.output)
        self.actions = ActionRunner(self.reporter, name=f"modelarts-job-{job.job_id}")
        self.refresher = Refresher(
            self._poll,
            interval=interval,
            max_interval=max(max_interval, interval),
            on_error=self.reporter.poll_failed,
            name=f"modelarts-refresh-{job.job_id}",
        )
        self.log_panel = LogPanel(job, self.reporter, ended=lambda: self.done)
        self.add_class("modelarts-job-controls")
        self.add_class(ROOT_CLASS)
        self.children = (
            stylesheet(),
            self.header,
            widgets.HBox([self.status, self.elapsed]),
            self.reason,
            widgets.HBox([self.stop_button, self.deleter]),
            self.log_panel,
            self.output,
        )
        self._show_state(self.state)
        self._sync_buttons(force=True)
        if self.done:
            self.refresher.max_interval = self.ended_interval
        if autostart:
            self.refresher.start()

    # -- public actions ----------------------------------------------------

    @property
    def label(self) -> str:
        """``<name> (<id>)``, as the messages and the confirmation name the job."""
        return f"{self.job.job_name} ({self.job.job_id})"

    @property
    def done(self) -> bool:
        """The job has ended or was deleted; nothing will change any more."""
        return self.deleted or (self.state is not None and self.state.is_terminal)

    def stop(self, background: bool = True) -> None:
        """Stop the job and wait for it to end (what the Stop button does).

        Parameters
        ----------
        background : bool
            Run on a thread (the default) so the notebook stays responsive;
            use :meth:`join` to wait for it.
        """

        def work() -> str:
            poll = self.refresher.interval  # the job's default poll (5 s) would keep "Stopping…" up
            self._stopping = True
            try:
                checked(self.job.stop(wait=True, timeout=self.stop_timeout, poll=poll))
            except APIError as err:
                if not is_missing(err):
                    raise
                return self._gone()
            state = self._refresh_now()
            if state is not None and state.is_terminal and not state.is_stopped:
                return f"{self.label} had already ended: {state}"  # stop is a no-op then
            return f"Stopped {self.label}: {state}"

        self.actions.run(
            f"Stop {self.label}",
            work,
            buttons=[self.stop_button, self.delete_button, self.confirm_button],
            busy={self.stop_button: "Stopping…"},
            done=self._after_action,
            background=background,
        )
        self.refresher.wake()

    def delete(self, force: Optional[bool] = None, background: bool = True) -> None:
        """Delete the job without asking (what Confirm does).

        Parameters
        ----------
        force : bool, optional
            Stop a running job first; by default, whenever it has not ended.
        background : bool
            Run on a thread (the default); use :meth:`join` to wait for it.
        """
        force = self._describe()[1] if force is None else force

        def work() -> str:
            try:
                checked(self.job.delete_job(force=force))
            except APIError as err:
                if not is_missing(err):
                    raise
                return self._gone()
            self.deleted = True
            self.refresher.close()
            return f"Deleted {self.label}"

        self.actions.run(
            f"Delete {self.label}",
            work,
            buttons=[self.stop_button, self.delete_button],
            busy={self.delete_button: "Stopping and deleting…" if force else "Deleting…"},
            done=self._after_action,
            background=background,
        )

    def join(self, timeout: Optional[float] = None) -> bool:
        """Wait for the work started by clicks (not for the refresher).

        Returns
        -------
        bool
            ``True`` if no click's work is still running.
        """
        return self.actions.join(timeout)

    def close(self) -> None:
        """Stop the refresher and the log follower, then close the widget."""
        self.refresher.close()
        self.log_panel.close()
        super().close()

    def __repr__(self) -> str:
        state = DELETED if self.deleted else (self.state or "UNKNOWN")
        return f"JobControls(job_name={self.job.job_name!r}, job_id={self.job.job_id!r}, status={str(state)})"

    # -- internals -----------------------------------------------------------

    def _describe(self) -> Tuple[str, bool]:
        return self.label, self.state is None or not self.state.is_terminal

    def _delete_confirmed(self, force: bool) -> None:
        self.delete(force=force)

    def _refresh_now(self) -> Optional[JobState]:
        before = self.state
        state = parse_state(self.job.refresh())
        self._show_state(state)
        if state is not None and state != before and state.is_terminal:
            self._ended(state)
        if state is not None and state.is_failure and self.failure is None:
            self._show_failure(state)
        return state

    def _ended(self, state: JobState) -> None:
        """The job just reached ``state``: slow the refresher, say why it failed, tell the log panel."""
        self.refresher.max_interval = self.ended_interval
        self.log_panel.wake()
        if state.is_stopped and not self._stopping:
            self.reporter.info(f"{self.label} was stopped elsewhere: {state}")

    def _show_failure(self, state: JobState) -> None:
        self.failure = JobFailedError(f"{self.label} ended {state.name}", status=state)  # until the reason is read
        tail: List[str] = []
        reader = getattr(self.job, "last_log_lines", None)
        if callable(reader):
            try:
                tail = list(reader(20))
            except Exception as err:  # noqa: BLE001 - the reason is best effort
                self.reporter.error(err, "Reading why the job failed")
        self.failure = JobFailedError(f"{self.label} ended {state.name}", status=state,
                                      exit_code=exit_code_in(tail), log_tail=tail)  # fmt: skip
        self.reason.value = f"<b>{html.escape(state.name)}</b>: {html.escape(self.failure.reason)}"
        self.reporter.info(f"{self.label} ended {state.name}: {self.failure.reason}")

    def _gone(self) -> str:
        """The job no longer exists: show DELETED, disable the buttons, say so."""
        self.deleted = True
        self.refresher.close()
        self.log_panel.wake()
        return f"{self.label} no longer exists (deleted elsewhere)"

    def _still_there(self) -> bool:
        """Before asking to confirm a delete: is the job still there?  If not, say so."""
        try:
            self._refresh_now()
        except APIError as err:
            if not is_missing(err):
                return True  # let the delete itself report what is wrong
            self.reporter.info(self._gone())
            self._after_action()
            return False
        except Exception:  # noqa: BLE001 - a failed check must not block the user
            return True
        self._sync_buttons()
        return not self.deleted

    def _poll(self) -> Poll:
        if self.deleted:
            return Poll.DONE
        before = self.state
        try:
            state = self._refresh_now()
        except APIError as err:
            if not is_missing(err):
                raise
            if self.actions.busy:  # our own Delete is finishing; it reports itself
                return Poll.SAME
            self.reporter.info(self._gone())
            self._after_action()
            return Poll.DONE
        self.reporter.poll_succeeded()
        self._sync_buttons()
        if self.done:  # slowed down (ended_interval): only a deletion can still change, for a while
            self._ended_at = time.monotonic() if self._ended_at is None else self._ended_at
            return Poll.DONE if time.monotonic() - self._ended_at >= self.watch_after_end else Poll.SAME
        return Poll.SAME if state == before else Poll.CHANGED

    def _after_action(self) -> None:
        if self.deleted:
            self.status.show(DELETED)
        self._sync_buttons(force=True)

    def _show_state(self, state: Optional[JobState]) -> None:
        if state is not None:
            self.state = state
        if not self.deleted and self.status.state != self.state:
            self.status.show(self.state)
        terminal = self.state is not None and self.state.is_terminal
        ms = elapsed_ms(getattr(self.job, "create_time", None), getattr(self.job, "duration", None), terminal)
        self.elapsed.value = f"elapsed {format_duration(ms)}"

    def _sync_buttons(self, force: bool = False) -> None:
        """Enable the buttons the state allows; left alone while a click's work runs."""
        if self.actions.busy and not force:
            return
        can_stop = self.state is None or self.state.can_stop
        self.stop_button.disabled = self.deleted or not can_stop
        self.delete_button.disabled = self.deleted
        if self.deleted:
            self.deleter.cancel()
