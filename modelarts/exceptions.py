"""Every error the SDK raises, in one shallow tree::

    ModelArtsError
    ├── ConfigurationError (also ValueError)   no region, no project id, no credentials …
    ├── TransportError                         the request never got an HTTP answer
    │   ├── ConnectionError                    refused, DNS, TLS
    │   ├── TimeoutError                       connect or read timeout
    │   └── InvalidResponseError               an answer that is not the JSON it should be
    ├── APIError                               the service answered with a failure
    │   ├── BadRequestError           400      ModelArts.0101, ModelArts.2775 …
    │   ├── AuthenticationError       401      APIGW.0301, ModelArts.0201 …
    │   ├── PermissionDeniedError     403      ModelArts.0210 …
    │   ├── NotFoundError             404      APIGW.0101
    │   ├── ConflictError             409      ModelArts.2796 …
    │   │   └── JobConflictError      409      the job's state refuses it (also a JobStateError)
    │   ├── PayloadTooLargeError      413
    │   ├── ThrottledError            429
    │   └── ServerError               5xx
    ├── JobStateError                          a job is not in a state that allows the call
    │   ├── JobConflictError                   e.g. deleting a job that still runs
    │   └── JobFailedError                     ``wait()`` saw the job end FAILED (or KILLED, if asked)
    └── WaitTimeoutError (also TimeoutError)   ``wait(timeout=…)`` ran out

Transport errors keep the ``requests`` exception as ``__cause__``.  An
``APIError`` keeps the documented failure dict: ``err.to_dict()`` is
``{"is_success": False, "error_msg": …, "error_code": …}``.
"""

from __future__ import annotations

import builtins
import json
from typing import Any, Dict, Mapping, Optional, Tuple, Type

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "ConnectionError",
    "InvalidResponseError",
    "JobConflictError",
    "JobFailedError",
    "JobStateError",
    "ModelArtsError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RedirectRefusedError",
    "ServerError",
    "ThrottledError",
    "TimeoutError",
    "TransportError",
    "WaitTimeoutError",
    "is_missing",
    "error_from_response",
    "parse_error_body",
]


def _rebuild(cls: Type[BaseException], args: Tuple[Any, ...]) -> BaseException:
    """Unpickling: the instance from its ``args`` without calling ``__init__``
    (whose parameters differ from ``args``); ``__setstate__`` then restores the attributes."""
    err = cls.__new__(cls, *args)
    err.args = args  # OSError's __new__ leaves args to an overridden __init__ (WaitTimeoutError)
    return err


class ModelArtsError(Exception):
    """Root of every exception raised by this package.

    Every subclass pickles with all its attributes (``APIError.status_code``,
    ``ThrottledError.retry_after`` …), so errors cross process boundaries intact.
    """

    def __reduce__(self) -> Tuple[Any, ...]:
        return _rebuild, (type(self), self.args), dict(vars(self))


class ConfigurationError(ModelArtsError, ValueError):
    """The session cannot be configured as asked (missing region, project, credentials …)."""


class TransportError(ModelArtsError):
    """No HTTP answer came back; ``__cause__`` is the ``requests`` exception."""


class ConnectionError(TransportError):  # noqa: A001 - deliberate, namespaced
    """The connection could not be made or was dropped."""


class TimeoutError(TransportError, builtins.TimeoutError):  # noqa: A001
    """Connecting or reading took longer than the session's timeout."""


class InvalidResponseError(TransportError):
    """The service answered 2xx with a body that is not JSON (truncated, HTML …)."""


