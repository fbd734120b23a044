"""Every exception of ``modelarts.exceptions`` survives pickling with all its attributes.

Errors cross process boundaries (multiprocessing, joblib, ipyparallel, a notebook
kernel's cache); an exception whose ``__init__`` takes other arguments than its
``args`` fails to unpickle without ``__reduce__``.
"""

from __future__ import annotations

import copy
import inspect
import pickle

import pytest

from modelarts import exceptions as exc
from modelarts.states import JobState

CLASSES = sorted(
    (obj for _, obj in inspect.getmembers(exc, inspect.isclass)
     if issubclass(obj, BaseException) and obj.__module__ == exc.__name__),
    key=lambda cls: cls.__name__,
)
SAMPLES = {
    "message": "something went wrong",
    "status_code": 418,
    "error_code": "ModelArts.2775",
    "error_msg": "Training job (ID: 12) not found.",
    "request_id": "9f00aa",
    "body": {"is_success": False, "error_code": "ModelArts.2775", "nested": [1, 2]},
    "location": "https://elsewhere.example.com/v1",
    "status": JobState.FAILED,
    "last_status": JobState.RUNNING,
}


def build(cls: type) -> BaseException:
    """An instance with every constructor argument given a distinctive value."""
    params = [p for p in inspect.signature(cls.__init__).parameters.values()
              if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if not params:  # Exception's own __init__
        return cls(SAMPLES["message"])
    return cls(**{p.name: SAMPLES.get(p.name, f"value of {p.name}") for p in params})


def test_every_exception_class_is_covered() -> None:
    assert {cls.__name__ for cls in CLASSES} >= {"APIError", "ThrottledError", "ServerError", "JobFailedError",
                                                  "RedirectRefusedError", "WaitTimeoutError", "ModelArtsError"}
    assert set(exc.__all__) >= {cls.__name__ for cls in CLASSES}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_round_trips_through_pickle(cls: type, protocol: int) -> None:
    err = build(cls)
    err.extra_note = {"added": "after raising"}  # type: ignore[attr-defined]
    back = pickle.loads(pickle.dumps(err, protocol=protocol))
    assert type(back) is cls
    assert back.args == err.args
    assert str(back) == str(err) and repr(back) == repr(err)
    assert vars(back) == vars(err)
    assert back.extra_note == {"added": "after raising"}


@pytest.mark.parametrize("cls", [c for c in CLASSES if issubclass(c, exc.APIError)], ids=lambda c: c.__name__)
def test_api_errors_keep_every_field(cls: type) -> None:
    err = cls(503, "ModelArts.0001", "busy", "req-7", {"error_code": "ModelArts.0001"})
    back = pickle.loads(pickle.dumps(err))
    assert (back.status_code, back.error_code, back.error_msg, back.request_id, back.body) == (
        503, "ModelArts.0001", "busy", "req-7", {"error_code": "ModelArts.0001"})
    assert back.to_dict() == err.to_dict()
    assert copy.deepcopy(err).to_dict() == err.to_dict()


def test_throttled_error_keeps_retry_after_from_the_response() -> None:
    err = exc.error_from_response(429, '{"error_code": "APIGW.0308", "error_msg": "slow down"}',
                                  {"Retry-After": "2.5", "X-Request-Id": "r1"})
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, exc.ThrottledError)
    assert (back.retry_after, back.request_id, back.error_code) == (2.5, "r1", "APIGW.0308")
