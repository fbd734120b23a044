"""The wait loop, progress displays, ``get_job_log`` mapping and the log follower."""

from __future__ import annotations

import io
from typing import Any, Dict, List, Mapping

import pytest

from modelarts import rules
from modelarts._logs import LogFollower, log_query
from modelarts._wait import Progress, TextProgress, WidgetProgress, format_elapsed, make_progress, poll_until_terminal
from modelarts.exceptions import BadRequestError, WaitTimeoutError
from modelarts.states import JobState

S = JobState


class TestPollUntilTerminal:
    def test_deadline_is_checked_once_more_after_the_last_sleep(self) -> None:
        now = [0.0]
        seen: List[JobState] = []
        states = iter([S.WAITING, S.RUNNING, S.COMPLETED])

        def sleep(s: float) -> None:
            now[0] += s

        state = poll_until_terminal(lambda: next(states), timeout=10, poll=5, sleep=sleep, clock=lambda: now[0],
                                    on_update=lambda st, el: seen.append(st))  # fmt: skip
        assert state is S.COMPLETED and seen == [S.WAITING, S.RUNNING, S.COMPLETED]

    def test_zero_timeout_checks_once(self) -> None:
        with pytest.raises(WaitTimeoutError, match="still RUNNING") as info:
            poll_until_terminal(lambda: S.RUNNING, timeout=0, poll=1, sleep=lambda s: None, clock=lambda: 0.0)
        assert info.value.last_status is S.RUNNING

    def test_refresh_errors_propagate(self) -> None:
        def refresh() -> JobState:
            raise BadRequestError(400, "ModelArts.2775", "gone")

        with pytest.raises(BadRequestError):
            poll_until_terminal(refresh, poll=1)


@pytest.mark.parametrize("seconds, text", [(0, "0s"), (59.9, "59s"), (75.2, "1m15s"), (3700, "1h01m40s"), (-3, "0s")])
def test_format_elapsed(seconds: float, text: str) -> None:
    assert format_elapsed(seconds) == text


class TestProgress:
    def test_text_prints_status_changes_only(self) -> None:
        stream = io.StringIO()
        names = iter(["job 1", "job demo", "job demo"])
        progress = TextProgress(lambda: next(names), stream)
        progress.update(S.RUNNING, 1)
        progress.update(S.RUNNING, 2)
        progress.update(S.KILLED, 3)
        progress.close(S.KILLED, 3)
        assert stream.getvalue().splitlines() == ["[      1s] job 1: RUNNING", "[      3s] job demo: KILLED",
                                                  "job demo ended KILLED after 3s"]  # fmt: skip

    def test_modes(self, monkeypatch: pytest.MonkeyPatch) -> None:
        assert type(make_progress("x", False)) is Progress and type(make_progress("x", None)) is Progress
        assert isinstance(make_progress("x", "text"), TextProgress)
        assert isinstance(make_progress("x", "auto"), TextProgress)  # not in a kernel
        with pytest.raises(ValueError):
            make_progress("x", "fancy")

    def test_widget_bar(self, capsys: pytest.CaptureFixture[str]) -> None:
        pytest.importorskip("ipywidgets")
        bar = make_progress("job demo", "widget")
        assert isinstance(bar, WidgetProgress)
        bar.update(S.RUNNING, 12)
        assert 0 < bar.bar.value < 1 and "RUNNING" in bar.text.value and "12s" in bar.text.value
        bar.log(["epoch 1"])
        bar.close(S.KILLED, 20)
        assert bar.bar.value == 1 and bar.bar.bar_style == "warning"
        bar.close(S.FAILED, 20)
        assert bar.bar.bar_style == "danger"
        bar.close(S.COMPLETED, 20)
        assert bar.bar.bar_style == "success"
        assert "epoch 1" in capsys.readouterr().out


