"""Training-job status codes, shared by the SDK and the local service.

The codes are the documented v1 ``status`` integers (API page modelarts_03_0074,
SDK page modelarts_04_0077).  The documentation spells them ``JOBSTAT_RUNNING``
and so on; ``JobState.RUNNING.api_name`` gives that spelling back.

Which states are *terminal* follows what public ModelArts code treats as
"keep waiting" (0, 1, 2, 4, 7, 8, 9, 15, 18, 19, 20): everything else is final.
``KILLING`` is in flight, never final, so a waiter never stops on it.
"""

from __future__ import annotations

import enum
from typing import Dict, FrozenSet, Mapping, Union

__all__ = ["JobState", "TRANSITIONS", "FAILED_TO_CREATE", "PHASES", "SECONDARY_PHASES", "phase_of", "state_of_phase"]


class JobState(enum.IntEnum):
    """A v1 training-job status code."""

    UNKNOWN = 0
    INIT = 1
    IMAGE_CREATING = 2
    IMAGE_FAILED = 3
    SUBMIT_TRYING = 4
    SUBMIT_FAILED = 5
    DELETE_FAILED = 6
    WAITING = 7
    RUNNING = 8
    KILLING = 9
    COMPLETED = 10
    FAILED = 11
    KILLED = 12
    CANCELED = 13
    LOST = 14
    SCALING = 15
    SUBMIT_MODEL_FAILED = 16
    DEPLOY_SERVICE_FAILED = 17
    CHECK_INIT = 18
    CHECK_RUNNING = 19
    CHECK_RUNNING_COMPLETED = 20
    CHECK_FAILED = 21
    MOUNT_FAILED = 22

    @classmethod
    def parse(cls, value: Union["JobState", int, str]) -> "JobState":
        """Accept a code (``8``, ``"8"``), a name (``"RUNNING"``) or the documented
        name (``"JOBSTAT_RUNNING"``); raise ``ValueError`` for anything else."""
        if isinstance(value, cls):
            return value
        if isinstance(value, bool):
            raise ValueError(f"not a job status: {value!r}")
        if isinstance(value, int):
            try:
                return cls(value)
            except ValueError:
                raise ValueError(f"unknown job status code: {value!r}") from None
        if isinstance(value, str):
            text = value.strip()
            if text.isdigit():
                return cls.parse(int(text))
            name = text.upper()
            if name.startswith("JOBSTAT_"):
                name = name[len("JOBSTAT_"):]
            try:
                return cls[name]
            except KeyError:
                raise ValueError(f"unknown job status: {value!r}") from None
        raise ValueError(f"not a job status: {value!r}")

    @property
    def api_name(self) -> str:
        """The name the documentation prints, e.g. ``JOBSTAT_RUNNING``."""
        return self.name if self is JobState.MOUNT_FAILED else f"JOBSTAT_{self.name}"

    @property
    def is_terminal(self) -> bool:
        """The job will not change state again by itself."""
        return self not in _IN_PROGRESS

    @property
    def is_success(self) -> bool:
        return self is JobState.COMPLETED

    @property
    def is_stopped(self) -> bool:
        """Ended because somebody stopped it (KILLED or CANCELED)."""
        return self in (JobState.KILLED, JobState.CANCELED)

    @property
    def is_failure(self) -> bool:
        """Terminal, and neither completed nor stopped by a user."""
        return self.is_terminal and not self.is_success and not self.is_stopped

    @property
    def can_stop(self) -> bool:
        """A stop request is accepted in this state (409 ``ModelArts.2796`` otherwise)."""
        return self in _STOPPABLE

    @property
    def can_delete(self) -> bool:
        """The job may be deleted without stopping it first."""
        return self.is_terminal

    def __str__(self) -> str:
        return self.name


_IN_PROGRESS: FrozenSet[JobState] = frozenset(
    {
        JobState.UNKNOWN,
        JobState.INIT,
        JobState.IMAGE_CREATING,
        JobState.SUBMIT_TRYING,
        JobState.WAITING,
        JobState.RUNNING,
        JobState.KILLING,
        JobState.SCALING,
        JobState.CHECK_INIT,
        JobState.CHECK_RUNNING,
        JobState.CHECK_RUNNING_COMPLETED,
    }
)

_STOPPABLE: FrozenSet[JobState] = _IN_PROGRESS - {JobState.KILLING, JobState.UNKNOWN}

#: The documented "failed to create" filter set (SDK page 0160).
FAILED_TO_CREATE: FrozenSet[JobState] = frozenset(
    {JobState.IMAGE_FAILED, JobState.SUBMIT_FAILED, JobState.DELETE_FAILED, JobState.CANCELED}
)

