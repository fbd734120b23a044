"""How a training job shows itself in a notebook: its job controls, or text.

Displaying a v1 ``TrainingJob`` or a v2 ``TrainingJobV2`` in Jupyter shows
:class:`~modelarts.widgets.JobControls`; the widgets (and ``ipywidgets``) are
imported only then, and a missing ``ipywidgets`` or a failure while building
the widget falls back to the job's text.
"""

from __future__ import annotations

import logging
from typing import Any, Dict

from modelarts.protocols import ManagedJob

__all__ = ["display_bundle"]

log = logging.getLogger(__name__)


def display_bundle(job: ManagedJob, text: str, include: Any = None, exclude: Any = None) -> Dict[str, Any]:
    """The job's :class:`~modelarts.widgets.JobControls` as a MIME bundle with a stable ``text/plain``."""
    try:
        from modelarts.widgets import JobControls
    except ImportError:
        return {"text/plain": text}
    try:
        bundle = JobControls(job)._repr_mimebundle_(include=include, exclude=exclude)
    except Exception:  # noqa: BLE001 - a display must never raise; fall back to text
        log.warning("could not build the job controls for %s", job.job_id, exc_info=True)
        return {"text/plain": text}
    result = dict(bundle or {})
    result["text/plain"] = text
    return result
