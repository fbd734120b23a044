"""Row 3: a notebook's first cell in a fresh interpreter against ``import requests``.

The first cell of every notebook is ``from modelarts.session import Session;
from modelarts.estimator import Estimator`` (the SDK's documented entry
points), so that is what is timed; ``modelarts.session`` imports ``requests``,
so the comparison is the SDK's whole import against the HTTP library it is
built on.  Each sample is a new ``python`` process that times just its import
statements (interpreter start-up is the same for both and would only dilute the
ratio); the two alternate, and the ratio is taken round by round.  When the
figure misses, ``-X importtime`` shows which modules the extra time goes to.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

from benchmarks.report import NOT_MEASURED, Figure
from benchmarks.timing import Stats, clock, ms, ratio, ratios

ROW = "notebook's first cell: `from modelarts.session import Session; from modelarts.estimator import Estimator` (fresh process)"
COMPARED, TARGET, LIMIT = "`import requests`", "≤ 1.3×", 1.3
ROWS = [(ROW, COMPARED, TARGET)]
OURS = "from modelarts.session import Session; from modelarts.estimator import Estimator"
THEIRS = "import requests"
REPO = Path(__file__).resolve().parent.parent
_SNIPPET = "import time; t = time.perf_counter(); {0}; print(time.perf_counter() - t)"


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def time_import(statements: str) -> Tuple[float, float]:
    """(seconds inside the import statements, wall seconds of the whole process)."""
    start = clock()
    done = subprocess.run([sys.executable, "-c", _SNIPPET.format(statements)], cwd=REPO, env=_env(),
                          capture_output=True, text=True, timeout=60)
    wall = clock() - start
    if done.returncode != 0:
        raise ImportError(f"python -c '{statements}' failed: {done.stderr.strip().splitlines()[-1:]}")
    return float(done.stdout.strip()), wall


def import_profile(statements: str, baseline: str, top: int = 15) -> str:
    """Modules ``statements`` import beyond ``baseline``'s, by their own import time (``-X importtime``)."""

    def self_times(code: str) -> Dict[str, int]:
        done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=REPO, env=_env(),
                              capture_output=True, text=True, timeout=60)
        times = {}
        for line in done.stderr.splitlines():
            if line.startswith("import time:") and "|" in line and "self [us]" not in line:
                own, _cumulative, mod = line[len("import time:"):].split("|", 2)
                times[mod.strip()] = int(own)
        return times

    ours, base = self_times(statements), set(self_times(baseline))
    extra = sorted(((us, mod) for mod, us in ours.items() if mod not in base), reverse=True)
    total = sum(us for us, _ in extra)
    lines = [f"python -X importtime: {len(extra)} modules imported beyond `{baseline}`'s, "
             f"{total / 1000:.1f} ms of own import time; the largest:"]
    lines += [f"{us / 1000:8.2f} ms  {mod}" for us, mod in extra[:top]]
    return "\n".join(lines)


def run(cfg) -> List[Figure]:
    try:
        time_import(OURS), time_import(THEIRS)  # warm-up: writes .pyc files, loads the page cache
    except ImportError as exc:
        return [Figure.failed(ROW, COMPARED, TARGET, NOT_MEASURED, str(exc))]
    samples: Dict[str, List[Tuple[float, float]]] = {OURS: [], THEIRS: []}
    for index in range(cfg.scale(40, 4)):
        for code in (OURS, THEIRS) if index % 2 == 0 else (THEIRS, OURS):
            samples[code].append(time_import(code))
    inner = {m: [s[0] for s in v] for m, v in samples.items()}
    wall = {m: [s[1] for s in v] for m, v in samples.items()}
    slowdown = Stats.of(ratios(inner[OURS], inner[THEIRS]))
    fig = Figure(ROW, COMPARED, TARGET, measured=f"{ratio(slowdown.median)} (min {ratio(slowdown.min)}, "
                 f"max {ratio(slowdown.max)})", met=slowdown.median <= LIMIT)
    fig.details += [
        f"{len(inner[OURS])} fresh interpreters each, alternating; each times only the import statements",
        f"`{OURS}`: {Stats.of(inner[OURS]).render(ms)}",
        f"`{THEIRS}`: {Stats.of(inner[THEIRS]).render(ms)}",
        f"whole process (start-up included): {Stats.of(ratios(wall[OURS], wall[THEIRS])).render(ratio)}; "
        f"{Stats.of(wall[OURS]).render(ms)} against {Stats.of(wall[THEIRS]).render(ms)}",
    ]
    if not fig.met or not cfg.quick:
        fig.profile = import_profile(OURS, THEIRS)
    return [fig]
