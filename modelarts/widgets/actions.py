"""Running a button's work without freezing the notebook or losing its errors.

ipywidgets discards an exception raised in an ``on_click`` handler (it is only
logged, and in JupyterLab the traceback shows up nowhere), and a handler that
blocks holds up every later click.  :class:`ActionRunner` is the one place the
widgets run a button's work: it disables the buttons, runs the work on a daemon
thread, writes the result or the typed error to an ``Output`` widget and to the
``modelarts.widgets`` logger, and restores the buttons in ``finally``.

Output is written only with ``Output.append_stdout``/``append_stderr`` (never
``print`` and never ``with output:``), which is safe from any thread.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Dict, Mapping, Optional, Sequence

import ipywidgets as widgets

from modelarts.exceptions import APIError
from modelarts.widgets.render import format_error

__all__ = ["ActionRunner", "Reporter", "checked"]

logger = logging.getLogger("modelarts.widgets")


def checked(result: Any) -> Any:
    """``result``, unless it is a documented failure dict: then raise it.

    With ``Session(errors="return")`` the SDK returns
    ``{"is_success": False, "error_code", "error_msg"}`` instead of raising;
    the widgets must still show that as an error, not as a success.

    Raises
    ------
    APIError
        ``result`` has ``is_success: False`` (``status_code`` 0: not known).
    """
    if isinstance(result, Mapping) and result.get("is_success") is False:
        code, message = str(result.get("error_code") or ""), str(result.get("error_msg") or "")
        raise APIError(0, code, message, body=dict(result))
    return result


class Reporter:
    """Write results and errors to an ``Output`` widget from any thread.

    Parameters
    ----------
    output : ipywidgets.Output
        Where messages appear.  ``append_*`` replaces the ``outputs`` tuple,
        so writes are serialised with a lock.
    """

    def __init__(self, output: widgets.Output) -> None:
        self.output = output
        self._lock = threading.Lock()
        self._last_poll_error: Optional[str] = None

    def info(self, message: str) -> None:
        """Show one line of result text (stdout)."""
        logger.info("%s", message)
        with self._lock:
            self.output.append_stdout(message.rstrip("\n") + "\n")

    def error(self, err: BaseException, action: str = "") -> str:
        """Log ``err`` and show its type, code and message (stderr).

        Returns
        -------
        str
            The line that was shown.
        """
        text = format_error(err, action)
        logger.error("%s", text, exc_info=(type(err), err, err.__traceback__))
        with self._lock:
            self.output.append_stderr(text + "\n")
        return text

    def poll_failed(self, err: BaseException) -> None:
        """Report a background poll's error, once until a poll succeeds again.

        A stopped service would otherwise add the same line on every poll.
        """
        text = format_error(err, "Refresh")
        if text != self._last_poll_error:
            self._last_poll_error = text
            self.error(err, "Refresh")

    def poll_succeeded(self) -> None:
        """Forget the last poll error, so the next one is shown again."""
        self._last_poll_error = None


class ActionRunner:
    """Run button work on daemon threads; track them so tests can wait.

    Parameters
    ----------
    reporter : Reporter
        Receives each action's result text and errors.
    name : str
        A prefix for thread names.

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> runner = ActionRunner(Reporter(widgets.Output()))
    >>> button = widgets.Button(description="Go")
    >>> runner.run("Go", lambda: "done", buttons=[button], busy={button: "Going…"})
    >>> runner.join(5)
    True
    >>> button.description, button.disabled
    ('Go', False)
    """

    def __init__(self, reporter: Reporter, name: str = "modelarts-action") -> None:
        self.reporter = reporter
        self._name = name
        self._pending = 0
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        #: The last error an action raised (``None`` if the last one succeeded).
        self.last_error: Optional[BaseException] = None

    def run(
        self,
        action: str,
        work: Callable[[], Any],
        *,
        buttons: Sequence[widgets.Button] = (),
        busy: Optional[Dict[widgets.Button, str]] = None,
        done: Optional[Callable[[], None]] = None,
        background: bool = True,
    ) -> None:
        """Disable ``buttons``, run ``work``, report, restore.

        Parameters
        ----------
        action : str
            Names the action in messages, e.g. ``"Stop job-1"``.
        work : callable
            Does the call.  A non-empty string it returns is shown as the result.
        buttons : sequence of Button
            Disabled while ``work`` runs; their ``disabled`` and
            ``description`` are restored in ``finally``.
        busy : dict, optional
            Button → description to show while busy (e.g. ``"Stopping…"``).
        done : callable, optional
            Called last, after the buttons are restored, to re-sync them with
            the new state (e.g. keep Stop disabled once the job ended).
        background : bool
            Run on a daemon thread (the default); ``False`` runs inline.
        """
        saved = [(b, b.disabled, b.description) for b in buttons]
        for button in buttons:
            button.disabled = True
        for button, text in (busy or {}).items():
            button.description = text

        def target() -> None:
            try:
                result = work()
                self.last_error = None
                if isinstance(result, str) and result:
                    self.reporter.info(result)
            except Exception as err:  # noqa: BLE001 - shown to the user, never swallowed
                self.last_error = err
                self.reporter.error(err, action)
            finally:
                for button, disabled, description in saved:
                    button.description = description
                    button.disabled = disabled
                if done is not None:
                    try:
                        done()
                    except Exception as err:  # noqa: BLE001
                        self.reporter.error(err, f"{action} (updating the widget)")
                self._finished()

        with self._lock:
            self._pending += 1
            self._idle.clear()
        if background:
            threading.Thread(target=target, name=f"{self._name}: {action}", daemon=True).start()
        else:
            target()

    def _finished(self) -> None:
        with self._lock:
            self._pending -= 1
            if self._pending == 0:
                self._idle.set()

    @property
    def busy(self) -> bool:
        """Some action is still running."""
        return not self._idle.is_set()

    def join(self, timeout: Optional[float] = None) -> bool:
        """Wait until no action is running.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait; ``None`` waits for ever.

        Returns
        -------
        bool
            ``True`` if every action has finished.
        """
        return self._idle.wait(timeout)
