"""The background poller: ends on DONE or close(), backs off, survives errors."""

from __future__ import annotations

import threading
import time

import pytest

from modelarts.widgets.refresher import Poll, Refresher


def _counting(outcomes):
    calls = []

    def poll():
        calls.append(time.monotonic())
        return outcomes[min(len(calls) - 1, len(outcomes) - 1)]

    return poll, calls


def test_thread_ends_when_poll_says_done():
    """DONE ends the daemon thread."""
    poll, calls = _counting([Poll.SAME, Poll.CHANGED, Poll.DONE])
    refresher = Refresher(poll, interval=0.01, max_interval=0.02).start()
    assert refresher.join(5)
    assert len(calls) == 3 and refresher.polls == 3
    assert not refresher.is_alive


def test_close_ends_the_thread_promptly():
    """close() wakes a long wait and ends the thread before the next poll."""
    poll, calls = _counting([Poll.SAME])
    refresher = Refresher(poll, interval=30, max_interval=60).start()
    assert refresher._thread.daemon
    time.sleep(0.05)
    started = time.monotonic()
    refresher.close()
    assert refresher.join(5)
    assert time.monotonic() - started < 2
    assert len(calls) == 1 and refresher.closed
    refresher.start()  # a closed refresher does not restart
    assert not refresher.is_alive


def test_backs_off_while_nothing_changes_and_resets_on_change():
    """The wait grows by `backoff` up to `max_interval`; CHANGED resets it."""
    outcomes = [Poll.SAME] * 5 + [Poll.CHANGED, Poll.DONE]
    seen = []

    def poll():
        seen.append(refresher.current_interval)
        return outcomes[len(seen) - 1]

    refresher = Refresher(poll, interval=0.01, max_interval=0.04, backoff=2)
    refresher.start()
    assert refresher.join(5)
    assert seen[:5] == [0.01, 0.02, 0.04, 0.04, 0.04]
    assert seen[6] == 0.01


def test_wake_polls_at_once():
    """wake() cuts a long wait short and resets the back-off."""
    event = threading.Event()
    poll, calls = _counting([Poll.SAME, Poll.DONE])

    def wrapped():
        result = poll()
        event.set()
        return result

    refresher = Refresher(wrapped, interval=30, max_interval=60).start()
    assert event.wait(5)
    refresher.wake()
    assert refresher.join(5)
    assert len(calls) == 2


def test_errors_go_to_on_error_and_do_not_kill_the_thread():
    """A failing poll is reported and retried after backing off."""
    errors = []
    state = {"n": 0}

    def poll():
        state["n"] += 1
        if state["n"] < 3:
            raise RuntimeError(f"boom {state['n']}")
        return Poll.DONE

    refresher = Refresher(poll, interval=0.01, on_error=errors.append).start()
    assert refresher.join(5)
    assert [str(e) for e in errors] == ["boom 1", "boom 2"]


def test_errors_without_handler_are_logged(caplog):
    """With no on_error, poll errors are logged to modelarts.widgets."""
    state = {"n": 0}

    def poll():
        state["n"] += 1
        if state["n"] == 1:
            raise RuntimeError("logged")
        return Poll.DONE

    with caplog.at_level("WARNING", logger="modelarts.widgets"):
        assert Refresher(poll, interval=0.01).start().join(5)
    assert "poll failed" in caplog.text


def test_a_failing_error_handler_is_logged(caplog):
    """Even the error handler failing cannot kill the thread."""
    outcomes = iter([RuntimeError("first"), Poll.DONE])

    def poll():
        item = next(outcomes)
        if isinstance(item, Exception):
            raise item
        return item

    def handler(err):
        raise ValueError("handler broke")

    with caplog.at_level("ERROR", logger="modelarts.widgets"):
        assert Refresher(poll, interval=0.01, on_error=handler).start().join(5)
    assert "error handler failed" in caplog.text


def test_non_poll_return_counts_as_same():
    """A poll returning something else is treated as 'nothing changed'."""
    outcomes = iter([None, Poll.DONE])
    refresher = Refresher(lambda: next(outcomes), interval=0.01, backoff=3, max_interval=1)
    assert refresher.start().join(5)
    assert refresher.current_interval == pytest.approx(0.03)


@pytest.mark.parametrize("kwargs", [{"interval": 0}, {"interval": 2, "max_interval": 1}, {"backoff": 0.5}])
def test_rejects_bad_timing(kwargs):
    """Intervals must be positive and ordered; back-off must not shrink."""
    with pytest.raises(ValueError):
        Refresher(lambda: Poll.DONE, **kwargs)


def test_join_before_start_is_true():
    """Nothing started means nothing to wait for."""
    assert Refresher(lambda: Poll.DONE).join(0)
