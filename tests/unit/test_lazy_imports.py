"""A notebook's first cell imports only what it needs; the rest loads on first use.

``from modelarts.session import Session; from modelarts.estimator import Estimator``
must not pull in attrs, the models, the job lifecycle, signing or OBS: they load
when a session is made or a job is touched (``benchmarks/bench_imports.py``
times the cell).  Each check runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

FIRST_CELL = "from modelarts.session import Session; from modelarts.estimator import Estimator"
DEFERRED = [
    "attr", "attrs", "modelarts.models", "modelarts.job", "modelarts._lifecycle", "modelarts._config",
    "modelarts.credentials", "modelarts.endpoints", "modelarts.auth", "modelarts.signer",
    "modelarts.obs", "modelarts.obs_client", "modelarts.obs_paths", "obs", "ipywidgets",
]


def loaded_after(code: str) -> set:
    probe = f"import sys; {code}; import json; print(json.dumps(sorted(sys.modules)))"
    env = dict(os.environ)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    return set(json.loads(done.stdout))


def test_first_cell_defers_the_heavy_modules() -> None:
    loaded = loaded_after(FIRST_CELL)
    assert "modelarts.session" in loaded and "modelarts.estimator" in loaded and "requests" in loaded
    assert not loaded & set(DEFERRED), f"imported by the first cell: {sorted(loaded & set(DEFERRED))}"


@pytest.mark.parametrize("code, needed", [
    ("from modelarts.estimator import TrainingJob", {"modelarts.job", "modelarts._lifecycle"}),
    ("from modelarts.estimator import *", {"modelarts.job"}),
    ("from modelarts.session import Session; Session(access_key='AK', secret_key='SK', project_id='p', "
     "region_name='cn-north-4', environ={})", {"modelarts.credentials", "modelarts.auth", "attrs"}),
])
def test_deferred_modules_load_on_first_use(code: str, needed: set) -> None:
    assert needed <= loaded_after(code)


def test_training_job_is_the_same_class_either_way() -> None:
    from modelarts.estimator import TrainingJob
    from modelarts.job import TrainingJob as direct

    assert TrainingJob is direct
    import modelarts.estimator

    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        modelarts.estimator.Nope  # noqa: B018
