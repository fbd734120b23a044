"""Argument checks that run before any request is sent.

Every check raises :class:`ValueError` naming the parameter, what it expects
and what it got, so a notebook user sees the mistake without a round trip.
The training-job API types ids as ``Long`` while the SDK docs type them as
``String``; both are accepted and normalised to a decimal string.

Examples
--------
>>> check_id(182626, "job_id")
'182626'
>>> check_data_source(inputs="/bucket/data/")
{'data_url': '/bucket/data/'}
"""

from __future__ import annotations

import math
import secrets
import time
from typing import (
    TYPE_CHECKING, Any, Callable, Dict, Generic, Iterable, List, Literal, Mapping, Optional, Sequence, TypeVar, Union,
    overload,
)  # fmt: skip

from modelarts import rules
from modelarts.states import JobState

if TYPE_CHECKING:
    from modelarts.sessionlike import SessionLike

__all__ = [
    "Checked",
    "check_choice",
    "check_data_source",
    "check_description",
    "check_flag",
    "check_flavor",
    "check_hyperparameters",
    "check_id",
    "check_int",
    "check_job_name",
    "check_name_prefix",
    "check_obs_path",
    "check_session",
    "check_str",
    "check_text",
    "kept",
    "list_query",
    "optional",
    "random_job_name",
]

T = TypeVar("T")


def _bad(name: str, expected: str, value: Any) -> ValueError:
    return ValueError(f"{name} must be {expected}, got {value!r}")


def check_session(session: Any) -> "SessionLike":
    """The ``modelarts_session`` argument: anything with a ``request`` method (a :class:`SessionLike`)."""
    if session is None or not callable(getattr(session, "request", None)):
        raise _bad("modelarts_session", "a modelarts.session.Session", session)
    return session


def check_id(value: Any, name: str) -> str:
    """A job or version id (``int`` or a string of digits) as a decimal string.

    >>> check_id("007", "version_id")
    '7'
    """
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        raise _bad(name, "an int or a string of digits", value)
    if not rules.ID.contains(number):
        raise _bad(name, f"between {rules.ID.low} and {rules.ID.high}", value)
    return str(number)


def check_job_name(name: Any) -> str:
    """A job name: 1–64 of ``A-Z a-z 0-9 _ -`` (:data:`modelarts.rules.JOB_NAME`)."""
    if not isinstance(name, str) or not rules.JOB_NAME.fullmatch(name):
        raise _bad("job_name", "1-64 characters of A-Z, a-z, 0-9, '_' and '-'", name)
    return name


def random_job_name(prefix: str = "job") -> str:
    """A fresh valid job name such as ``job-0713-191758-3fa2c81e``.

    Eight random hex digits: with four, fifty names made in one second collided
    about once in fifty runs, and a duplicate name is a failed ``fit``.
    """
    stamp = time.strftime("%m%d-%H%M%S")
    return check_job_name(f"{prefix[:40]}-{stamp}-{secrets.token_hex(4)}")


@overload
def check_text(value: Any, name: str, max_len: int, *, optional: Literal[False]) -> str: ...


@overload
def check_text(value: Any, name: str, max_len: int, *, optional: bool = True) -> Optional[str]: ...


def check_text(value: Any, name: str, max_len: int, *, optional: bool = True) -> Optional[str]:
    """A string of at most ``max_len`` characters (``None`` allowed if ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise _bad(name, f"a string of at most {max_len} characters", value)
    return value


@overload
def check_description(value: Any, name: str, *, optional: Literal[False]) -> str: ...


@overload
def check_description(value: Any, name: str, *, optional: bool = True) -> Optional[str]: ...


def check_description(value: Any, name: str, *, optional: bool = True) -> Optional[str]:
    """A job description: a string of 0–256 characters (:data:`modelarts.rules.DESCRIPTION_MAX`)."""
    return check_text(value, name, rules.DESCRIPTION_MAX, optional=optional)


def check_str(value: Any, name: str, max_len: int = rules.TEXT_MAX) -> Optional[str]:
    """``None``, or a non-blank string of at most ``max_len`` characters."""
    if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > max_len):
        raise _bad(name, f"a non-blank string of at most {max_len} characters", value)
    return value


def check_int(value: Any, name: str, low: int, high: Optional[int] = None) -> int:
    """An ``int`` (or a string of ASCII digits, :data:`modelarts.rules.INTEGER_TEXT`) in ``[low, high]``."""
    if isinstance(value, str) and rules.INTEGER_TEXT.fullmatch(value.strip()):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise _bad(name, f"an int {span}", value)
    return value


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """One of ``choices``."""
    allowed = tuple(choices)
    if value not in allowed:
        raise _bad(name, "one of " + ", ".join(repr(c) for c in allowed), value)
    return value


def check_obs_path(value: Any, name: str, *, optional: bool = True) -> Optional[str]:
    """An OBS path in the v1 form ``/bucket/dir/``; ``obs://bucket/dir/`` is converted."""
    if value is None and optional:
        return None
    if isinstance(value, str):
        for scheme in ("obs://", "s3://"):
            if value.startswith(scheme):
                value = "/" + value[len(scheme):]
        if len(value) > 1 and value.startswith("/") and not value.startswith("//") and "\x00" not in value:
            return value
    raise _bad(name, "an OBS path such as '/bucket/dir/'", value)


