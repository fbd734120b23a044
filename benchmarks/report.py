"""Figures and the Markdown report (``RESULTS.md``) they are written to."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Iterable, List, Mapping, Optional

import attrs

MET, MISSED, REPORTED, NOT_MEASURED, CRASHED = "met", "MISSED", "reported", "not measured", "CRASHED"


@attrs.define
class Figure:
    """One row of the issue's table, as measured.

    ``met`` is ``True``/``False`` against the target, or ``None`` when the row
    only reports a number.  ``details`` are extra lines (per-variant absolute
    times, per-concurrency rows); ``profile`` is the top of a profile, kept
    for figures that miss.
    """

    row: str
    compared_with: str
    target: str
    measured: str = ""
    met: Optional[bool] = None
    details: List[str] = attrs.Factory(list)
    profile: Optional[str] = None
    status_override: Optional[str] = None
    traceback: Optional[str] = None

    @property
    def status(self) -> str:
        if self.status_override:
            return self.status_override
        if self.met is None:
            return REPORTED
        return MET if self.met else MISSED

    @classmethod
    def failed(cls, row: str, compared_with: str, target: str, status: str, reason: str) -> "Figure":
        return cls(row, compared_with, target, measured=reason, status_override=status)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(
    figures: Iterable[Figure],
    machine: Mapping[str, str],
    command: str,
    quick: bool,
    elapsed: float,
    notes: Iterable[str] = (),
) -> str:
    figures = list(figures)
    when = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results" + (" (quick mode: few repeats, not for judging)" if quick else ""),
        "",
        f"Produced by `{command}` on {when}, in {elapsed:.1f} s.",
        "",
    ]
    lines += [f"- **{key}:** {value}" for key, value in machine.items()]
    lines += [
        "",
        "All figures come from this one run. The machine is shared with other work, so absolute times are",
        "noisy; comparisons are ratios of variants timed in alternating order within each round, and a target",
        "is judged on the median over the rounds (min and max shown beside it).",
        "",
        "| figure | compared with | target | measured | status |",
        "|---|---|---|---|---|",
    ]
    for fig in figures:
        status = f"**{fig.status}**" if fig.status in (MISSED, CRASHED) else fig.status
        cells = (fig.row, fig.compared_with, fig.target, fig.measured, status)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines.append("")
    for fig in figures:
        if not fig.details and not fig.profile and not fig.traceback:
            continue
        lines += [f"## {fig.row}", ""]
        lines += [f"- {line}" for line in fig.details]
        if fig.profile:
            lines += ["", "Where the time goes (top of the profile):", "", "```", fig.profile.rstrip(), "```"]
        if fig.traceback:
            lines += ["", "The benchmark crashed:", "", "```", fig.traceback.rstrip(), "```"]
        lines.append("")
    notes = list(notes)
    if notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in notes] + [""]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
