"""``Estimator``'s arguments: the documented signature, checks on every assignment, and requests built
from the declared fields only."""

from __future__ import annotations

import inspect
from typing import Any, Dict

import pytest
from estimator_fakes import FakeSession

from modelarts import _validate
from modelarts.estimator import Estimator

TRAINING: Dict[str, Any] = dict(
    framework_type="PyTorch", framework_version="PyTorch-1.0.0-python3.6", code_dir="/bucket/src/",
    boot_file="/bucket/src/train.py", output_path="/bucket/output/", train_instance_type="modelarts.vm.cpu.2u",
    train_instance_count=1, hyperparameters=[{"label": "lr", "value": "0.1"}], job_description="d",
)  # fmt: skip
DOCUMENTED = [
    ("train_instance_count", None), ("train_instance_type", None), ("output_path", None), ("code_dir", None),
    ("boot_file", None), ("hyperparameters", None), ("log_url", None), ("framework_type", None),
    ("framework_version", None), ("model_name", None), ("job_description", None), ("user_image_url", None),
    ("user_command", None), ("job_id", None), ("version_id", None), ("config_name", None), ("pool_id", None),
    ("nas_type", None), ("nas_share_addr", None), ("nas_mount_path", None), ("create_version", None),
    ("base_job_name", None), ("job_type", None), ("config_path", None), ("autosearch_path", None),
    ("environment", None),
]  # fmt: skip


def test_the_signature_is_the_documented_one() -> None:
    params = list(inspect.signature(Estimator).parameters.values())
    assert (params[0].name, params[0].kind) == ("modelarts_session", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    assert [(p.name, p.default) for p in params[1:]] == DOCUMENTED
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])


def test_every_argument_is_a_checked_field_in_signature_order() -> None:
    fields = [name for name, value in vars(Estimator).items() if isinstance(value, _validate.Checked)]
    assert fields == [name for name, _ in DOCUMENTED]


def _fit_body(estimator: Estimator, session: FakeSession) -> Any:
    estimator.fit(inputs="/bucket/data/", job_name="same-name")
    create = [call for call in session.calls if call.method == "POST"][-1]
    return create.json


@pytest.mark.parametrize("name, value", [
    ("unrelated", "x"), ("spec_id", 99), ("engine_id", 7), ("worker_server_num", 64), ("data_url", "/evil/"),
    ("parameter", [{"label": "x", "value": "y"}]), ("volumes", [{"nfs": {}}]), ("job_desc", "other"),
    ("_private", object()), ("train_url", "/elsewhere/"),
])  # fmt: skip
def test_an_unrelated_attribute_does_not_reach_the_request(name: str, value: Any) -> None:
    first, second = FakeSession(), FakeSession()
    plain = _fit_body(Estimator(first, **TRAINING), first)
    estimator = Estimator(second, **TRAINING)
    setattr(estimator, name, value)
    assert _fit_body(estimator, second) == plain


def test_a_later_assignment_is_checked_like_the_argument() -> None:
    estimator = Estimator(FakeSession(), **TRAINING)
    estimator.output_path = "obs://bucket/other/"
    assert estimator.output_path == "/bucket/other/"
    estimator.hyperparameters = [{"label": "epochs", "value": 3}]
    assert estimator.hyperparameters == [{"label": "epochs", "value": "3"}]
    for name, bad, message in [("output_path", "bucket/x", "output_path must be"),
                               ("train_instance_count", 0, "train_instance_count must be"),
                               ("job_id", "12a", "job_id must be"), ("create_version", "yes", "create_version must be"),
                               ("job_description", "x" * 257, "job_description must be")]:  # fmt: skip
        with pytest.raises(ValueError, match=message):
            setattr(estimator, name, bad)
    assert estimator.output_path == "/bucket/other/" and estimator.train_instance_count == 1


def test_an_unset_field_reads_as_a_missing_attribute() -> None:
    estimator = Estimator.__new__(Estimator)
    with pytest.raises(AttributeError, match="output_path"):
        estimator.output_path
    assert isinstance(Estimator.output_path, _validate.Checked)


def test_repr_is_unchanged() -> None:
    session = FakeSession()
    assert repr(Estimator(session, **TRAINING)) == (
        "Estimator(train_instance_type='modelarts.vm.cpu.2u', framework_type='PyTorch')")
    assert repr(Estimator(session, job_id=5, version_id="6")) == (
        "Estimator(job_id='5', version_id='6', train_instance_type=None, framework_type=None)")
