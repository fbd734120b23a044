"""The small widgets both views are built from: badge, buttons, delete confirmation.

:class:`StatusBadge` shows a job's state as a coloured label whose DOM classes
(``modelarts-status``, ``modelarts-state-<STATE>``) let browser tests find it.

ipywidgets has no modal dialog, so deleting takes two clicks: **Delete** swaps
itself for ``[Confirm delete <name> (<id>)] [Cancel]`` and only the second
click acts.  The confirmation names the real job, and says when the job is
still running and will be stopped first (``force=True``).
"""

from __future__ import annotations

import html
from typing import Any, Callable, Optional, Tuple, Union

import ipywidgets as widgets

from modelarts.states import JobState
from modelarts.widgets.render import badge_html

__all__ = ["ConfirmDelete", "StatusBadge", "make_button"]

_AUTO = {"width": "auto"}


def make_button(description: str, *, style: str = "", icon: str = "", tooltip: str = "") -> widgets.Button:
    """A button sized to its text.

    Parameters
    ----------
    description : str
        The button's text.
    style : str
        One of ipywidgets' ``button_style`` names (``"danger"``, ``"warning"`` …)
        or ``""``; anything else raises ``TraitError``.
    icon : str
        A Font Awesome name without the ``fa-`` prefix, e.g. ``"stop"``.
    tooltip : str
        Shown on hover.
    """
    return widgets.Button(
        description=description,
        button_style=style,
        icon=icon,
        tooltip=tooltip or description,
        layout=widgets.Layout(**_AUTO),
    )


class StatusBadge(widgets.HTML):
    """A job's state as a coloured badge.

    Parameters
    ----------
    state : JobState, str or None
        What to show first; ``None`` shows an ellipsis.

    Attributes
    ----------
    state : JobState, str or None
        What the badge shows (a :class:`JobState`, or ``"DELETED"``).
    """

    def __init__(self, state: Union[JobState, str, None] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state: Union[JobState, str, None] = None
        self.add_class("modelarts-status")
        self.show(state)

    def show(self, state: Union[JobState, str, None]) -> None:
        """Show ``state``, and name it in the DOM class ``modelarts-state-<STATE>``."""
        old: Optional[str] = None if self.state is None else f"modelarts-state-{self.state}"
        if old is not None:
            self.remove_class(old)
        self.state = state
        self.value = badge_html(state)
        if state is not None:
            self.add_class(f"modelarts-state-{state}")


class ConfirmDelete(widgets.HBox):
    """``[Delete]``, which swaps in ``[Confirm delete …] [Cancel]`` when clicked.

    Parameters
    ----------
    describe : callable
        Called when Delete is clicked; returns ``(label, force)``: the job's
        label, e.g. ``"my-job (123)"``, and whether it is still running and
        must be stopped first.
    on_confirm : callable
        Called with ``force`` when Confirm is clicked, after the row has
        swapped back to the Delete button (which the caller then shows busy).
    check : callable, optional
        Called when Delete is clicked, before asking; returning ``False``
        (e.g. the job is already gone) shows no confirmation.

    Attributes
    ----------
    delete_button, confirm_button, cancel_button : ipywidgets.Button
        The three buttons; ``.click()`` drives them from code.
    note : ipywidgets.HTML
        Says the job will be stopped first, when it will.
    force : bool
        What the shown confirmation promised.
    """

    def __init__(
        self,
        describe: Callable[[], Tuple[str, bool]],
        on_confirm: Callable[[bool], None],
        *,
        check: Optional[Callable[[], bool]] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._describe = describe
        self._on_confirm = on_confirm
        self._check = check
        self.force = False
        self.delete_button = make_button("Delete", style="danger", icon="trash", tooltip="Delete this job (asks first)")
        self.confirm_button = make_button("Confirm delete", style="danger", icon="check")
        self.cancel_button = make_button("Cancel", icon="times", tooltip="Keep the job")
        self.note = widgets.HTML()
        self._asking: Tuple[widgets.Widget, ...] = (self.confirm_button, self.cancel_button, self.note)
        self._idle: Tuple[widgets.Widget, ...] = (self.delete_button,)
        self.delete_button.on_click(lambda _b: self.ask())
        self.confirm_button.on_click(lambda _b: self.confirm())
        self.cancel_button.on_click(lambda _b: self.cancel())
        self.children = self._idle

    @property
    def asking(self) -> bool:
        """The confirmation is showing."""
        return self.confirm_button in self.children

    def ask(self) -> None:
        """Show the confirmation for the job as it is now."""
        if self._check is not None and not self._check():
            return
        label, force = self._describe()
        self.force = bool(force)
        self.confirm_button.description = f"Confirm delete {label}"
        if self.force:
            warning = f"{label} is still running: it will be stopped first, then deleted."
            self.note.value = f'<span style="color:#b26a00">&#9888; {html.escape(warning)}</span>'
            self.confirm_button.tooltip = "Stop the job, wait for it to end, then delete it"
        else:
            self.note.value = ""
            self.confirm_button.tooltip = f"Delete {label}"
        self.confirm_button.disabled = False
        self.cancel_button.disabled = False
        self.children = self._asking

    def cancel(self) -> None:
        """Hide the confirmation; nothing is deleted."""
        self.children = self._idle

    def confirm(self) -> None:
        """Hide the confirmation and hand over to ``on_confirm(force)``."""
        if not self.asking:
            return
        self.children = self._idle
        self._on_confirm(self.force)