_S = JobState
#: The transitions the local service makes.  A stop of a queued job cancels it;
#: a stop of a running one goes through KILLING.
TRANSITIONS: Mapping[JobState, FrozenSet[JobState]] = {
    _S.INIT: frozenset({_S.WAITING, _S.CANCELED, _S.SUBMIT_FAILED}),
    _S.WAITING: frozenset({_S.RUNNING, _S.CANCELED, _S.SUBMIT_FAILED}),
    _S.RUNNING: frozenset({_S.COMPLETED, _S.FAILED, _S.KILLING, _S.LOST}),
    _S.KILLING: frozenset({_S.KILLED, _S.COMPLETED, _S.FAILED}),
}


# -- the v2 training API's phases ---------------------------------------------------------------
#
# The v2 API (``/v2/{project_id}/training-jobs``, page "Querying the Details About a
# Training Job") reports ``status.phase`` (Creating, Pending, Running, Failed,
# Completed, Terminating, Terminated, Abnormal) and a finer ``status.secondary_phase``.
# One table maps every ``JobState`` onto that pair; the reverse direction picks one
# canonical ``JobState`` per pair, so state -> pair -> state keeps every property
# (terminal, stoppable, success, stopped, failure) and pair -> state -> pair is exact.

#: The documented ``status.phase`` values.
PHASES = ("Creating", "Pending", "Running", "Failed", "Completed", "Terminating", "Terminated", "Abnormal")
#: The ``status.secondary_phase`` values this mapping uses.
SECONDARY_PHASES = (
    "Creating", "Queuing", "Running", "Failed", "Completed", "Terminating", "Terminated",
    "CreateFailed", "TerminatedFailed", "Unknown", "Lost",
)  # fmt: skip

_PHASE: Mapping[JobState, "tuple[str, str]"] = {
    _S.UNKNOWN: ("Abnormal", "Unknown"),
    _S.INIT: ("Creating", "Creating"),
    _S.IMAGE_CREATING: ("Creating", "Creating"),
    _S.IMAGE_FAILED: ("Failed", "CreateFailed"),
    _S.SUBMIT_TRYING: ("Creating", "Creating"),
    _S.SUBMIT_FAILED: ("Failed", "CreateFailed"),
    _S.DELETE_FAILED: ("Abnormal", "TerminatedFailed"),
    _S.WAITING: ("Pending", "Queuing"),
    _S.RUNNING: ("Running", "Running"),
    _S.KILLING: ("Terminating", "Terminating"),
    _S.COMPLETED: ("Completed", "Completed"),
    _S.FAILED: ("Failed", "Failed"),
    _S.KILLED: ("Terminated", "Terminated"),
    _S.CANCELED: ("Terminated", "Terminated"),
    _S.LOST: ("Abnormal", "Lost"),
    _S.SCALING: ("Running", "Running"),
    _S.SUBMIT_MODEL_FAILED: ("Failed", "CreateFailed"),
    _S.DEPLOY_SERVICE_FAILED: ("Failed", "CreateFailed"),
    _S.CHECK_INIT: ("Creating", "Creating"),
    _S.CHECK_RUNNING: ("Running", "Running"),
    _S.CHECK_RUNNING_COMPLETED: ("Running", "Running"),
    _S.CHECK_FAILED: ("Failed", "CreateFailed"),
    _S.MOUNT_FAILED: ("Failed", "CreateFailed"),
}

#: pair -> the canonical state for it: the first state of the enum that maps there,
#: except that a failed launch reads back as the state the local service records.
_CANONICAL: Dict["tuple[str, str]", JobState] = {}
for _state in JobState:
    _CANONICAL.setdefault(_PHASE[_state], _state)
_CANONICAL[("Failed", "CreateFailed")] = _S.SUBMIT_FAILED
#: phase alone -> the canonical state of its most common pair.
_BY_PHASE: Mapping[str, JobState] = {
    "Creating": _S.INIT, "Pending": _S.WAITING, "Running": _S.RUNNING, "Failed": _S.FAILED,
    "Completed": _S.COMPLETED, "Terminating": _S.KILLING, "Terminated": _S.KILLED, "Abnormal": _S.LOST,
}  # fmt: skip


def phase_of(state: Union[JobState, int, str]) -> "tuple[str, str]":
    """The v2 ``(phase, secondary_phase)`` of a ``JobState``.

    >>> phase_of(JobState.KILLING)
    ('Terminating', 'Terminating')
    """
    return _PHASE[JobState.parse(state)]


def state_of_phase(phase: str, secondary_phase: "str | None" = None) -> JobState:
    """The ``JobState`` a v2 ``phase`` (and ``secondary_phase``) stands for.

    An unknown secondary phase falls back to the phase alone; an unknown phase
    raises ``ValueError``.

    >>> state_of_phase("Terminated")
    <JobState.KILLED: 12>
    >>> state_of_phase("Failed", "CreateFailed")
    <JobState.SUBMIT_FAILED: 5>
    """
    if not isinstance(phase, str) or phase not in _BY_PHASE:
        raise ValueError(f"unknown training job phase: {phase!r}")
    if secondary_phase is not None:
        found = _CANONICAL.get((phase, secondary_phase))
        if found is not None:
            return found
    return _BY_PHASE[phase]
