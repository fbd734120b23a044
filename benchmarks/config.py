"""How hard to try: full runs for RESULTS.md, quick runs so CI keeps the scripts alive."""

from __future__ import annotations

import cProfile
import io
import pstats
from typing import Callable

import attrs


@attrs.frozen
class Config:
    quick: bool = False

    @property
    def rounds(self) -> int:
        """Interleaved rounds per comparison (each one a min/median/max sample)."""
        return 3 if self.quick else 15

    def scale(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def profile(self, fn: Callable[[], object], repeat: int = 0, top: int = 14) -> str:
        """The top of a cProfile of ``fn`` (run ``repeat`` times), by own time."""
        repeat = repeat or self.scale(20, 2)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeat):
            fn()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime")
        stats.print_stats(top)
        text = out.getvalue()
        start = text.find("   ncalls")
        return text[start:] if start >= 0 else text
