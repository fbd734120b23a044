"""Timing primitives: summary statistics, interleaved A/B rounds, machine facts.

Every comparison in these benchmarks is a ratio measured *within one run*:
the compared variants are timed in alternating order, round after round, so a
neighbour's burst of CPU load hits both sides alike.  Absolute numbers on a
shared machine are noise; the per-round ratios are the figures.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
from typing import Callable, Dict, List, Mapping, Sequence

import attrs

clock = time.perf_counter


@attrs.frozen
class Stats:
    """Summary of repeated samples (seconds, ratios or counts alike)."""

    n: int
    min: float
    median: float
    max: float
    p99: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> "Stats":
        if not samples:
            raise ValueError("no samples")
        ordered = sorted(samples)
        return cls(len(ordered), ordered[0], statistics.median(ordered), ordered[-1], percentile(ordered, 99))

    def render(self, unit: Callable[[float], str]) -> str:
        return f"median {unit(self.median)} (min {unit(self.min)}, max {unit(self.max)}, n={self.n})"


def percentile(ordered: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.3f} s"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs"


def ratio(value: float) -> str:
    return f"{value:.2f}×"


def per_second(value: float) -> str:
    return f"{value:,.0f}/s"


def interleaved(
    variants: Mapping[str, Callable[[], object]],
    rounds: int,
    calls: int,
    pick: Callable[[List[float]], float] = statistics.median,
) -> Dict[str, List[float]]:
    """Per-call seconds of each variant, one sample (``pick`` of ``calls`` calls) per round.

    Within a round the variants take turns call by call, the order flipping
    every turn, so a burst of load from elsewhere lands on all of them alike
    and the per-round ratios stay meaningful on a busy machine; the median
    (or, for pure CPU work, the minimum, as ``timeit`` advises) keeps a call
    that lost its core for a while from swaying a round.  Garbage
    collection is off inside a round and runs between rounds.
    """
    names = list(variants)
    samples: Dict[str, List[float]] = {name: [] for name in names}
    enabled = gc.isenabled()
    try:
        for _ in range(rounds):
            spent: Dict[str, List[float]] = {name: [] for name in names}
            gc.collect()
            gc.disable()
            for turn in range(calls):
                for name in names if turn % 2 == 0 else reversed(names):
                    start = clock()
                    variants[name]()
                    spent[name].append(clock() - start)
            gc.enable()
            for name in names:
                samples[name].append(pick(spent[name]))
    finally:
        if enabled:
            gc.enable()
    return samples


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> List[float]:
    """Round-by-round ratios of two interleaved sample lists."""
    return [a / b for a, b in zip(numerators, denominators)]


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> Dict[str, str]:
    """The facts RESULTS.md records about where it was produced."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 0
    try:
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        load = "unknown"
    return {
        "CPU": f"{cpu_model()} ({usable} usable cores of {os.cpu_count()})",
        "Python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "OS": platform.platform(),
        "Load average at start (1/5/15 min)": load,
    }
