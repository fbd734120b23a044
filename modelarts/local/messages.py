"""One HTTP request and its JSON answer, as the route handlers see them.

Both the v1 routes (:mod:`modelarts.local.routes`) and the v2 routes
(:mod:`modelarts.local.v2_routes`) build on these; neither imports the other's
handlers for them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional
from urllib.parse import parse_qsl

import attrs

from modelarts.local.errors import InvalidArgument
from modelarts.local.gateway import Principal

if TYPE_CHECKING:  # pragma: no cover
    from modelarts.local.app import App

__all__ = ["Handler", "Request", "Response"]


@attrs.define
class Request:
    """One HTTP request as the handlers see it (``headers`` keys lower-cased)."""

    method: str
    path: str
    query: str
    headers: Dict[str, str]
    body: bytes
    request_id: str
    params: Dict[str, str] = attrs.field(factory=dict)
    principal: Optional[Principal] = None

    @property
    def args(self) -> Dict[str, str]:
        """The query string as a dict (first value of each name)."""
        result: Dict[str, str] = {}
        for name, value in parse_qsl(self.query, keep_blank_values=True):
            result.setdefault(name, value)
        return result

    def json(self, error: type = InvalidArgument) -> Any:
        """The body as JSON (``error`` raised if it is not JSON)."""
        if not self.body.strip():
            raise error("the request body is empty")
        try:
            value = json.loads(self.body.decode("utf-8"), parse_constant=_not_json, parse_float=_finite)
            json.dumps(value, ensure_ascii=False).encode("utf-8")  # lone surrogates ("\ud800") cannot be stored
        except (UnicodeError, ValueError, RecursionError):
            raise error("the request body is not valid JSON") from None
        return value


@attrs.define
class Response:
    """A JSON answer."""

    status: int = 200
    body: Any = None
    headers: Dict[str, str] = attrs.field(factory=dict)


Handler = Callable[["App", Request], Any]


def _not_json(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is out of range")
    return value
