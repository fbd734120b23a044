"""The SDK's checks and the local service's checks agree on the shared rules.

Both sides read :mod:`modelarts.rules`; these properties hold them to it from
the outside: for each rule, the SDK accepts a value exactly when the service
accepts the same value (as it arrives on the wire), and both read it the same
way.  A check that drifts on either side (a hand-written bound, a looser
parse) fails here.  Where the documents themselves disagree (``search_content``)
the discrepancy is pinned, so it cannot change silently either.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelarts import _validate, rules
from modelarts.estimatorV2 import Estimator as EstimatorV2
from modelarts.estimatorV2 import EstimatorV2Backend
from modelarts.local import jobs, joblist, v2_search, validation
from modelarts.local.errors import V1Error
from modelarts.local.v2_errors import V2Error
from modelarts.local.v2_request import parse_create
from modelarts.train_params import InputData, TrainingFiles

AGREE = settings(max_examples=300, deadline=None, derandomize=True)
REFUSED = (V1Error, V2Error)


def outcome(call: Callable[[], Any], refusals: Any) -> Any:
    """``("ok", result)``, or ``("refused", None)`` for one of ``refusals``."""
    try:
        return "ok", call()
    except refusals:
        return "refused", None


def sdk(call: Callable[[], Any]) -> Any:
    return outcome(call, ValueError)


def service(call: Callable[[], Any]) -> Any:
    return outcome(call, REFUSED)


def accepted(result: Any) -> bool:
    return result[0] == "ok"


# Values near and across each rule's edges, and the look-alikes a loose parse lets through.
NON_STR = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.lists(st.integers(), max_size=1))
TRICKY = ["", "-0", "+1", "1e3", "0x10", "١", "٣", "²", "1_000", "1.0", "007", "-", "٠"]


def number_text(edges: rules.IntRange) -> st.SearchStrategy[str]:
    """Strings an integer rule must judge: the edges, digits, signs, look-alike digits (no spaces)."""
    near = st.integers(edges.low - 3, edges.low + 3) | st.integers(edges.high - 3, edges.high + 3)
    return st.one_of(near.map(str), st.sampled_from(TRICKY),
                     st.text(alphabet=string.digits + "-+_.e٣²", min_size=1, max_size=25),
                     st.integers(min_value=-2**70, max_value=2**70).map(str))  # fmt: skip


# -- v1: job names, ids, descriptions --------------------------------------------------------------
JOB_NAMES = st.one_of(
    st.from_regex(rules.JOB_NAME.pattern, fullmatch=True),
    st.text(max_size=rules.JOB_NAME_MAX + 3),
    st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=rules.JOB_NAME_MAX - 1,
            max_size=rules.JOB_NAME_MAX + 1),
    NON_STR, st.integers(),
)  # fmt: skip


@AGREE
@given(JOB_NAMES)
def test_job_names(name: Any) -> None:
    ours = sdk(lambda: _validate.check_job_name(name))
    assert ours == service(lambda: validation.parse_job_name(name))
    assert accepted(ours) == (isinstance(name, str) and rules.JOB_NAME.fullmatch(name) is not None)


@AGREE
@given(st.one_of(st.integers(min_value=-2**70, max_value=2**70), st.integers(rules.ID.high - 2, rules.ID.high + 2),
                 number_text(rules.ID), st.booleans()))  # fmt: skip
def test_ids(value: Any) -> None:
    """A job or version id: the SDK accepts it exactly when the service's path parser does, as the same number.

    (The service also strips spaces around a path segment; the SDK refuses them, so the strings have none.)
    """
    ours = sdk(lambda: int(_validate.check_id(value, "job_id")))
    assert ours == service(lambda: jobs._id(value, "job_id"))


@AGREE
@given(st.one_of(st.text(min_size=rules.DESCRIPTION_MAX - 2, max_size=rules.DESCRIPTION_MAX + 2),
                 st.text(max_size=8), NON_STR.filter(lambda v: v is not None), st.integers()))  # fmt: skip
def test_descriptions(text: Any) -> None:
    ours = sdk(lambda: _validate.check_description(text, "job_desc", optional=False))
    assert ours == service(lambda: validation.parse_job_desc(text, required=True))


# -- v1: the job list's query ------------------------------------------------------------------------
def _wire(query: Mapping[str, Any]) -> Dict[str, str]:
    """The query string ``requests`` would send: every value as text."""
    return {key: str(value) for key, value in query.items()}


def _list_agrees(name: str, value: Any, read: Callable[[Any], Any]) -> None:
    """(An empty value is "not given" to the service, a mistake to the SDK: the strategies leave it out.)"""
    ours = sdk(lambda: _validate.list_query(**{name: value}))
    wire_name = "sortBy" if name == "sort_by" else name
    theirs = service(lambda: validation.parse_list_query({wire_name: value}))
    assert accepted(ours) == accepted(theirs), (ours, theirs)
    if accepted(ours):  # what the SDK sends, the service reads as the SDK meant it
        sent = validation.parse_list_query(_wire(ours[1]))
        assert read(sent) == read(theirs[1])


@AGREE
@given(st.one_of(number_text(rules.LIST_PER_PAGE).filter(bool), st.integers(-5, 1005), st.sampled_from([" 7", "8 "])))
def test_per_page(value: Any) -> None:
    _list_agrees("per_page", value, lambda query: query.per_page)


@AGREE
@given(st.one_of(number_text(rules.LIST_PAGE).filter(bool), st.integers(-5, 65540)))
def test_page(value: Any) -> None:
    _list_agrees("page", value, lambda query: query.page)


KEY_LIKE = st.one_of(st.sampled_from(rules.LIST_SORT_KEYS + rules.V2_SORT_KEYS + ("JOB_NAME", "job_name ", "asc", "ASC")),
                     st.text(alphabet="abcdeijmnorstu_ ", min_size=1, max_size=12))  # fmt: skip


@AGREE
@given(KEY_LIKE)
def test_sort_keys(key: str) -> None:
    _list_agrees("sort_by", key, lambda query: query.sort_by)


@AGREE
@given(st.one_of(st.sampled_from(["asc", "desc", "ASC", "Desc", "up", "asc "]), st.text(min_size=1, max_size=5)))
def test_orders(order: str) -> None:
    _list_agrees("order", order, lambda query: query.order)


def test_every_sort_key_has_a_service_ordering() -> None:
    assert set(joblist.SORT_KEYS) == set(rules.LIST_SORT_KEYS)
    assert set(v2_search.SORT_KEYS) == set(rules.V2_SORT_KEYS)
    assert set(EstimatorV2Backend._SORT.values()) <= set(rules.V2_SORT_KEYS)


def test_search_content_discrepancy_is_the_documented_one() -> None:
    """SDK reference: 0-100 characters; REST reference: 0-64.  The SDK sends up to 100, the service refuses past 64."""
    assert (rules.SDK_SEARCH_CONTENT_MAX, rules.API_SEARCH_CONTENT_MAX) == (100, 64)
    for length, sdk_ok, service_ok in [(64, True, True), (65, True, False), (100, True, False), (101, False, False)]:
        _list_outcomes = (sdk(lambda: _validate.list_query(search_content="x" * length)),
                          service(lambda: validation.parse_list_query({"search_content": "x" * length})))
        assert tuple(accepted(result) for result in _list_outcomes) == (sdk_ok, service_ok), length


# -- v2: the create body's job name and the job search -----------------------------------------------
class _Sent(Exception):
    """Raised by the fake session with the body the SDK would have sent."""


class _Capture:
    project_id, errors = "p1", "raise"

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        raise _Sent(kwargs.get("json"))


def _v2_estimator() -> EstimatorV2:
    return EstimatorV2(session=_Capture(), training_files=TrainingFiles(code_dir="obs://bkt/src/", boot_file="train.py"),
                       framework_type="PyTorch", framework_version="PyTorch-1.4.0-python3.6",
                       train_instance_type="modelarts.vm.cpu.2u")  # fmt: skip


def _sent(call: Callable[[], Any]) -> Any:
    """``("ok", body)`` if the SDK sent ``body``, ``("refused", None)`` if it refused first."""
    try:
        call()
    except _Sent as sent:
        return "ok", sent.args[0]
    except ValueError:
        return "refused", None
    raise AssertionError("the SDK neither sent nor refused")


@AGREE
@given(JOB_NAMES)
def test_v2_job_names(name: Any) -> None:
    estimator = _v2_estimator()
    inputs = [InputData(obs_path="obs://bkt/data/", name="data_url")]
    ours = _sent(lambda: estimator.fit(inputs=inputs, job_name=name))
    body = estimator._body(name, inputs)
    theirs = service(lambda: parse_create(body, Path("/nonexistent-obs-root")))
    assert accepted(ours) == accepted(theirs)
    if accepted(ours):
        assert ours[1] == body and theirs[1][0]["metadata"]["name"] == name


SEARCH_NUMBERS = st.one_of(st.integers(-3, 60), st.integers(2**31 - 3, 2**31 + 3), st.booleans(), st.floats(-1, 60))


@AGREE
@given(st.fixed_dictionaries({}, optional={
    "limit": SEARCH_NUMBERS, "offset": SEARCH_NUMBERS, "order": st.sampled_from(["asc", "desc", "ASC", "up"]),
    "sort_by": st.one_of(KEY_LIKE)}))  # fmt: skip
def test_v2_search(arguments: Dict[str, Any]) -> None:
    """``Estimator.get_job_list`` (v2) sends a search exactly when the service's search parser takes it.

    (JSON numbers only: the service also reads digit strings in a body, the SDK's ``limit`` is typed ``int``.)
    """
    ours = _sent(lambda: EstimatorV2.get_job_list(_Capture(), **arguments))
    theirs = service(lambda: v2_search.parse_search(arguments))
    assert accepted(ours) == accepted(theirs), (ours, theirs)
    if accepted(ours):
        read = v2_search.parse_search(ours[1])
        assert (read.limit, read.offset, read.sort_by, read.order) == (
            theirs[1].limit, theirs[1].offset, theirs[1].sort_by, theirs[1].order)


# -- the rules themselves: the documented numbers ----------------------------------------------------
@pytest.mark.parametrize("rule, expected", [
    (rules.LIST_PER_PAGE, (1, 1000)), (rules.LIST_PAGE, (1, 65535)), (rules.VERSIONS_PAGE, (0, 65535)),
    (rules.ID, (1, 2**63 - 1)), (rules.LOG_LINES, (0, 500)), (rules.LOG_OFFSET, (-2048, 2048)),
    (rules.V2_SEARCH_LIMIT, (1, 50)), (rules.DESCRIPTION_MAX, 256), (rules.JOB_NAME_MAX, 64),
])  # fmt: skip
def test_documented_values(rule: Any, expected: Any) -> None:
    assert rule == expected


@pytest.mark.parametrize("name, ok", [("a", True), ("A-z_0", True), ("x" * 64, True), ("x" * 65, False), ("", False),
                                      ("a b", False), ("a.b", False), ("ü", False), ("a\n", False)])  # fmt: skip
def test_job_name_pattern_is_the_documented_one(name: str, ok: bool) -> None:
    assert (rules.JOB_NAME.fullmatch(name) is not None) == ok


def test_int_range() -> None:
    span: List[Any] = [0, 1, 5, 6, True, 1.0, "3", None]
    assert [rules.IntRange(1, 5).contains(value) for value in span] == [False, True, True, False, False, False, False, False]
