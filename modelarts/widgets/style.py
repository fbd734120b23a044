"""The widgets' stylesheet: text wraps, nothing is cut, focus is visible.

ipywidgets draws buttons, labels and dropdown descriptions on one line of a
fixed height with ``text-overflow: ellipsis``, so a long confirmation ("Confirm
delete my-long-job-name (1234)") or a narrow column shows "Con…".  The
``Layout`` traits cannot change ``white-space``; a ``<style>`` element shipped
inside an ``HTML`` widget can.  Every rule is scoped to the
``modelarts-ui`` class that :class:`~modelarts.widgets.JobControls` and
:class:`~modelarts.widgets.JobList` carry, so other widgets on the page keep
their look.

The table is a CSS grid with the same column template on every row, so the
header and the rows line up at any width; each column has a minimum and every
cell wraps its text inside it.  Where the list is narrower than
:data:`_NARROW` (a 600 px window, a side panel) a container query stacks each
row into two labelled columns instead of cutting the table off.
"""

from __future__ import annotations

import ipywidgets as widgets

__all__ = ["ROOT_CLASS", "TABLE_COLUMNS", "stylesheet"]

#: The DOM class every top-level modelarts widget carries; the rules below are scoped to it.
ROOT_CLASS = "modelarts-ui"

#: The table's grid: select+name, id, version, status, created, duration, actions, result.
TABLE_COLUMNS = (
    "minmax(7em, 2.2fr) minmax(3.2em, 0.8fr) minmax(3.8em, 0.8fr) minmax(6.5em, 1.2fr) "
    "minmax(5.6em, 1.2fr) minmax(4.6em, 0.8fr) minmax(6.5em, 2fr)"
)

def _label_rule(column: str) -> str:
    return (f"  .{ROOT_CLASS} .modelarts-col-{column.lower()}::before {{ content: \"{column} \"; "
            "font-weight: bold; margin-right: 0.3em; }")


#: Below this width the table stacks: each row's cells in two labelled columns, no header.
_NARROW = "620px"
_LABELS = "\n".join(_label_rule(c) for c in ("ID", "Version", "Status", "Created", "Duration"))

_CSS = f"""
.{ROOT_CLASS} .widget-button, .{ROOT_CLASS} .jupyter-button {{
  white-space: normal; height: auto; min-height: var(--jp-widgets-inline-height, 28px);
  overflow: visible; text-overflow: clip; overflow-wrap: anywhere; line-height: 1.25;
  padding-top: 3px; padding-bottom: 3px; max-width: 100%;
}}
.{ROOT_CLASS} .widget-hbox {{ flex-wrap: wrap; row-gap: 2px; }}
.{ROOT_CLASS} .widget-hbox > *, .{ROOT_CLASS} .widget-vbox > * {{ max-width: 100%; }}
.{ROOT_CLASS} .widget-label, .{ROOT_CLASS} .widget-label-basic, .{ROOT_CLASS} .widget-inline-hbox .widget-label,
.{ROOT_CLASS} .widget-checkbox label, .{ROOT_CLASS} .widget-html-content {{
  white-space: normal; overflow: visible; text-overflow: clip; overflow-wrap: anywhere; height: auto;
  line-height: 1.3;
}}
.{ROOT_CLASS} .widget-checkbox {{ height: auto; align-items: flex-start; }}
.{ROOT_CLASS} .widget-checkbox input {{ flex: 0 0 auto; margin-top: 0.3em; }}
.{ROOT_CLASS} .widget-dropdown select {{ min-width: 5em; }}
.{ROOT_CLASS} .widget-inline-hbox {{ height: auto; flex-wrap: wrap; row-gap: 2px; }}
.{ROOT_CLASS} .modelarts-cell {{ min-width: 0; overflow: visible; overflow-wrap: anywhere; }}
.{ROOT_CLASS} .modelarts-badge {{ display: inline-block; overflow-wrap: anywhere; white-space: normal; }}
.{ROOT_CLASS} .modelarts-log .widget-html-content {{ width: 100%; }}
.{ROOT_CLASS} .modelarts-log pre {{
  margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; line-height: 1.35;
}}
.{ROOT_CLASS} button:focus-visible, .{ROOT_CLASS} input:focus-visible, .{ROOT_CLASS} select:focus-visible {{
  outline: 2px solid var(--jp-brand-color1, #1976d2); outline-offset: 1px;
}}
.{ROOT_CLASS} .modelarts-reason {{ color: #c62828; }}
.{ROOT_CLASS}.modelarts-job-list {{ container-type: inline-size; container-name: modelarts-list; }}
@container modelarts-list (max-width: {_NARROW}) {{
  .{ROOT_CLASS} .modelarts-job-header {{ display: none !important; }}
  .{ROOT_CLASS} .modelarts-job-row {{ grid-template-columns: minmax(0, 1fr) minmax(0, 1fr) !important; }}
  .{ROOT_CLASS} .modelarts-col-name, .{ROOT_CLASS} .modelarts-col-actions {{ grid-column: 1 / -1; }}
{_LABELS}
}}
"""


def stylesheet() -> widgets.HTML:
    """An ``HTML`` widget holding the rules (invisible; put one in each top-level widget)."""
    sheet = widgets.HTML(f"<style>{_CSS}</style>", layout=widgets.Layout(display="none"))
    sheet.add_class("modelarts-style")
    return sheet
