"""Pure formatting for the widgets: status badges, times, headers and errors.

Nothing here creates a widget or touches the network, so every function is easy
to test.  Every piece of job data that goes into HTML passes through
:func:`html.escape` here, because job names and descriptions come from users.
"""

from __future__ import annotations

import datetime as _dt
import html
import time
from typing import Any, Optional, Union

from modelarts.exceptions import APIError
from modelarts.states import JobState

__all__ = [
    "DELETED",
    "badge_html",
    "elapsed_ms",
    "format_duration",
    "format_error",
    "format_timestamp",
    "header_html",
    "parse_state",
    "state_colour",
]

#: The badge text shown once a job has been deleted (not a service state).
DELETED = "DELETED"

_GREEN = "#2e7d32"
_RED = "#c62828"
_GREY = "#616161"
_BLUE = "#1565c0"
_AMBER = "#b26a00"
_ORANGE = "#e65100"


def state_colour(state: Union[JobState, str, None]) -> str:
    """The badge colour for a state (a CSS colour).

    Parameters
    ----------
    state : JobState, str or None
        ``None`` (not yet known) and :data:`DELETED` are grey.

    Returns
    -------
    str
        Green for success, red for failures, grey for stopped, orange while
        stopping, blue while running and amber while queued or preparing.
    """
    if not isinstance(state, JobState):
        return _GREY
    if state.is_success:
        return _GREEN
    if state.is_stopped:
        return _GREY
    if state.is_failure:
        return _RED
    if state is JobState.KILLING:
        return _ORANGE
    if state is JobState.RUNNING:
        return _BLUE
    return _AMBER


def parse_state(value: Any) -> Optional[JobState]:
    """A :class:`JobState` from a code, a name or a state; ``None`` if unknown."""
    if value is None:
        return None
    try:
        return JobState.parse(value)
    except ValueError:
        return None


def badge_html(state: Union[JobState, str, None]) -> str:
    """The HTML of a status badge: the state's name on its colour.

    Examples
    --------
    >>> 'RUNNING' in badge_html(JobState.RUNNING)
    True
    """
    label = "…" if state is None else str(state)
    return (
        f'<span class="modelarts-badge" title="{html.escape(label)}" style="background:'
        f"{state_colour(state)};color:#fff;border-radius:4px;padding:2px 8px;"
        f'font-weight:600;font-family:monospace">{html.escape(label)}</span>'
    )


def header_html(job_name: Any, job_id: Any, version_id: Any) -> str:
    """Job name, id and version (none for a v2 job) as one escaped line of HTML."""
    version = "" if version_id is None else f" &nbsp;version <code>{html.escape(str(version_id))}</code>"
    return f"<b>{html.escape(str(job_name))}</b> &nbsp;id <code>{html.escape(str(job_id))}</code>{version}"


def elapsed_ms(
    create_time: Optional[float],
    duration: Optional[float],
    terminal: bool,
    now: Optional[float] = None,
) -> Optional[float]:
    """How long a job has run, in milliseconds.

    Parameters
    ----------
    create_time : float or None
        Creation time in epoch milliseconds.
    duration : float or None
        The service's duration in milliseconds; trusted once the job is
        terminal, or when there is no creation time.
    terminal : bool
        The job has ended.
    now : float, optional
        Epoch seconds; defaults to :func:`time.time`.

    Returns
    -------
    float or None
        ``None`` when neither time is known.
    """
    if duration is not None and (terminal or not create_time):
        return max(float(duration), 0.0)
    if create_time:
        now_s = time.time() if now is None else now
        return max(now_s * 1000.0 - float(create_time), 0.0)
    return None


def format_duration(ms: Optional[float]) -> str:
    """``H:MM:SS`` (or ``Dd H:MM:SS``) for a duration in milliseconds; ``-`` if unknown.

    Examples
    --------
    >>> format_duration(3_723_000)
    '1:02:03'
    """
    if ms is None:
        return "-"
    seconds = int(ms // 1000)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    text = f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{days}d {text}" if days else text


def format_timestamp(ms: Optional[float]) -> str:
    """Local ``YYYY-MM-DD HH:MM:SS`` for epoch milliseconds; ``-`` if unknown."""
    if not ms:
        return "-"
    try:
        return _dt.datetime.fromtimestamp(float(ms) / 1000.0).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return "-"


def format_error(err: BaseException, action: str = "") -> str:
    """One line naming the error's type, code and message.

    Parameters
    ----------
    err : BaseException
        An :class:`~modelarts.exceptions.APIError` shows its ``error_code``,
        ``error_msg`` and HTTP status; anything else its type and text.
    action : str
        What was being done, e.g. ``"Stop job-1"``; prefixed when given.

    Examples
    --------
    >>> from modelarts.exceptions import ConflictError
    >>> format_error(ConflictError(409, "ModelArts.2796", "not running"), "Stop")
    'Stop failed: ConflictError ModelArts.2796: not running (HTTP 409)'
    """
    if isinstance(err, APIError):
        text = f"{type(err).__name__} {err.error_code}: {err.error_msg}"
        text += f" (HTTP {err.status_code})" if err.status_code else ""
    else:
        detail = str(err) or repr(err)
        text = f"{type(err).__name__}: {detail}"
    return f"{action} failed: {text}" if action else text
