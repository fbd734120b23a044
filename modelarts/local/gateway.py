"""The API gateway's checks in front of every ModelArts path.

The rules are Huawei Cloud's API signing guide
(https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-algorithm-002.html).

A request carries either ``X-Auth-Token`` (an IAM token) or ``Authorization:
SDK-HMAC-SHA256 …``.  The signature is verified by rebuilding the canonical
request with :mod:`modelarts.signer` from the raw request and comparing HMACs
in constant time.  Refusals are 401 ``APIGW.0301`` with the documented
messages; an expired token or temporary key is 401 ``APIGW.0307``.

Lockout: after more than ``lockout_threshold`` failed authentications in a row
an AK is refused for ``lockout_seconds``.  The counters live **in memory**
(a restart clears them), like a gateway node's cache.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import threading
import time
from typing import Callable, Dict, Mapping, Optional, Tuple

import attrs

from modelarts import signer
from modelarts.local.accounts import Directory
from modelarts.local.errors import IAMAuthenticationFailed, ProjectMismatch, TokenMustBeUpdated
from modelarts.local.iam import IAM, hash_secret, iso_time

__all__ = ["Gateway", "Principal", "MAX_BODY_BYTES", "MAX_CLOCK_SKEW"]

MAX_BODY_BYTES = 12 * 1024 * 1024
MAX_CLOCK_SKEW = 15 * 60


@attrs.frozen
class Principal:
    """Who made a request: the user, its account, and how it authenticated.

    ``project_id`` is the token's scope; AK/SK requests have none and may use
    any project of their account.
    """

    user_id: str
    domain_id: str
    method: str
    project_id: Optional[str] = None
    access_key: Optional[str] = None


def _check_content_sha256(signed_headers: Mapping[str, str], body: bytes) -> None:
    """A signed ``X-Sdk-Content-Sha256`` must be the body's real digest.

    ``UNSIGNED-PAYLOAD`` (which the official SDK sends only for non-JSON
    content types) is refused for a non-empty body: every ModelArts body is
    JSON, and an unverified body could be swapped under a captured signature.
    """
    declared = signed_headers.get("x-sdk-content-sha256")
    if declared is None or not body:
        return
    if declared.strip().lower() != hashlib.sha256(body).hexdigest():
        raise IAMAuthenticationFailed(
            "verify aksk signature fail (X-Sdk-Content-Sha256 must be the SHA-256 of the body; UNSIGNED-PAYLOAD is refused)"
        )


class Gateway:
    """Authenticates requests and checks their project."""

    def __init__(
        self,
        directory: Directory,
        iam: IAM,
        max_skew: float = MAX_CLOCK_SKEW,
        lockout_threshold: int = 5,
        lockout_seconds: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = directory
        self.iam = iam
        self.max_skew = max_skew
        self.lockout_threshold = lockout_threshold
        self.lockout_seconds = lockout_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: Dict[str, Tuple[int, float]] = {}

    def authenticate(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes) -> Principal:
        """Return the :class:`Principal` of a request or raise a gateway error.

        ``headers`` maps lower-cased names to values; ``path`` and ``query``
        are exactly as received (still percent-encoded).
        """
        authorization = headers.get("authorization")
        if authorization:
            return self._signed(method, path, query, headers, body, authorization)
        token = headers.get("x-auth-token")
        if token:
            return self._token(token)
        raise IAMAuthenticationFailed("x-auth-token not found")

    def _token(self, token: str) -> Principal:
        row = self.iam.lookup_token(token)
        if row is None:
            raise IAMAuthenticationFailed("decrypt token fail")
        if row["expires_at"] <= self.clock():
            raise TokenMustBeUpdated()
        return Principal(row["user_id"], row["domain_id"], "token", project_id=row["project_id"])

    def _signed(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes, authorization: str
    ) -> Principal:
        try:
            parsed = signer.parse_authorization(authorization.strip())
        except ValueError:
            raise IAMAuthenticationFailed("verify aksk signature fail (malformed Authorization header)") from None
        key = self.directory.access_key(parsed.access_key)
        if key is None:
            raise IAMAuthenticationFailed(f"ak {parsed.access_key} not exist")
        self._check_lock(parsed.access_key)
        try:
            self._verify(method, path, query, headers, body, parsed, key["secret_key"])
            self._check_temporary(key, headers, parsed.signed_headers)
        except IAMAuthenticationFailed:
            self._record_failure(parsed.access_key)
            raise
        with self._lock:
            self._failures.pop(parsed.access_key, None)
        return Principal(key["user_id"], key["domain_id"], "aksk", access_key=parsed.access_key)

    def _verify(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        parsed: signer.ParsedAuthorization,
        secret_key: str,
    ) -> None:
        names = list(parsed.signed_headers)
        if "x-sdk-date" not in names or "host" not in names:
            raise IAMAuthenticationFailed("verify aksk signature fail (host and x-sdk-date must be signed)")
        missing = [name for name in names if name not in headers]
        if missing:
            raise IAMAuthenticationFailed(f"verify aksk signature fail (signed header {missing[0]} is missing)")
        sdk_date = headers["x-sdk-date"]
        try:
            moment = signer.parse_date(sdk_date).timestamp()
        except ValueError:
            raise IAMAuthenticationFailed("calc ak sk signature fail:signature expired (bad X-Sdk-Date)") from None
        now = self.clock()
        if abs(now - moment) > self.max_skew:
            raise IAMAuthenticationFailed(
                f"calc ak sk signature fail:signature expired, signature time:{sdk_date}, server time:{iso_time(now)}"
            )
        # Only signed headers may change what is verified: an unsigned
        # X-Sdk-Content-Sha256 would let a captured signature carry any body.
        signed_headers = {name: headers[name] for name in names}
        _check_content_sha256(signed_headers, body)
        matched = False
        for query_text in signer.canonical_query_candidates(query):
            creq = signer.canonical_request(method, path, query_text, signed_headers, names, body, canonical=True)
            expected = signer.signature(secret_key, signer.string_to_sign(creq, sdk_date))
            matched = hmac.compare_digest(expected, parsed.signature) or matched
        if not matched:
            raise IAMAuthenticationFailed("verify aksk signature fail")

    def _check_temporary(self, key: sqlite3.Row, headers: Mapping[str, str], signed: Tuple[str, ...]) -> None:
        wanted = key["security_token_hash"]
        if wanted is None:
            return
        given = headers.get("x-security-token", "") if "x-security-token" in signed else ""
        if not given or not hmac.compare_digest(hash_secret(given), wanted):
            raise IAMAuthenticationFailed("verify aksk signature fail (temporary AK needs its X-Security-Token, signed)")
        if key["expires_at"] is not None and key["expires_at"] <= self.clock():
            raise TokenMustBeUpdated(f"security token expired at {iso_time(key['expires_at'])}")

    def _check_lock(self, access_key: str) -> None:
        with self._lock:
            _, locked_until = self._failures.get(access_key, (0, 0.0))
        if locked_until > self.clock():
            raise IAMAuthenticationFailed("AK access failed to reach the limit,forbidden")

    def _record_failure(self, access_key: str) -> None:
        with self._lock:
            count, _ = self._failures.get(access_key, (0, 0.0))
            count += 1
            if count > self.lockout_threshold:
                self._failures[access_key] = (0, self.clock() + self.lockout_seconds)
            else:
                self._failures[access_key] = (count, 0.0)

    def authorize_project(self, principal: Principal, project_id: str, headers: Mapping[str, str]) -> None:
        """Refuse (403 ``ModelArts.0210``) a project the principal may not use."""
        header = headers.get("x-project-id")
        if principal.project_id is not None:
            allowed = principal.project_id == project_id
        else:
            project = self.directory.project_by_id(project_id)
            allowed = project is not None and project["domain_id"] == principal.domain_id
        if not allowed or (header and header != project_id):
            raise ProjectMismatch(project_id=project_id)
