"""Pure formatting used by the widgets: badges, times, headers, errors."""

from __future__ import annotations

import pytest

from modelarts.exceptions import ConflictError, ConnectionError
from modelarts.states import JobState
from modelarts.widgets import render


@pytest.mark.parametrize(
    "state, colour",
    [
        (JobState.COMPLETED, "#2e7d32"),
        (JobState.FAILED, "#c62828"),
        (JobState.KILLED, "#616161"),
        (JobState.KILLING, "#e65100"),
        (JobState.RUNNING, "#1565c0"),
        (JobState.WAITING, "#b26a00"),
        (None, "#616161"),
        (render.DELETED, "#616161"),
    ],
)
def test_state_colour(state, colour):
    """Each family of states has its own badge colour."""
    assert render.state_colour(state) == colour


def test_badge_names_the_state_and_escapes():
    """The badge shows the state's name; odd text is escaped."""
    assert ">RUNNING<" in render.badge_html(JobState.RUNNING)
    assert "<script>" not in render.badge_html("<script>")
    assert "…" in render.badge_html(None)


def test_header_escapes_user_text():
    """Job names come from users and must not inject HTML."""
    text = render.header_html("<img src=x onerror=alert(1)>", "12", "v&1")
    assert "<img" not in text
    assert "&lt;img" in text and "v&amp;1" in text


@pytest.mark.parametrize("value", [8, "8", "RUNNING", "JOBSTAT_RUNNING", JobState.RUNNING])
def test_parse_state_accepts_codes_and_names(value):
    """Codes, names and documented names all parse."""
    assert render.parse_state(value) is JobState.RUNNING


@pytest.mark.parametrize("value", [None, "nonsense", 999])
def test_parse_state_unknown_is_none(value):
    """Anything else gives None instead of raising."""
    assert render.parse_state(value) is None


def test_elapsed_uses_duration_once_terminal():
    """A finished job shows the service's duration; a running one counts from creation."""
    assert render.elapsed_ms(1_000, 5_000, terminal=True, now=100.0) == 5_000
    assert render.elapsed_ms(1_000, 5_000, terminal=False, now=100.0) == 99_000
    assert render.elapsed_ms(None, 7, terminal=False) == 7
    assert render.elapsed_ms(None, None, terminal=False) is None
    assert render.elapsed_ms(10**15, None, terminal=False, now=1.0) == 0.0


@pytest.mark.parametrize(
    "ms, text",
    [(None, "-"), (0, "0:00:00"), (59_999, "0:00:59"), (3_723_000, "1:02:03"), (90_061_000, "1d 1:01:01")],
)
def test_format_duration(ms, text):
    """Durations print as H:MM:SS, with days when needed."""
    assert render.format_duration(ms) == text


def test_format_timestamp():
    """Epoch milliseconds print as a local date; missing or absurd values as a dash."""
    assert render.format_timestamp(None) == "-"
    assert render.format_timestamp(0) == "-"
    assert render.format_timestamp(1e30) == "-"
    assert len(render.format_timestamp(1_700_000_000_000)) == 19


def test_format_error_shows_type_code_and_message():
    """API errors show their code, message and HTTP status; others their type."""
    err = ConflictError(409, "ModelArts.2796", "job is not running")
    assert render.format_error(err, "Stop x") == (
        "Stop x failed: ConflictError ModelArts.2796: job is not running (HTTP 409)"
    )
    assert render.format_error(ConnectionError("refused")) == "ConnectionError: refused"
    assert render.format_error(RuntimeError()) == "RuntimeError: RuntimeError()"
