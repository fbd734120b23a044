"""The one way tests wait for something to happen: a bounded poll that says what it waited for.

Tests never sleep to make time pass (the service has an injectable clock for
that); they wait for a condition another process or thread brings about, and
give up after a bound with the condition's text and its last value.
"""

from __future__ import annotations

import inspect
import time
from typing import Any, Callable, Union

__all__ = ["describe", "wait_for"]


def describe(predicate: Callable[[], Any]) -> str:
    """What ``predicate`` checks: its source text (a lambda's one line) and where it is written."""
    code = getattr(predicate, "__code__", None)
    where = f" ({code.co_filename.rsplit('/', 1)[-1]}:{code.co_firstlineno})" if code is not None else ""
    try:
        text = " ".join(inspect.getsource(predicate).split())
    except (OSError, TypeError):
        text = getattr(predicate, "__qualname__", repr(predicate))
    return (text if len(text) <= 200 else text[:197] + "...") + where


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05,
             what: Union[str, Callable[[], str], None] = None) -> Any:
    """Call ``predicate`` until it returns something truthy, and return that value.

    After ``timeout`` seconds it raises ``AssertionError`` naming ``what`` (by
    default :func:`describe` of the predicate; a callable is asked then, e.g.
    for the tail of a log) and the last value it returned.  An exception from
    ``predicate`` (an ``assert`` in it, say) ends the wait at once.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout}s waiting for {said or describe(predicate)} "
                                 f"(last value {value!r})")
        time.sleep(interval)  # the pause between two looks, not a stand-in for the condition
