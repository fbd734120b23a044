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

import re
import secrets
import time
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

__all__ = [
    "JOB_NAME_PATTERN",
    "check_choice",
    "check_data_source",
    "check_hyperparameters",
    "check_id",
    "check_int",
    "check_job_name",
    "check_obs_path",
    "check_session",
    "check_text",
    "random_job_name",
]

#: Documented job-name rule (API page modelarts_03_0045).
JOB_NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LONG_MAX = 2**63 - 1


def _bad(name: str, expected: str, value: Any) -> ValueError:
    return ValueError(f"{name} must be {expected}, got {value!r}")


def check_session(session: Any) -> Any:
    """The ``modelarts_session`` argument: anything with a ``request`` method."""
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
    if not 0 < number <= _LONG_MAX:
        raise _bad(name, f"between 1 and {_LONG_MAX}", value)
    return str(number)


def check_job_name(name: Any) -> str:
    """A job name: 1–64 of ``A-Z a-z 0-9 _ -``."""
    if not isinstance(name, str) or not JOB_NAME_PATTERN.fullmatch(name):
        raise _bad("job_name", "1-64 characters of A-Z, a-z, 0-9, '_' and '-'", name)
    return name


def random_job_name(prefix: str = "job") -> str:
    """A fresh valid job name such as ``job-0713-191758-3fa2``."""
    stamp = time.strftime("%m%d-%H%M%S")
    return check_job_name(f"{prefix[:44]}-{stamp}-{secrets.token_hex(2)}")


def check_text(value: Any, name: str, max_len: int, *, optional: bool = True) -> Optional[str]:
    """A string of at most ``max_len`` characters (``None`` allowed if ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise _bad(name, f"a string of at most {max_len} characters", value)
    return value


def check_int(value: Any, name: str, low: int, high: Optional[int] = None) -> int:
    """An ``int`` (or digit string) in ``[low, high]``."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
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
        elif isinstance(val, (int, float)):
            val = str(val)
        if not isinstance(val, str):
            raise _bad(f"hyperparameter {label!r} value", "a string or a number", val)
        result.append({"label": label, "value": val})
    return result


def _check_data_source_list(value: Any) -> List[Dict[str, Any]]:
    items = [value] if isinstance(value, Mapping) else value
    if not isinstance(items, Sequence) or isinstance(items, (str, bytes)) or not items:
        raise _bad("data_source", "a non-empty list of dicts", value)
    for item in items:
        if not isinstance(item, Mapping) or item.get("type", "obs") not in ("obs", "dataset"):
            raise _bad("each data_source entry", 'a dict with "type" "obs" or "dataset"', item)
    return [dict(item) for item in items]


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
