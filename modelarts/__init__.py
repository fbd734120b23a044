"""ModelArts training-job SDK for notebooks.

``from modelarts.session import Session`` and ``from modelarts.estimator import
Estimator`` are the documented entry points; :mod:`modelarts.local` is a
ModelArts-compatible service that runs on this machine.
"""

import logging

from modelarts.exceptions import APIError, ModelArtsError
from modelarts.states import JobState

__version__ = "0.1.0"
__all__ = ["APIError", "JobState", "ModelArtsError", "__version__"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
