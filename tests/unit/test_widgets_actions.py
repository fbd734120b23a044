"""Button work: busy buttons restored in finally, results and typed errors shown."""

from __future__ import annotations

import threading

import ipywidgets as widgets

from modelarts.exceptions import ConflictError
from modelarts.widgets.actions import ActionRunner, Reporter


def _streams(output, name):
    return "".join(o["text"] for o in output.outputs if o.get("name") == name)


def test_buttons_are_busy_while_work_runs_and_restored_after():
    """Buttons are disabled with a busy label during the call and restored in finally."""
    out = widgets.Output()
    runner = ActionRunner(Reporter(out))
    stop, other = widgets.Button(description="Stop"), widgets.Button(description="Other", disabled=True)
    release, started = threading.Event(), threading.Event()
    seen = {}

    def work():
        started.set()
        seen["during"] = (stop.disabled, stop.description, other.disabled)
        release.wait(5)
        return "stopped it"

    runner.run("Stop", work, buttons=[stop, other], busy={stop: "Stopping…"})
    assert started.wait(5)
    assert runner.busy and not runner.join(0.01)
    release.set()
    assert runner.join(5) and not runner.busy
    assert seen["during"] == (True, "Stopping…", True)
    assert (stop.disabled, stop.description, other.disabled) == (False, "Stop", True)
    assert _streams(out, "stdout") == "stopped it\n"


def test_errors_are_shown_typed_and_logged(caplog):
    """A raising call is neither raised nor lost: it lands in stderr and the log."""
    out = widgets.Output()
    runner = ActionRunner(Reporter(out))
    button = widgets.Button(description="Stop")

    def work():
        raise ConflictError(409, "ModelArts.2796", "not running")

    with caplog.at_level("ERROR", logger="modelarts.widgets"):
        runner.run("Stop j", work, buttons=[button], background=False)
    assert not button.disabled and not runner.busy
    text = _streams(out, "stderr")
    assert text == "Stop j failed: ConflictError ModelArts.2796: not running (HTTP 409)\n"
    assert isinstance(runner.last_error, ConflictError)
    assert "ModelArts.2796" in caplog.text and caplog.records[0].exc_info


def test_done_runs_after_restore_and_its_errors_are_shown():
    """done() re-syncs buttons after restoring; if it fails, that is shown too."""
    out = widgets.Output()
    runner = ActionRunner(Reporter(out))
    button = widgets.Button(description="Stop")
    order = []

    def done():
        order.append(button.disabled)
        button.disabled = True
        raise RuntimeError("sync broke")

    runner.run("Stop", lambda: None, buttons=[button], done=done)
    assert runner.join(5)
    assert order == [False] and button.disabled
    assert "Stop (updating the widget) failed: RuntimeError: sync broke" in _streams(out, "stderr")
    assert _streams(out, "stdout") == ""  # None is not a result to show


def test_poll_errors_are_shown_once_until_a_poll_succeeds():
    """A stopped service does not flood the output on every poll."""
    out = widgets.Output()
    reporter = Reporter(out)
    err = ConnectionError("refused")
    reporter.poll_failed(err)
    reporter.poll_failed(err)
    assert _streams(out, "stderr").count("Refresh failed") == 1
    reporter.poll_succeeded()
    reporter.poll_failed(err)
    assert _streams(out, "stderr").count("Refresh failed") == 2


def test_concurrent_writes_are_all_kept():
    """append_* replaces a tuple; the lock keeps every line from every thread."""
    out = widgets.Output()
    reporter = Reporter(out)
    threads = [threading.Thread(target=lambda i=i: [reporter.info(f"{i}-{k}") for k in range(50)]) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert len(out.outputs) == 200


def test_checked_turns_failure_dicts_into_errors():
    """errors="return" sessions answer with a failure dict; that is an error, not a result."""
    from modelarts.exceptions import APIError
    from modelarts.widgets.actions import checked
    from modelarts.widgets.render import format_error

    assert checked({"is_success": True}) == {"is_success": True}
    assert checked(None) is None
    try:
        checked({"is_success": False, "error_code": "ModelArts.2775", "error_msg": "no such job"})
    except APIError as err:
        assert format_error(err) == "APIError ModelArts.2775: no such job"
    else:
        raise AssertionError("no error raised")
