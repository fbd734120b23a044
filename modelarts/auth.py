"""``requests`` authentication: AK/SK signing and IAM tokens.

:class:`SignerAuth` signs each request with ``SDK-HMAC-SHA256``.  It first
drops any ``Authorization`` and ``X-Sdk-Date`` left from an earlier attempt,
so a resent request is signed again with a fresh date.

:class:`TokenAuth` sends ``X-Auth-Token``.  Its :class:`TokenManager` gets the
token from IAM, caches it with its expiry and renews it ahead of time.

Both register a response hook: when the service answers 401 because the
token or temporary keys expired, the credentials are renewed and the request
is sent once more (the way ``requests.auth.HTTPDigestAuth`` resends).
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
from typing import Any, Callable, Dict, Mapping, Optional, Union
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.auth import AuthBase

from modelarts import signer
from modelarts.credentials import AccessKey, Password, utcnow
from modelarts.exceptions import error_from_response

__all__ = ["SignerAuth", "TokenAuth", "TokenManager", "SIGNED_HEADERS", "header_text", "EXPIRED_CODES"]

log = logging.getLogger(__name__)

#: Headers signed when present; the rest (User-Agent, Accept-Encoding …) may be
#: rewritten by proxies, so they stay out of the signature.
SIGNED_HEADERS = frozenset(
    {"content-type", "host", "x-sdk-date", "x-project-id", "x-security-token", "x-domain-id", "x-modelarts-user-id"}
)
#: Error codes meaning "your token or temporary keys expired, get new ones".
EXPIRED_CODES = frozenset({"APIGW.0307", "ModelArts.0202", "ModelArts.0207"})
_RESENT = "_modelarts_resent"


def header_text(headers: Mapping[str, Union[str, bytes]]) -> Dict[str, str]:
    """The headers as the text sent: requests passes a bytes value through as is, and
    http.client sends a str value as Latin-1, so bytes decode as Latin-1."""
    return {name: value.decode("latin-1") if isinstance(value, bytes) else value for name, value in headers.items()}


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes):
        return body
    raise TypeError("SDK-HMAC-SHA256 signing needs the whole body; streaming bodies cannot be signed")


def _error_code(response: requests.Response) -> str:
    try:
        return error_from_response(response.status_code, response.text, response.headers).error_code
    except Exception:  # pragma: no cover - a body we cannot read is simply not "expired"
        return ""


class _ResendOn401(AuthBase):
    """Shared 401 handling: renew credentials once, then resend the request."""

    def renew(self, request: requests.PreparedRequest) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def _handle_401(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        request = response.request
        if response.status_code != 401 or getattr(request, _RESENT, False):
            return response
        if _error_code(response) not in EXPIRED_CODES and not self.expired_hint(response):
            return response
        if not self.renew(request):
            return response
        log.debug("credentials expired (%s); renewed, resending once", _error_code(response))
        response.content  # drain, so the connection can be reused
        response.close()
        retry = request.copy()
        setattr(retry, _RESENT, True)
        self(retry)
        sent = response.connection.send(retry, **kwargs)
        sent.history.append(response)
        sent.request = retry
        return sent

    def expired_hint(self, response: requests.Response) -> bool:
        return False


class SignerAuth(_ResendOn401):
    """Sign requests with the keys a provider returns (they may rotate).

    ``provider`` is a zero-argument callable returning an
    :class:`~modelarts.credentials.AccessKey`; if it has a ``refresh()``
    method, a 401 for expired keys calls it and resends once.
    """

    def __init__(
        self,
        provider: Callable[[], AccessKey],
        project_id: Optional[str] = None,
        clock: Callable[[], _dt.datetime] = utcnow,
    ) -> None:
        self.provider = provider
        self.project_id = project_id
        self.clock = clock

    def __repr__(self) -> str:
        return f"SignerAuth(access_key={self.provider().access_key!r}, project_id={self.project_id!r})"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        key = self.provider()
        headers = request.headers
        for stale in ("Authorization", "X-Sdk-Date", "Host", "X-Security-Token"):
            headers.pop(stale, None)
        if self.project_id:
            headers["X-Project-Id"] = self.project_id
        if key.security_token:
            headers["X-Security-Token"] = key.security_token
        parts = urlsplit(request.url or "")
        query = signer.canonical_query(parts.query)
        request.url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        headers["Host"] = parts.netloc
        headers["X-Sdk-Date"] = sdk_date = signer.format_date(self.clock())
        names = sorted(name.lower() for name in headers if name.lower() in SIGNED_HEADERS)
        body = _body_bytes(request.body)
        creq = signer.canonical_request(request.method or "GET", parts.path, query, header_text(headers), names, body)
        if log.isEnabledFor(logging.DEBUG):
            shown = creq.replace(key.security_token, "***") if key.security_token else creq
            log.debug("canonical request:\n%s", shown)
        sig = signer.signature(key.secret_key, signer.string_to_sign(creq, sdk_date))
        headers["Authorization"] = signer.authorization(key.access_key, names, sig)
        request.register_hook("response", self._handle_401)
        return request

    def renew(self, request: requests.PreparedRequest) -> bool:
        """Re-read the keys: worth a resend if they differ from those that signed ``request``
        (another call may already have picked up the rotated keys)."""
        refresh = getattr(self.provider, "refresh", None)
        if refresh and refresh():
            return True
        key = self.provider()
        sent = request.headers.get("Authorization", "")
        return request.headers.get("X-Security-Token") != key.security_token or f"Access={key.access_key}," not in sent

    def expired_hint(self, response: requests.Response) -> bool:
        return self.provider().is_temporary and "expire" in response.text.lower()


class TokenManager:
    """Gets an IAM token with a password and keeps it fresh.

    ``send`` posts JSON and returns the ``requests.Response`` (the session
    passes its own transport, so timeouts and TLS settings apply).  The token
    is renewed ``margin`` before ``expires_at``; :meth:`invalidate` forces it.
    """

    def __init__(
        self,
        iam_endpoint: str,
        login: Password,
        project_id: Optional[str],
        project_name: Optional[str],
        send: Callable[[str, Dict[str, Any]], requests.Response],
        margin: _dt.timedelta = _dt.timedelta(minutes=10),
        clock: Callable[[], _dt.datetime] = utcnow,
    ) -> None:
        self.iam_endpoint = iam_endpoint.rstrip("/")
        self.login = login
        self.project_id = project_id
        self.project_name = project_name
        self._send = send
        self._margin = margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: Optional[str] = None
        self.expires_at: Optional[_dt.datetime] = None
        self.issued = 0

    def __repr__(self) -> str:
        return f"TokenManager(user={self.login.username!r}, domain={self.login.domain!r}, expires_at={self.expires_at})"

    def _request_body(self) -> Dict[str, Any]:
        scope = {"id": self.project_id} if self.project_id else {"name": self.project_name}
        user = {"name": self.login.username, "password": self.login.password, "domain": {"name": self.login.domain}}
        return {
            "auth": {
                "identity": {"methods": ["password"], "password": {"user": user}},
                "scope": {"project": scope},
            }
        }

    def _fetch(self) -> None:
        response = self._send(f"{self.iam_endpoint}/v3/auth/tokens", self._request_body())
        if response.status_code not in (200, 201):
            raise error_from_response(response.status_code, response.text, response.headers)
        token = response.headers.get("X-Subject-Token")
        try:
            body = response.json()["token"]
        except (ValueError, KeyError, TypeError):
            body = {}
        if not token:
            raise error_from_response(502, "IAM answered without an X-Subject-Token header", response.headers)
        expires = body.get("expires_at")
        try:
            self.expires_at = _dt.datetime.fromisoformat(str(expires).replace("Z", "+00:00"))
        except ValueError:
            self.expires_at = self._clock() + _dt.timedelta(hours=24)
        project = body.get("project") or {}
        if not self.project_id and isinstance(project, dict) and project.get("id"):
            self.project_id = str(project["id"])
        self._token = token
        self.issued += 1
        log.debug("IAM token issued for %s, expires %s", self.login.username, self.expires_at)

    def token(self) -> str:
        with self._lock:
            stale = self.expires_at is None or self._clock() + self._margin >= self.expires_at
            if self._token is None or stale:
                self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None


class TokenAuth(_ResendOn401):
    """Send the manager's IAM token as ``X-Auth-Token`` (never signed)."""

    def __init__(self, manager: TokenManager) -> None:
        self.manager = manager

    def __repr__(self) -> str:
        return f"TokenAuth({self.manager!r})"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["X-Auth-Token"] = self.manager.token()
        if self.manager.project_id:
            request.headers["X-Project-Id"] = self.manager.project_id
        request.register_hook("response", self._handle_401)
        return request

    def renew(self, request: requests.PreparedRequest) -> bool:
        self.manager.invalidate()
        return True

    def expired_hint(self, response: requests.Response) -> bool:
        return "token" in response.text.lower() and "expire" in response.text.lower()

