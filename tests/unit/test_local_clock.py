"""The service's one clock: real time plus an offset that only grows, and App wiring it everywhere."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from modelarts.local.app import App, ServiceConfig
from modelarts.local.clock import OffsetClock


def test_offset_clock_follows_its_base_and_moves_forward() -> None:
    base = [1000.0]
    clock = OffsetClock(lambda: base[0])
    assert clock() == 1000.0 and clock.offset == 0.0
    assert clock.advance(30) == 1030.0
    base[0] = 1001.0
    assert clock() == 1031.0 and clock.offset == 30.0
    assert clock.advance(0) == 1031.0


@pytest.mark.parametrize("seconds", [-1, -0.001, math.inf, math.nan])
def test_offset_clock_refuses_to_go_back_or_to_infinity(seconds: float) -> None:
    clock = OffsetClock(lambda: 5.0)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(seconds)
    assert clock() == 5.0


def test_app_hands_its_one_clock_to_everything_time_dependent(tmp_path: Path) -> None:
    clock = OffsetClock()
    app = App(ServiceConfig(tmp_path, clock=clock))
    try:
        for part in (app.iam, app.gateway, app.store, app.runner, app.buckets):
            assert part.clock is clock, part
    finally:
        app.close()


def test_each_config_gets_its_own_clock(tmp_path: Path) -> None:
    first, second = ServiceConfig(tmp_path / "a"), ServiceConfig(tmp_path / "b")
    assert isinstance(first.clock, OffsetClock) and first.clock is not second.clock
