"""Notebook widgets: live status with Stop and Delete buttons.

* :class:`JobControls` — one training job: status badge, elapsed time, Stop,
  Delete (with confirmation) and an output area.  Displaying a
  ``TrainingJob`` shows it.
* :class:`JobList` — the notebook view of ``Estimator.get_job_list``: a live
  table with filters, paging and per-row Stop and Delete.

This is the only part of the package that imports ``ipywidgets``.
"""

from modelarts.widgets.job_controls import JobControls
from modelarts.widgets.job_list import JobList

__all__ = ["JobControls", "JobList"]
