"""Property tests: every public method of ``Session``, ``Estimator`` and ``TrainingJob``
refuses an invalid argument with ``ValueError``/``TypeError`` *before* anything is sent.

The whole module runs behind a ``responses`` mock with no URL registered: a
request that reaches the transport is recorded there (and fails), so "refused
before any request" is checked on the wire, not by trusting the code.  Each
case corrupts one argument of an otherwise valid call, and where a constructor
only stores its arguments the first call that would use them is made too
(``Estimator(...).fit(...)``, ``Session(...).request(...)``).
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any, Callable, Dict, Iterator, List

import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelarts import rules
from modelarts.endpoints import KNOWN_REGIONS
from modelarts.estimator import Estimator
from modelarts.job import TrainingJob
from modelarts.session import Session
from modelarts.states import JobState

JOBS = "/v1/p1/training-jobs"
AKSK = dict(access_key="AK1", secret_key="SK1", project_id="p1", region_name="cn-north-4")
PASSWORD = dict(username="u1", password="pw", project_id="p1", region_name="cn-north-4")
ESTIMATOR = dict(
    train_instance_count=1, train_instance_type="modelarts.vm.cpu.2u", output_path="/b/out/", code_dir="/b/src/",
    boot_file="/b/src/boot.py", framework_type="PyTorch", framework_version="PyTorch-1.0.0-python3.6",
)
FIT = dict(inputs="/b/data/", job_name="j1")
EXAMPLES = 40
PROFILE = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])

# -- strategies of invalid values --------------------------------------------------------------
NON_STR = st.one_of(
    st.booleans(), st.integers(), st.floats(), st.binary(max_size=4), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1), st.just(object()),
)
BLANK = st.sampled_from(["", " ", "\t", "\n \r"])
BREAKING = st.text(max_size=6).flatmap(lambda s: st.sampled_from([f"a{s}{c}x" for c in "\r\n\x00 ,/?#%"]))
HEADER_BREAKING = st.text(max_size=6).flatmap(lambda s: st.sampled_from([f"a{s}{c}x" for c in "\r\n\x00\t é"]))
PATH_BREAKING = st.text(max_size=6).flatmap(lambda s: st.sampled_from([f"/a{s}{c}x" for c in "\r\n\x00\t #?"]))
NOT_NUMBER = st.one_of(st.text(max_size=4), st.lists(st.integers(), max_size=2), st.just(object()), st.booleans())
BAD_SECONDS = st.one_of(st.floats(max_value=-1e-3, allow_infinity=False), st.integers(max_value=-1),
                        st.just(math.nan), NOT_NUMBER)
BAD_POLL = st.one_of(BAD_SECONDS, st.just(0), st.just(0.0))
BAD_SESSION_TIMEOUT = st.one_of(
    BAD_POLL, st.just(math.inf), st.tuples(st.floats(min_value=0.1, max_value=9)),
    st.tuples(*[st.floats(min_value=0.1, max_value=9)] * 3), st.tuples(BAD_POLL, st.just(5.0)),
    st.tuples(st.just(5.0), BAD_POLL),
)


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"[0-9]+", value)) and rules.ID.contains(int(value))


BAD_ID = st.one_of(st.integers(max_value=rules.ID.low - 1), st.integers(min_value=rules.ID.high + 1), st.booleans(), st.floats(),
                   st.text(max_size=8).filter(lambda s: not _is_id(s)), st.lists(st.integers(), max_size=1))
BAD_COUNT = st.one_of(st.integers(max_value=0), st.booleans(), st.floats(), st.lists(st.integers(), max_size=1),
                      st.text(max_size=4).filter(lambda s: not s.strip().lstrip("-").isdigit()))
BAD_OBS = st.one_of(NON_STR, st.sampled_from(["", "/", "//b/x", "/b/\x00x", "bucket/x", "obs:/b", "http://b/x"]),
                    st.text(max_size=8).filter(lambda s: not s.startswith(("/", "obs://", "s3://"))))
BAD_JOB_NAME = st.one_of(NON_STR, st.text(max_size=rules.JOB_NAME_MAX + 6).filter(lambda s: not rules.JOB_NAME.fullmatch(s)))
BAD_HYPER = st.one_of(
    st.text(max_size=5), st.dictionaries(st.text(max_size=2), st.text(max_size=2), min_size=1, max_size=2),
    st.lists(NON_STR, min_size=1, max_size=2),
    st.lists(st.fixed_dictionaries({"label": st.text(max_size=3)}), min_size=1, max_size=2),
    st.lists(st.fixed_dictionaries({"label": st.one_of(NON_STR, st.just("")), "value": st.just("1")}), min_size=1),
    st.lists(st.fixed_dictionaries({"label": st.just("lr"), "value": st.one_of(st.none(), st.lists(st.integers()),
                                                                              st.just(math.nan))}), min_size=1),
)
BAD_DATA_SOURCE = st.one_of(
    st.just([]), st.text(max_size=4), st.lists(NON_STR, min_size=1, max_size=2),
    st.just([{"type": "s3", "data_url": "/b/d/"}]),
    st.builds(lambda v: [{"type": "obs", "data_url": v}], st.one_of(NON_STR, BAD_OBS)),
    st.builds(lambda v: [{"type": "dataset", "dataset_id": v, "dataset_version": "v1"}], st.one_of(NON_STR, BLANK)),
)
BAD_STATUS = st.one_of(st.integers().filter(lambda i: i not in {s.value for s in JobState}), st.floats(),
                       st.text(max_size=8).filter(lambda s: not _parses_as_status(s)), st.lists(st.integers()))


def _parses_as_status(text: str) -> bool:
    try:
        JobState.parse(text)
    except ValueError:
        return False
    return True


def bad_text(max_len: int, optional: bool = True) -> st.SearchStrategy[Any]:
    too_long = st.text(min_size=max_len + 1, max_size=max_len + 4)
    return st.one_of(NON_STR.filter(lambda v: v is not None), too_long, *([] if optional else [st.none()]))


def bad_choice(choices: Any) -> st.SearchStrategy[Any]:
    return st.one_of(NON_STR, st.text(max_size=8).filter(lambda s: s not in choices))


def bad_range(low: int, high: int) -> st.SearchStrategy[Any]:
    return st.one_of(st.integers(max_value=low - 1), st.integers(min_value=high + 1), NOT_NUMBER.filter(
        lambda v: not (isinstance(v, str) and rules.INTEGER_TEXT.fullmatch(v.strip()))), st.floats())


BAD_URL = st.one_of(
    NON_STR, BLANK,
    st.sampled_from(["ftp://h", "http://example.com", "https://", "https://h:99999", "https://h/?q=1",
                     "https://u@h", "https://h#f", "//", "https://[::1"]),
    st.sampled_from(" \t\n\x00<>\"{}|\\^`%").map(lambda c: f"https://h{c}x.example.com"),
)
UNKNOWN_REGION = st.text(max_size=12).filter(lambda s: s.strip() not in KNOWN_REGIONS)

# -- the cases: (target, argument, strategy, call) ------------------------------------------------
CASES: List[Any] = []


def session(**kw: Any) -> Session:
    return Session(**{**AKSK, **kw})


def cases(target: str, params: Dict[str, st.SearchStrategy[Any]], call: Callable[[str, Any], Any]) -> None:
    for name, strategy in params.items():
        CASES.append(pytest.param(name, strategy, call, id=f"{target}:{name}"))


def _quiet_session(base: Dict[str, Any]) -> Callable[[str, Any], Any]:
    def call(name: str, value: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return Session(**{**base, name: value}).request("GET", JOBS)

    return call


def _set_endpoint(name: str, value: Any) -> Any:
    Session.set_endpoint(**{name: value})
    return session().request("GET", JOBS)


text_arg = st.one_of(NON_STR, BLANK)
cases("Session", {"access_key": st.one_of(text_arg, BREAKING), "secret_key": text_arg,
                  "project_id": st.one_of(text_arg, BREAKING), "region_name": st.one_of(text_arg, UNKNOWN_REGION),
                  "security_token": st.one_of(text_arg, HEADER_BREAKING), "errors": bad_choice(("raise", "return")),
                  "timeout": BAD_SESSION_TIMEOUT, "retries": st.one_of(st.integers(max_value=-1), NOT_NUMBER),
                  "backoff_factor": st.one_of(BAD_SECONDS, st.just(math.inf)),
                  "environ": st.one_of(st.integers(), st.lists(st.text(max_size=2)), st.just(object()))},
      _quiet_session(AKSK))
cases("Session/password", {"username": text_arg, "password": text_arg, "account": text_arg},
      _quiet_session(PASSWORD))
cases("Session/config_file", {"config_file": st.one_of(NON_STR, st.text(max_size=8).map(lambda s: "/nonexistent/" + s))},
      _quiet_session(dict(project_id="p1", region_name="cn-north-4")))
cases("Session.set_endpoint", {"iam_endpoint": BAD_URL, "modelarts_endpoint": BAD_URL, "obs_endpoint": BAD_URL,
                               "region_name": text_arg}, _set_endpoint)
REQUEST = dict(method="GET", path=JOBS)
request_args = {
    "method": st.one_of(NON_STR, BLANK, st.sampled_from(["GE T", "GET\n", "FOO", "G3T", "ＧＥＴ"])),
    "path": st.one_of(NON_STR, st.text(max_size=8).filter(lambda s: not s.startswith("/")), PATH_BREAKING),
}
cases("Session.request", {
    **request_args,
    "params": st.one_of(st.integers(), st.just(object()), st.dictionaries(st.text(max_size=2), st.just(object()),
                                                                        min_size=1, max_size=1)),
    "json": st.one_of(st.just(object()), st.just({1, 2}), st.just(b"x"), st.just(math.nan), st.just({"x": math.inf})),
    "idempotent": st.one_of(st.integers(), st.text(max_size=3), st.lists(st.integers(), max_size=1)),
    "timeout": BAD_SESSION_TIMEOUT,
}, lambda n, v: session().request(**{**REQUEST, n: v}))
cases("Session.auth_headers_for", request_args, lambda n, v: session().auth_headers_for(**{**REQUEST, n: v}))

BAD_BUCKET = st.one_of(NON_STR, BLANK, st.sampled_from(["ab", "Bucket", "a_b", "-ab", "ab-", "a..b", "x" * 64]))
BAD_BUCKET_PATH = st.one_of(NON_STR, st.sampled_from(["", "/", "//", "/Bad_Bucket/x", "/b/../x", "/bkt//x",
                                                      "obs://ab/x", "/bkt/a\x00"]))
BAD_LOCAL = st.one_of(st.booleans(), st.integers(), st.floats(), st.binary(max_size=4), st.just(object()),
                      st.just([]), st.lists(st.integers(), min_size=1, max_size=2), st.just(""))
cases("Session.upload_data", {"bucket_path": BAD_BUCKET_PATH, "path": BAD_LOCAL},
      lambda n, v: session().upload_data(**{"bucket_path": "/bkt/dir/", "path": "setup.cfg", n: v}))
cases("Session.download_data", {"bucket_path": BAD_BUCKET_PATH, "path": BAD_LOCAL.filter(lambda v: v != [])},
      lambda n, v: session().download_data(**{"bucket_path": "/bkt/dir/x.txt", "path": "/tmp/x.txt", n: v}))
cases("Session.create_bucket", {"bucket": BAD_BUCKET}, lambda n, v: session().create_bucket(v))
cases("Session.delete_bucket", {"bucket": BAD_BUCKET}, lambda n, v: session().delete_bucket(v))
cases("Session.create_directory", {"bucket": BAD_BUCKET, "directory": st.one_of(NON_STR, st.sampled_from(
    ["", "/", "//", "a/../b", "a//b"]))},
      lambda n, v: session().create_directory(**{"bucket": "bkt", "directory": "/dir1/", n: v}))

optional_str = NON_STR.filter(lambda v: v is not None)
cases("Estimator", {
    "train_instance_count": BAD_COUNT, "output_path": BAD_OBS, "code_dir": BAD_OBS, "boot_file": BAD_OBS,
    "log_url": BAD_OBS, "hyperparameters": BAD_HYPER, "job_description": bad_text(rules.DESCRIPTION_MAX),
    "train_instance_type": st.one_of(st.floats(), st.booleans(), st.lists(st.integers(), max_size=1), BLANK,
                                     st.integers(max_value=0)),
    "base_job_name": st.one_of(bad_text(44), st.text(max_size=8).filter(lambda s: not re.fullmatch(r"[\w-]+", s,
                                                                                                    re.ASCII))),
    "create_version": st.one_of(st.integers(), st.text(max_size=3), st.lists(st.integers(), max_size=1)),
    **{name: optional_str for name in ("framework_type", "framework_version", "model_name", "user_image_url",
                                       "user_command", "pool_id", "nas_type", "nas_share_addr", "nas_mount_path")},
}, lambda n, v: Estimator(session(), **{**ESTIMATOR, n: v}).fit(inputs="/b/data/"))
cases("Estimator/session", {"modelarts_session": st.one_of(NON_STR, st.text(max_size=3))},
      lambda n, v: Estimator(v, **ESTIMATOR).fit(**FIT))
cases("Estimator/bound", {"job_id": BAD_ID, "version_id": BAD_ID},
      lambda n, v: Estimator(session(), **{"job_id": 1, "version_id": 2, n: v}).get_job_info())
cases("Estimator.fit", {"inputs": BAD_OBS, "job_name": BAD_JOB_NAME},
      lambda n, v: Estimator(session(), **ESTIMATOR).fit(**{**FIT, n: v}))
cases("Estimator.fit/dataset", {"dataset_id": st.one_of(optional_str, BLANK),
                                "dataset_version_id": st.one_of(optional_str, BLANK)},
      lambda n, v: Estimator(session(), **ESTIMATOR).fit(**{"dataset_id": "d", "dataset_version_id": "v", n: v}))
cases("Estimator.fit/data_source", {"data_source": BAD_DATA_SOURCE},
      lambda n, v: Estimator(session(), **ESTIMATOR).fit(data_source=v, job_name="j1"))
VERSION_ARGS = {"job_id": BAD_ID, "pre_version_id": BAD_ID, "inputs": BAD_OBS, "job_desc": bad_text(rules.DESCRIPTION_MAX),
                "data_source": BAD_DATA_SOURCE}
cases("Estimator.create_job_version", VERSION_ARGS, lambda n, v: Estimator(session(), **ESTIMATOR).create_job_version(
    **{"job_id": 1, "pre_version_id": 2, **({} if n == "data_source" else {"inputs": "/b/d/"}), n: v}))
cases("Estimator.get_job_list", {
    "status": BAD_STATUS, "per_page": bad_range(*rules.LIST_PER_PAGE), "page": bad_range(*rules.LIST_PAGE),
    "sortBy": bad_choice(rules.LIST_SORT_KEYS), "sort_by": bad_choice(rules.LIST_SORT_KEYS),
    "order": bad_choice(rules.ORDERS), "search_content": bad_text(rules.SDK_SEARCH_CONTENT_MAX),
    "modelarts_session": st.one_of(NON_STR, st.text(max_size=3)),
}, lambda n, v: Estimator.get_job_list(**{"modelarts_session": session(), n: v}))
cases("Estimator.delete_job_by_id", {"job_id": BAD_ID, "timeout": BAD_SECONDS},
      lambda n, v: Estimator.delete_job_by_id(**{"modelarts_session": session(), "job_id": 1, "force": True, n: v}))
LOG_ARGS = {"log_file": st.one_of(NON_STR, st.sampled_from(["", "a/b", "../x", ".."])), "start_byte": bad_range(*rules.LOG_START_BYTE),
            "offset": bad_range(*rules.LOG_OFFSET), "lines": bad_range(*rules.LOG_LINES), "order": bad_choice(rules.ORDERS),
            "base_line": st.one_of(st.floats(), st.booleans(), st.lists(st.integers(), max_size=1))}


def bound() -> Estimator:
    return Estimator(session(), job_id=1, version_id=2)


cases("Estimator.get_job_log", LOG_ARGS, lambda n, v: bound().get_job_log(**{"log_file": "job.0", n: v}))
cases("Estimator.update_job_description", {"description": bad_text(rules.DESCRIPTION_MAX, optional=False)},
      lambda n, v: bound().update_job_description(v))
cases("Estimator.delete_job", {"timeout": BAD_SECONDS, "poll": BAD_POLL},
      lambda n, v: bound().delete_job(**{"force": True, n: v}))


def job() -> TrainingJob:
    return TrainingJob(session(), 1, 2)


cases("TrainingJob", {"job_id": BAD_ID, "version_id": BAD_ID, "status": BAD_STATUS,
                      "session": st.one_of(NON_STR, st.text(max_size=3))},
      lambda n, v: TrainingJob(**{"session": session(), "job_id": 1, "version_id": 2, n: v}).get_job_info())
cases("TrainingJob.wait", {"timeout": BAD_SECONDS, "poll": BAD_POLL}, lambda n, v: job().wait(**{n: v}))
cases("TrainingJob.follow", {"timeout": BAD_SECONDS, "poll": BAD_POLL}, lambda n, v: job().follow(**{n: v}))
cases("TrainingJob.stop", {"timeout": BAD_SECONDS, "poll": BAD_POLL}, lambda n, v: job().stop(**{"wait": True, n: v}))
cases("TrainingJob.delete_job", {"timeout": BAD_SECONDS, "poll": BAD_POLL},
      lambda n, v: job().delete_job(**{"force": True, n: v}))
cases("TrainingJob.get_job_log", LOG_ARGS, lambda n, v: job().get_job_log(**{"log_file": "job.0", n: v}))
cases("TrainingJob.last_log_lines", {"lines": bad_range(1, rules.LOG_LINES.high)}, lambda n, v: job().last_log_lines(v))
cases("TrainingJob.update_job_description", {"description": bad_text(rules.DESCRIPTION_MAX, optional=False)},
      lambda n, v: job().update_job_description(v))
cases("TrainingJob.create_job_version", {**VERSION_ARGS, "job_id": st.one_of(BAD_ID, st.just(7))},
      lambda n, v: job().create_job_version(**{**({} if n == "data_source" else {"inputs": "/b/d/"}), n: v}))


# -- the property -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def wire() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.mark.parametrize("name, strategy, call", CASES)
@PROFILE
@given(data=st.data())
def test_invalid_argument_is_refused_before_any_request(
    wire: responses.RequestsMock, name: str, strategy: Any, call: Callable[[str, Any], Any], data: Any
) -> None:
    value = data.draw(strategy, label=name)
    before = len(wire.calls)
    try:
        call(name, value)
    except (ValueError, TypeError):
        pass
    except Exception as err:  # noqa: BLE001 - anything else is the finding
        sent = [f"{c.request.method} {c.request.url}" for c in list(wire.calls)[before:]]
        pytest.fail(f"{name}={value!r}: {type(err).__name__}: {err} (sent: {sent})")
    else:
        pytest.fail(f"{name}={value!r} was accepted")
    sent = [f"{c.request.method} {c.request.url}" for c in list(wire.calls)[before:]]
    assert not sent, f"{name}={value!r} was refused only after sending {sent}"


def test_every_public_method_is_covered() -> None:
    """A new public method without a case here fails this test."""
    covered = {p.id.split(":")[0] for p in CASES}
    without_arguments = {"close", "refresh", "get_job_info", "get_job_log_file_list", "stop_job_version",
                         "delete_job_version", "get_job_version_info", "get_job_version_object_list",
                         "get_train_instance_types", "get_framework_list", "get_built_in_algorithms",
                         "clear_endpoint", "from_created", "session",
                         "default_bucket", "get_obs_client"}  # no arguments, or only flags/a session
    for cls in (Session, Estimator, TrainingJob):
        for attr in dir(cls):
            if attr.startswith("_") or not callable(getattr(cls, attr)) or attr in without_arguments:
                continue
            assert f"{cls.__name__}.{attr}" in covered, f"{cls.__name__}.{attr} has no property case"
