"""Checks on the arguments of :class:`~modelarts.session.Session` and its
``request()``: anything unusable is refused before a request is built, so
garbage never reaches the wire (the property tests in
``tests/unit/test_properties.py`` hold this to account).
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping, Optional

from modelarts import rules
from modelarts.exceptions import ConfigurationError
from modelarts.transport import Timeout

__all__ = [
    "ERROR_MODES",
    "IDEMPOTENT",
    "METHODS",
    "SAFE",
    "check_backoff",
    "check_call",
    "check_credential_text",
    "check_params",
    "check_retries",
    "check_seconds",
    "check_timeout",
    "PATH_BREAKERS",
]

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
METHODS = IDEMPOTENT | {"POST", "PATCH"}
ERROR_MODES = ("raise", "return")
#: What may go into a header or a path segment unescaped: an AK sits in
#: ``Authorization: … Access=<AK>, …``, a token is a header value, a project id a path segment.
SAFE = {
    "access_key": re.compile(r"[A-Za-z0-9_-]+"),
    "security_token": re.compile(r"[\x21-\x7e]+"),
    "project_id": rules.PROJECT_ID,
}
PATH_BREAKERS = re.compile(r"[\x00-\x20\x7f#?]")


def check_seconds(name: str, value: Any, allow_none: bool = True) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 < value < math.inf):
        raise ValueError(f"{name} must be a positive finite number of seconds, got {value!r}")


def check_timeout(value: Any) -> Timeout:
    """``None``, seconds, or a ``(connect, read)`` pair of seconds (each may be ``None``)."""
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"timeout must be seconds or a (connect, read) pair, got {value!r}")
        for part in value:
            check_seconds("each part of timeout", part)
        return (value[0], value[1])
    check_seconds("timeout", value)
    return value


def check_call(method: Any, path: Any) -> str:
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise ValueError(f"bad HTTP method {method!r}; one of {', '.join(sorted(METHODS))}")
    if not isinstance(path, str) or not path.startswith("/") or PATH_BREAKERS.search(path):
        raise ValueError(f"path must be a string starting with '/' without spaces, controls, '?' or '#', got {path!r}")
    return method.upper()


def check_params(params: Any) -> None:
    if params is None:
        return
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping, not {type(params).__name__}")
    for key, value in params.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        ok = all(v is None or isinstance(v, (str, int)) or (isinstance(v, float) and math.isfinite(v)) for v in values)
        if not isinstance(key, str) or not ok:
            raise TypeError(f"query parameter {key!r} must be a string, number or bool, got {value!r}")


def check_credential_text(name: str, value: Any) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise ConfigurationError(f"{name} must not be empty")
    return value.strip() if name != "password" else value


def check_retries(retries: Any) -> int:
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        raise ConfigurationError(f"retries must be a non-negative int, got {retries!r}")
    return retries


def check_backoff(backoff_factor: Any) -> float:
    if isinstance(backoff_factor, bool) or not isinstance(backoff_factor, (int, float)) or not (
        0 <= backoff_factor < math.inf
    ):
        raise ConfigurationError(f"backoff_factor must be a non-negative number, got {backoff_factor!r}")
    return float(backoff_factor)