class TestLogQuery:
    @pytest.mark.parametrize(
        "args, expected",
        [
            ({}, {"base_line": "0", "lines": 500, "order": "desc"}),
            ({"start_byte": 120, "offset": 30}, {"base_line": "120", "lines": 30, "order": "desc"}),
            ({"start_byte": -1, "offset": -2048}, {"base_line": "", "lines": 500, "order": "asc"}),
            ({"start_byte": -1, "offset": 0}, {"base_line": "", "lines": 0, "order": "desc"}),
            ({"base_line": "1551252759254000002"}, {"base_line": "1551252759254000002", "lines": 50, "order": "desc"}),
            ({"lines": 10, "order": "asc"}, {"base_line": "", "lines": 10, "order": "asc"}),
        ],
    )
    def test_mapping(self, args: Dict[str, Any], expected: Dict[str, Any]) -> None:
        assert log_query("job.0", **args) == {"log_file": "job.0", **expected}

    @pytest.mark.parametrize(
        "args",
        [{"log_file": ""}, {"log_file": None}, {"log_file": "../x"}, {"start_byte": rules.LOG_START_BYTE.low - 1},
         {"offset": rules.LOG_OFFSET.high + 1}, {"offset": rules.LOG_OFFSET.low - 1}, {"lines": rules.LOG_LINES.high + 1},
         {"order": "up"}, {"base_line": 1.5}, {"base_line": True}],
    )  # fmt: skip
    def test_bad_arguments(self, args: Dict[str, Any]) -> None:
        with pytest.raises(ValueError):
            log_query(**{"log_file": "job.0", **args})


class FakeLog:
    """An ``aom-log`` over numbered lines; ``inclusive`` servers repeat the base line."""

    def __init__(self, lines: List[str], inclusive: bool = False) -> None:
        self.lines = lines
        self.inclusive = inclusive
        self.queries: List[Mapping[str, Any]] = []

    def __call__(self, query: Mapping[str, Any]) -> Dict[str, Any]:
        self.queries.append(dict(query))
        base = int(query["base_line"] or 0)
        start = max(base - 1, 0) if self.inclusive and base else base
        chunk = self.lines[start:start + int(query["lines"])]
        return {"content": "\n".join(chunk), "lines": len(chunk), "start_line": str(start + 1),
                "end_line": str(start + len(chunk))}  # fmt: skip


class TestLogFollower:
    @pytest.mark.parametrize("inclusive", [False, True])
    def test_only_new_lines(self, inclusive: bool) -> None:
        log = FakeLog(["a", "b"], inclusive)
        follower = LogFollower(lambda: ["job.0"], log, batch=2)
        assert follower.poll() == ["a", "b"]
        assert follower.poll() == []
        log.lines += ["c", "d", "e"]
        assert follower.poll() == ["c", "d", "e"]
        assert follower.poll() == []

    def test_several_files_are_prefixed(self) -> None:
        logs = {"w.0": FakeLog(["x"]), "w.1": FakeLog(["y"])}
        follower = LogFollower(lambda: ["w.0", "w.1"], lambda q: logs[q["log_file"]](q))
        assert follower.poll() == ["[w.0] x", "[w.1] y"]

    def test_log_not_ready_yet(self) -> None:
        def missing(*args: Any) -> Any:
            raise BadRequestError(400, "ModelArts.2818", "log not generated")

        assert LogFollower(missing, missing).poll() == []
        assert LogFollower(lambda: ["job.0"], missing).poll() == []

    def test_other_errors_propagate(self) -> None:
        def broken(*args: Any) -> Any:
            raise BadRequestError(400, "ModelArts.0104", "bad")

        with pytest.raises(BadRequestError):
            LogFollower(broken, broken).poll()

    def test_no_endless_loop_on_a_stuck_server(self) -> None:
        def stuck(query: Mapping[str, Any]) -> Dict[str, Any]:
            return {"content": "same\n" * 500, "lines": 500, "start_line": "7", "end_line": "7"}

        assert len(LogFollower(lambda: ["job.0"], stuck, max_batches=3).poll()) <= 1500
