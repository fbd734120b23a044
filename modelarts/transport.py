"""The HTTP layer under :class:`~modelarts.session.Session`.

Two ``requests.Session`` objects share one auth: one retries (idempotent
calls), one does not (job creation, which must never be sent twice blindly;
only a refused connection, where nothing reached the server, is retried).
Retries are urllib3's :class:`Retry` with jittered exponential backoff that
honours ``Retry-After``, capped so that a hostile or confused server cannot
park a notebook for an hour.

:func:`send` is the one place where ``requests`` exceptions become ours and
where answers become either a dict or a typed :class:`~modelarts.exceptions.APIError`.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Mapping, Optional, Tuple, Union

import requests
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_errors
from urllib3.util.retry import Retry

from modelarts import __version__
from modelarts.exceptions import (
    APIError,
    ConnectionError,
    InvalidResponseError,
    RedirectRefusedError,
    TimeoutError,
    error_from_response,
    parse_error_body,
)

__all__ = [
    "CappedRetry",
    "DEFAULT_TIMEOUT",
    "build_http",
    "dumps",
    "post_raw",
    "send",
    "RETRY_STATUSES",
    "Timeout",
    "USER_AGENT",
    "parse_body",
]

log = logging.getLogger("modelarts.http")

DEFAULT_TIMEOUT: Tuple[float, float] = (10.0, 60.0)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = f"modelarts-python/{__version__}"
Timeout = Union[float, Tuple[float, float], None]


class CappedRetry(Retry):
    """``Retry`` whose wait, ``Retry-After`` included, never exceeds ``backoff_max``."""

    def get_retry_after(self, response: Any) -> Optional[float]:
        after = super().get_retry_after(response)
        return None if after is None else min(after, self.backoff_max)


def build_http(retries: int, backoff_factor: float, idempotent: bool, pool_size: int = 10) -> requests.Session:
    """A ``requests.Session`` with our retry policy mounted for http and https.

    Redirects are never followed (``allow_redirects=False`` on every
    call): a 3xx becomes
    :class:`~modelarts.exceptions.RedirectRefusedError`.
    """
    if idempotent:
        retry = CappedRetry(
            total=retries,
            backoff_factor=backoff_factor,
            backoff_jitter=backoff_factor,
            backoff_max=8.0,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,  # this session only ever carries idempotent calls
            respect_retry_after_header=True,
            raise_on_status=False,
        )
    else:
        retry = CappedRetry(total=retries, connect=retries, read=0, status=0, other=0, backoff_factor=backoff_factor)
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http


def dumps(body: Any) -> bytes:
    """Compact UTF-8 JSON: what is signed is exactly what is sent."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def _transport_error(exc: requests.RequestException, method: str, url: str) -> Exception:
    # Once retries are used up, requests wraps urllib3's MaxRetryError in a plain
    # ConnectionError whatever the last failure was; its ``reason`` tells which.
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    read_timeout = isinstance(exc, requests.Timeout) or isinstance(reason, urllib3_errors.ReadTimeoutError)
    if read_timeout and not isinstance(exc, requests.ConnectTimeout):
        return TimeoutError(f"{method} {url}: no answer within the read timeout")
    if isinstance(exc, requests.ConnectTimeout):
        return TimeoutError(f"{method} {url}: connecting timed out")
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return InvalidResponseError(f"{method} {url}: the answer was cut short or undecodable ({type(exc).__name__})")
    if isinstance(reason, urllib3_errors.ProtocolError):
        return ConnectionError(f"{method} {url}: the connection was dropped before an answer came")
    if isinstance(exc, requests.ConnectionError):
        return ConnectionError(f"{method} {url}: cannot connect ({type(exc).__name__})")
    return ConnectionError(f"{method} {url}: {type(exc).__name__}")


def post_raw(http: requests.Session, url: str, body: Any, timeout: Timeout) -> requests.Response:
    """POST JSON and hand back the raw response (IAM: the token is in a header)."""
    headers = {"Content-Type": "application/json;charset=utf8"}
    try:
        response = http.post(url, data=dumps(body), headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise _transport_error(exc, "POST", url) from exc
    _refuse_redirect(response, "POST", url)
    return response


def _refuse_redirect(response: requests.Response, method: str, url: str) -> None:
    """Raise :class:`RedirectRefusedError` for a 3xx answer that points elsewhere."""
    if 300 <= response.status_code < 400 and response.status_code != 304:
        location = response.headers.get("Location", "")
        raise RedirectRefusedError(
            f"{method} {url}: HTTP {response.status_code} redirect to {location or '(no Location)'} refused; "
            "requests carry credentials and are never redirected (check the endpoint)",
            response.status_code,
            location,
        )


def parse_body(response: requests.Response) -> Any:
    """The JSON body of a successful answer; ``{}`` when empty."""
    text = response.content
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except ValueError:
        snippet = " ".join(response.text.split())[:120]
        raise InvalidResponseError(
            f"{response.request.method} {response.url}: HTTP {response.status_code} with a body that is not JSON: {snippet!r}"
        ) from None


def send(
    http: requests.Session,
    method: str,
    url: str,
    *,
    params: Optional[Mapping[str, Any]] = None,
    json_body: Any = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    auth: Optional[requests.auth.AuthBase] = None,
) -> Any:
    """Send one call and return its parsed JSON, or raise our typed error.

    A 2xx answer whose body says ``"is_success": false`` is a failure too.
    """
    data = None if json_body is None else dumps(json_body)
    headers = {"Content-Type": "application/json"}
    started = time.perf_counter()
    try:
        response = http.request(
            method, url, params=params, data=data, headers=headers, timeout=timeout, auth=auth, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise _transport_error(exc, method, url) from exc
    _refuse_redirect(response, method, url)
    elapsed = (time.perf_counter() - started) * 1000
    request_id = response.headers.get("X-Request-Id", "-")
    log.debug("%s %s -> %s in %.1f ms (request %s)", method, response.url, response.status_code, elapsed, request_id)
    if response.status_code >= 400:
        raise error_from_response(response.status_code, response.text, response.headers)
    body = parse_body(response)
    if isinstance(body, dict) and body.get("is_success") is False:
        parsed = parse_error_body(body) or {"error_code": "", "error_msg": "is_success is false"}
        raise APIError(response.status_code, parsed["error_code"], parsed["error_msg"], request_id, body)
    return body
