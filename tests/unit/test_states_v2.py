"""The one JobState <-> v2 (phase, secondary_phase) mapping, both ways."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelarts.states import PHASES, SECONDARY_PHASES, JobState, phase_of, state_of_phase

_PROPERTIES = ("is_terminal", "is_success", "is_stopped", "is_failure", "can_stop", "can_delete")
_PAIRS = sorted({phase_of(state) for state in JobState})


@given(st.sampled_from(list(JobState)))
def test_state_to_phase_and_back_keeps_every_property(state: JobState) -> None:
    phase, secondary = phase_of(state)
    assert phase in PHASES and secondary in SECONDARY_PHASES
    back = state_of_phase(phase, secondary)
    assert phase_of(back) == (phase, secondary)
    assert {name: getattr(back, name) for name in _PROPERTIES} == {name: getattr(state, name) for name in _PROPERTIES}


@pytest.mark.parametrize("pair", _PAIRS)
def test_phase_to_state_and_back_is_exact(pair: tuple) -> None:
    assert phase_of(state_of_phase(*pair)) == pair


def test_every_documented_phase_is_reachable_and_readable() -> None:
    assert {phase for phase, _ in _PAIRS} == set(PHASES)
    for phase in PHASES:
        assert phase_of(state_of_phase(phase))[0] == phase


def test_well_known_states() -> None:
    assert phase_of(JobState.RUNNING) == ("Running", "Running")
    assert phase_of(JobState.WAITING) == ("Pending", "Queuing")
    assert phase_of(JobState.KILLED) == ("Terminated", "Terminated")
    assert phase_of(8) == ("Running", "Running")
    assert state_of_phase("Terminating") is JobState.KILLING
    assert state_of_phase("Failed", "CreateFailed") is JobState.SUBMIT_FAILED
    assert state_of_phase("Completed", "NoSuchSecondary") is JobState.COMPLETED


@given(st.text(max_size=12).filter(lambda text: text not in PHASES))
def test_unknown_phase_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        state_of_phase(text)


def test_unknown_state_is_refused() -> None:
    with pytest.raises(ValueError):
        phase_of(99)
