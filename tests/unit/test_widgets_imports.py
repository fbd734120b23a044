"""Only modelarts.widgets imports ipywidgets; the widget package exports two names."""

from __future__ import annotations

import subprocess
import sys

import modelarts.widgets


def test_estimator_does_not_import_ipywidgets():
    """Scripts and servers using the SDK never pay for (or need) ipywidgets."""
    code = (
        "import sys, modelarts, modelarts.estimator, modelarts.job, modelarts.session\n"
        "assert 'ipywidgets' not in sys.modules, sorted(m for m in sys.modules if 'widget' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_public_names():
    """JobControls and JobList are the public widgets."""
    assert modelarts.widgets.__all__ == ["JobControls", "JobList"]
    for name in modelarts.widgets.__all__:
        assert getattr(modelarts.widgets, name).__module__.startswith("modelarts.widgets.")
