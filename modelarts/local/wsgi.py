"""The local service as a WSGI application (PEP 3333): request → :func:`dispatch` → response.

:class:`ServiceApp` is the whole HTTP contract of the service: it turns the
WSGI environ into a :class:`~modelarts.local.routes.Request` (the path and
query exactly as the client sent them, still percent-encoded, because the
gateway verifies signatures over them), runs :func:`dispatch`, and answers
JSON with ``Content-Length`` and an ``X-Request-Id`` header.  A
``ServiceError`` becomes its documented error body; anything else is logged
and answered ``500 ModelArts.0010`` without a traceback.  A body over the
gateway limit is refused with ``413 APIGW.0201`` before it is read.

Any WSGI server can serve it; :mod:`modelarts.local.server` is the one the
service uses.
"""

from __future__ import annotations

import json
import logging
import uuid
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import quote

from modelarts.local.errors import BodyTooLarge, GatewayError, InternalError, ServiceError
from modelarts.local.routes import Request, Response, dispatch

if TYPE_CHECKING:  # pragma: no cover
    from modelarts.local.app import App

__all__ = ["BadRequest", "ServiceApp", "error_response", "json_response"]

log = logging.getLogger("modelarts.local.server")

_StartResponse = Callable[..., Any]
_Headers = List[Tuple[str, str]]

#: WSGI puts these two headers in the environ without the ``HTTP_`` prefix.
_UNPREFIXED = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}


class BadRequest(GatewayError):
    """A request the gateway cannot parse (request line, headers, framing)."""

    status, code, message = 400, "APIGW.0201", "Bad request"


def json_response(response: Response, request_id: str, close: bool = False) -> Tuple[str, _Headers, bytes]:
    """Status line, headers and body of a JSON answer."""
    data = b"" if response.body is None else json.dumps(response.body).encode("utf-8")
    headers: _Headers = [
        ("Content-Type", "application/json;charset=UTF-8"),
        ("Content-Length", str(len(data))),
        ("X-Request-Id", request_id),
    ]
    if close:
        headers.append(("Connection", "close"))
    headers += list(response.headers.items())
    return f"{response.status} {_reason(response.status)}", headers, data


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def error_response(error: ServiceError, request_id: Optional[str] = None, close: bool = False) -> Tuple[str, _Headers, bytes]:
    """A ``ServiceError`` as its documented JSON answer."""
    request_id = request_id or uuid.uuid4().hex
    return json_response(Response(error.status, error.body(request_id)), request_id, close)


def _target(environ: Dict[str, Any]) -> Tuple[str, str]:
    """The request target's path and query as received (percent-encoding kept)."""
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")  # waitress / gunicorn: the target as sent
    if raw:
        path, _, query = str(raw).partition("?")
        return path.partition("#")[0], query.partition("#")[0]
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")  # decoded (latin-1): encode it again
    return quote(path.encode("latin-1"), safe="/;=,:@!$&'()*+~"), environ.get("QUERY_STRING", "")


def _headers(environ: Dict[str, Any]) -> Dict[str, str]:
    headers: Dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
        elif key in _UNPREFIXED and value:
            headers[_UNPREFIXED[key]] = value
    return headers


class ServiceApp:
    """The WSGI application of one :class:`~modelarts.local.app.App`."""

    def __init__(self, app: "App") -> None:
        self.app = app

    def _body(self, environ: Dict[str, Any]) -> bytes:
        text = environ.get("CONTENT_LENGTH") or "0"
        if not text.isdigit():  # servers refuse these first; a bare WSGI server might not
            raise BadRequest("invalid Content-Length")
        length = int(text)
        if length > self.app.config.max_body_bytes:
            raise BodyTooLarge()
        body = environ["wsgi.input"].read(length) if length else b""
        if len(body) != length:
            raise BadRequest("the body is shorter than its Content-Length")
        return bytes(body)

    def handle(self, environ: Dict[str, Any]) -> Tuple[str, _Headers, bytes]:
        """One request, answered (never raises)."""
        request_id = uuid.uuid4().hex
        method = environ.get("REQUEST_METHOD", "GET")
        path, query = _target(environ)
        try:
            request = Request(method, path, query, _headers(environ), self._body(environ), request_id)
            response = dispatch(self.app, request)
        except ServiceError as exc:
            response = Response(exc.status, exc.body(request_id))
        except Exception:
            log.exception("request %s %s failed", method, path)
            error = InternalError()
            response = Response(error.status, error.body(request_id))
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s %s -> %s (%s)", environ.get("REMOTE_ADDR", "-"), method, path, response.status, request_id)
        return json_response(response, request_id)

    def __call__(self, environ: Dict[str, Any], start_response: _StartResponse) -> Iterable[bytes]:
        status, headers, data = self.handle(environ)
        start_response(status, headers)
        return [data]