def check_hyperparameters(value: Any) -> List[Dict[str, str]]:
    """``[{"label": str, "value": str}, ...]``; numbers and booleans become strings."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise _bad("hyperparameters", 'a list of {"label": ..., "value": ...} dicts', value)
    result = []
    for item in value:
        if not isinstance(item, Mapping) or set(item) != {"label", "value"}:
            raise _bad("each hyperparameter", 'a dict with exactly "label" and "value"', item)
        label, val = item["label"], item["value"]
        if not isinstance(label, str) or not label:
            raise _bad("hyperparameter label", "a non-empty string", label)
        if isinstance(val, bool):
            val = str(val).lower()
        elif isinstance(val, int) or (isinstance(val, float) and math.isfinite(val)):
            val = str(val)
        if not isinstance(val, str):
            raise _bad(f"hyperparameter {label!r} value", "a string or a finite number", val)
        result.append({"label": label, "value": val})
    return result


def _check_data_source_entry(item: Any) -> Dict[str, Any]:
    """One ``data_source`` entry: ``{"type": "obs", "data_url"}`` or
    ``{"type": "dataset", "dataset_id", "dataset_version"}`` (``type`` may be left out)."""
    if not isinstance(item, Mapping):
        raise _bad("each data_source entry", "a dict", item)
    entry = dict(item)
    kind = entry.get("type", "dataset" if "dataset_id" in entry else "obs")
    if kind == "obs" and not {"dataset_id", "dataset_version"} & set(entry):
        entry["data_url"] = check_obs_path(entry.get("data_url"), "data_source data_url", optional=False)
        return entry
    if kind == "dataset" and "data_url" not in entry:
        for name in ("dataset_id", "dataset_version"):
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                raise _bad(f"data_source {name}", "a non-empty string", entry.get(name))
        return entry
    raise _bad("each data_source entry", '{"type": "obs", "data_url": ...} or '
               '{"type": "dataset", "dataset_id": ..., "dataset_version": ...}', item)  # fmt: skip


def _check_data_source_list(value: Any) -> List[Dict[str, Any]]:
    items = [value] if isinstance(value, Mapping) else value
    if not isinstance(items, Sequence) or isinstance(items, (str, bytes)) or not items:
        raise _bad("data_source", "a non-empty list of dicts", value)
    return [_check_data_source_entry(item) for item in items]


def check_data_source(
    inputs: Any = None,
    dataset_id: Any = None,
    dataset_version_id: Any = None,
    data_source: Union[None, Mapping[str, Any], Sequence[Mapping[str, Any]]] = None,
) -> Dict[str, Any]:
    """Exactly one data source, as the matching fragment of the v1 ``config``.

    >>> check_data_source(dataset_id="4AZ", dataset_version_id="UOF")
    {'dataset_id': '4AZ', 'dataset_version_id': 'UOF'}
    """
    if (dataset_id is None) != (dataset_version_id is None):
        raise ValueError("dataset_id and dataset_version_id must be given together")
    sources = (("inputs", inputs), ("dataset_id", dataset_id), ("data_source", data_source))
    given = [name for name, value in sources if value is not None]
    if len(given) != 1:
        what = " and ".join(given) if given else "none"
        raise ValueError(
            "give exactly one data source: inputs=, dataset_id=+dataset_version_id=, or data_source= "
            f"(got {what})"
        )
    if inputs is not None:
        return {"data_url": check_obs_path(inputs, "inputs", optional=False)}
    if dataset_id is not None:
        for name, val in (("dataset_id", dataset_id), ("dataset_version_id", dataset_version_id)):
            if not isinstance(val, str) or not val.strip():
                raise _bad(name, "a non-empty string", val)
        return {"dataset_id": dataset_id, "dataset_version_id": dataset_version_id}
    return {"data_source": _check_data_source_list(data_source)}


def list_query(
    status: Any = None,
    per_page: Any = None,
    page: Any = None,
    sortBy: Any = None,  # noqa: N803 - documented spelling
    order: Any = None,
    search_content: Any = None,
    *,
    sort_by: Any = None,
) -> Dict[str, Any]:
    """The job-list query for ``Estimator.get_job_list``; unset arguments are left out.

    >>> list_query(status="JOBSTAT_RUNNING", sort_by="create_time")
    {'status': '8', 'sortBy': 'create_time'}
    """
    if sortBy is not None and sort_by is not None and sortBy != sort_by:
        raise ValueError(f"sortBy={sortBy!r} and sort_by={sort_by!r} disagree; pass one")
    sort = sortBy if sortBy is not None else sort_by
    query: Dict[str, Any] = {}
    if status is not None:
        query["status"] = str(int(JobState.parse(status)))
    if per_page is not None:
        query["per_page"] = check_int(per_page, "per_page", *rules.LIST_PER_PAGE)
    if page is not None:
        query["page"] = check_int(page, "page", *rules.LIST_PAGE)
    if sort is not None:
        query["sortBy"] = check_choice(sort, "sortBy", rules.LIST_SORT_KEYS)
    if order is not None:
        query["order"] = check_choice(order, "order", rules.ORDERS)
    if search_content is not None:
        query["search_content"] = check_text(search_content, "search_content", rules.SDK_SEARCH_CONTENT_MAX)
    return query


# -- checked attributes --------------------------------------------------------------------------


class Checked(Generic[T]):
    """An attribute whose every assignment passes through ``check(value, name)``.

    A class lists its arguments as ``name = Checked(check)``, in order: the table
    of what each argument must be, typed by what the check returns, and applied on
    construction and on any later assignment alike.

    >>> class Job:
    ...     count = Checked(optional(lambda value, name: check_int(value, name, 1)))
    >>> job = Job(); job.count = "3"; job.count
    3
    >>> job.count = 0
    Traceback (most recent call last):
    ValueError: count must be an int of at least 1, got 0
    """

    def __init__(self, check: Callable[[Any, str], T]) -> None:
        self.check, self.name = check, ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: Any = None) -> "Checked[T]": ...

    @overload
    def __get__(self, instance: object, owner: Any = None) -> T: ...

    def __get__(self, instance: Optional[object], owner: Any = None) -> Any:
        if instance is None:
            return self
        try:
            return instance.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: object, value: Any) -> None:
        instance.__dict__[self.name] = self.check(value, self.name)


def optional(check: Callable[[Any, str], T]) -> Callable[[Any, str], Optional[T]]:
    """``check``, letting ``None`` through."""
    return lambda value, name: None if value is None else check(value, name)


def kept(value: Any, name: str) -> Any:
    """No check: an argument accepted as SDK 1.1.7 accepts it, and kept unused."""
    return value


def check_flavor(value: Any, name: str) -> Union[int, str, None]:
    """A flavor: an ``int`` ``spec_id`` or a flavor code such as ``'modelarts.vm.cpu.2u'``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return check_int(value, name, 1)
    return check_str(value, name, rules.FLAVOR_ID_MAX)


def check_flag(value: Any, name: str) -> Optional[bool]:
    """``True``, ``False`` or ``None``."""
    if value is not None and not isinstance(value, bool):
        raise _bad(name, "True, False or None", value)
    return value


def check_name_prefix(value: Any, name: str) -> Optional[str]:
    """A prefix of random job names (``base_job_name``): a job name of at most 44 characters.

    :func:`random_job_name` uses its first 40 and adds a 21-character suffix.
    """
    longest = 44
    if value is not None and (check_job_name(value) and len(value) > longest):
        raise ValueError(f"{name} must be at most {longest} characters (names get a suffix), got {value!r}")
    return value