class RedirectRefusedError(TransportError):
    """The service answered with a redirect; it is never followed.

    A request carries credentials (a signature, ``X-Auth-Token``,
    ``X-Security-Token`` or a password body), so following a redirect could
    hand them to another host.  ``location`` is where the answer pointed:
    check the endpoint configuration.
    """

    def __init__(self, message: str, status_code: int, location: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.location = location


class JobStateError(ModelArtsError):
    """The job's state does not allow the call.

    Raised as :class:`JobConflictError` (the service refused, e.g. deleting a
    running job) or :class:`JobFailedError` (a waited-for job failed).
    """


class JobFailedError(JobStateError):
    """A waited-for job ended in a failure state (or stopped, when stopped jobs count as failures).

    Attributes
    ----------
    status : JobState or None
        The state the job ended in.
    exit_code : int or None
        The training process's return code, when the log says it
        (``Training end with return code: N``).
    log_tail : tuple of str
        The job's last log lines (empty when they could not be read).
    """

    def __init__(
        self, message: str, status: Any = None, *, exit_code: Optional[int] = None, log_tail: Any = ()
    ) -> None:
        super().__init__(message)
        self.status = status
        self.exit_code = exit_code
        self.log_tail = tuple(str(line) for line in log_tail)

    @property
    def reason(self) -> str:
        """Why the job failed, in one line: the exit code and the last meaningful log line."""
        parts = [] if self.exit_code is None else [f"exit code {self.exit_code}"]
        last = next((line for line in reversed(self.log_tail) if line.strip() and "return code" not in line), "")
        if last:
            parts.append(f"last log line: {last.strip()}")
        return "; ".join(parts) or "no log lines were available"


class WaitTimeoutError(ModelArtsError, builtins.TimeoutError):
    """A ``wait(timeout=…)`` ended before the job reached a terminal state."""

    def __init__(self, message: str, last_status: Any = None) -> None:
        super().__init__(message)
        self.last_status = last_status


class APIError(ModelArtsError):
    """The service answered with an HTTP error or ``is_success: false``."""

    def __init__(
        self,
        status_code: int,
        error_code: str,
        error_msg: str,
        request_id: Optional[str] = None,
        body: Any = None,
    ) -> None:
        super().__init__(error_code, error_msg)
        self.status_code = status_code
        self.error_code = error_code
        self.error_msg = error_msg
        self.request_id = request_id
        self.body = body

    def __str__(self) -> str:
        where = f"HTTP {self.status_code}"
        if self.request_id:
            where += f", request {self.request_id}"
        return f"{self.error_code}: {self.error_msg} ({where})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, error_code={self.error_code!r}, error_msg={self.error_msg!r})"

    def to_dict(self) -> Dict[str, Any]:
        """The documented failure shape of the SDK's return values: ``is_success``,
        ``error_msg``, ``error_code`` and, when the answer carried one (v2 answers
        do), ``error_solution``."""
        result: Dict[str, Any] = {"is_success": False, "error_msg": self.error_msg, "error_code": self.error_code}
        if isinstance(self.body, Mapping) and self.body.get("error_solution"):
            result["error_solution"] = str(self.body["error_solution"])
        return result


class BadRequestError(APIError):
    """400: a parameter is invalid, or (ModelArts.2775) the job does not exist."""


class AuthenticationError(APIError):
    """401: the signature, token or credentials were refused."""


class PermissionDeniedError(APIError):
    """403: authenticated, but not allowed (wrong project, no permission)."""


class NotFoundError(APIError):
    """404: no such API or resource."""


class ConflictError(APIError):
    """409: the resource's state does not allow it (e.g. ModelArts.2796, not terminable)."""


class JobConflictError(ConflictError, JobStateError):
    """409 because of the job's state: deleting a job or version that still runs.

    The message says how to proceed (stop it first, or ``force=True``); caught by
    ``except ConflictError`` and by ``except JobStateError`` alike.
    """


class PayloadTooLargeError(APIError):
    """413: the request body is over the gateway's limit (12 MB)."""


class ThrottledError(APIError):
    """429: too many requests; ``retry_after`` holds the server's hint in seconds."""

    retry_after: Optional[float] = None


class ServerError(APIError):
    """5xx: the service failed."""


_BY_STATUS: Mapping[int, Type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: ThrottledError,
}


def parse_error_body(body: Any) -> Optional[Dict[str, str]]:
    """``{"error_code", "error_msg"}`` from any of the three documented shapes,
    or ``None`` when ``body`` carries no error.

    * v1 training: ``{"is_success": false, "error_message"|"error_msg", "error_code"}``
    * API gateway: ``{"error_code", "error_msg", "request_id"}``
    * Keystone (IAM): ``{"error": {"code", "message", "title"}}``
    """
    if not isinstance(body, dict):
        return None
    nested = body.get("error")
    if isinstance(nested, dict) and ("message" in nested or "code" in nested):
        code = nested.get("code", "")
        title = nested.get("title")
        return {
            "error_code": f"IAM.{code}" if isinstance(code, int) else str(code),
            "error_msg": str(nested.get("message") or title or ""),
        }
    message = body.get("error_msg", body.get("error_message"))
    code = body.get("error_code")
    if code is None and message is None:
        return None
    return {"error_code": str(code or ""), "error_msg": str(message or "")}


def error_from_response(status_code: int, text: str, headers: Mapping[str, str]) -> APIError:
    """Build the typed error for one failed HTTP answer (any body, even HTML)."""
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        body = None
    parsed = parse_error_body(body)
    if parsed is None:
        snippet = " ".join((text or "").split())[:200]
        parsed = {"error_code": f"HTTP.{status_code}", "error_msg": snippet or "empty response body"}
    request_id = None
    for name, value in headers.items():
        if name.lower() == "x-request-id":
            request_id = value
    if request_id is None and isinstance(body, dict) and isinstance(body.get("request_id"), str):
        request_id = body["request_id"]
    cls = _BY_STATUS.get(status_code) or (ServerError if status_code >= 500 else APIError)
    err = cls(status_code, parsed["error_code"], parsed["error_msg"], request_id, body)
    if isinstance(err, ThrottledError):
        retry = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
        try:
            err.retry_after = float(retry) if retry is not None else None
        except ValueError:
            err.retry_after = None
    return err


def is_missing(err: APIError) -> bool:
    """The error says the training job (or version) does not exist, e.g. after a delete.

    ``ModelArts.2775`` (job not found) or any other 404 of the service; a 404
    from the API gateway itself (``APIGW.*``, an unknown route) is not a missing job.
    """
    if err.error_code == "ModelArts.2775":
        return True
    return isinstance(err, NotFoundError) and not err.error_code.startswith("APIGW")
