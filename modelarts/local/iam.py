"""IAM: password login for a token, and token → temporary AK/SK.

``POST /v3/auth/tokens`` (password method) answers 201 with the token in the
``X-Subject-Token`` header and a Keystone body (after more than
``lockout_threshold`` wrong passwords in a row a login is refused for
``lockout_seconds``, even with the right password: the same rule as AK/SK
signatures; counters are in memory); ``POST
/v3.0/OS-CREDENTIAL/securitytokens`` (token method, ``X-Auth-Token``) answers
201 with ``{"credential": {"access", "secret", "securitytoken",
"expires_at"}}``.  Tokens and temporary keys are stored hashed in the
database, so a restarted service still honours them.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import secrets
import sqlite3
import threading
import time
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from modelarts.local.accounts import Directory
from modelarts.local.errors import KeystoneBadRequest, KeystoneUnauthorized
from modelarts.local.store import Database

__all__ = ["IAM", "hash_secret", "iso_time"]

_MIN_DURATION, _MAX_DURATION = 900, 86400


def hash_secret(value: str) -> str:
    """How tokens and security tokens are stored: hex SHA-256."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def iso_time(epoch: float) -> str:
    """``2024-05-01T12:00:00.000000Z``, the format IAM uses for ``expires_at``."""
    moment = _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _get(mapping: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


class IAM:
    """Issues and checks tokens and temporary credentials.

    ``token_ttl`` and ``temp_credential_ttl`` (seconds) cap the lifetimes;
    the documented defaults are 24 h.  ``clock`` returns epoch seconds.
    """

    def __init__(
        self,
        directory: Directory,
        token_ttl: float = 86400.0,
        temp_credential_ttl: float = 86400.0,
        clock: Callable[[], float] = time.time,
        lockout_threshold: int = 5,
        lockout_seconds: float = 300.0,
    ) -> None:
        self.directory = directory
        self.lockout_threshold = lockout_threshold
        self.lockout_seconds = lockout_seconds
        self._lock = threading.Lock()
        self._failures: Dict[Tuple[str, str], Tuple[int, float]] = {}
        self.db: Database = directory.db
        self.token_ttl = token_ttl
        self.temp_credential_ttl = temp_credential_ttl
        self.clock = clock

    # -- POST /v3/auth/tokens -----------------------------------------------

    def password_login(self, body: Any) -> Tuple[str, Dict[str, Any]]:
        """Check a password-method request; return ``(token, keystone_body)``."""
        identity = _get(body, "auth", "identity")
        methods = _get(identity, "methods")
        user = _get(identity, "password", "user")
        if not isinstance(methods, list) or "password" not in methods or not isinstance(user, Mapping):
            raise KeystoneBadRequest("only the password method with auth.identity.password.user is supported")
        name, password = user.get("name"), user.get("password")
        domain_name = _get(user, "domain", "name") or name
        if not (isinstance(name, str) and isinstance(password, str) and isinstance(domain_name, str) and name and password):
            raise KeystoneBadRequest("user.name, user.password and user.domain.name are required")
        login = (domain_name.lower(), name)
        self._check_lock(login)
        row = self.directory.check_password(domain_name, name, password)
        if row is None:
            self._record_failure(login)
            raise KeystoneUnauthorized("The username or password is wrong.")
        with self._lock:
            self._failures.pop(login, None)
        project = self._scope(row, _get(body, "auth", "scope"))
        now = self.clock()
        expires = now + self.token_ttl
        token = "MII" + secrets.token_urlsafe(192)
        self.db.execute(
            "INSERT INTO tokens(token_hash, user_id, project_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (hash_secret(token), row["user_id"], project["project_id"] if project else None, now, expires),
        )
        return token, self._keystone_body(row, project, now, expires)

    def _scope(self, user: sqlite3.Row, scope: Any) -> Optional[sqlite3.Row]:
        wanted = _get(scope, "project")
        if wanted is None:
            return None
        if not isinstance(wanted, Mapping):
            raise KeystoneBadRequest("auth.scope.project must be an object")
        if wanted.get("id"):
            project = self.directory.project_by_id(str(wanted["id"]))
        else:
            project = self.directory.project_by_name(user["domain_id"], str(wanted.get("name") or ""))
        if project is None or project["domain_id"] != user["domain_id"]:
            label = wanted.get("id") or wanted.get("name")
            raise KeystoneUnauthorized(f"Could not find project {label!r} for user {user['name']!r}.")
        return project

    def _keystone_body(
        self, user: sqlite3.Row, project: Optional[sqlite3.Row], issued: float, expires: float
    ) -> Dict[str, Any]:
        domain = {"id": user["domain_id"], "name": user["domain_name"]}
        token: Dict[str, Any] = {
            "expires_at": iso_time(expires),
            "issued_at": iso_time(issued),
            "methods": ["password"],
            "catalog": [],
            "roles": [{"id": "0", "name": "te_admin"}],
            "user": {"id": user["user_id"], "name": user["name"], "domain": domain, "password_expires_at": ""},
        }
        if project is not None:
            token["project"] = {"id": project["project_id"], "name": project["name"], "domain": domain}
        else:
            token["domain"] = domain
        return {"token": token}

    # -- password lockout -----------------------------------------------------

    def _check_lock(self, login: Tuple[str, str]) -> None:
        with self._lock:
            _, locked_until = self._failures.get(login, (0, 0.0))
        if locked_until > self.clock():
            raise KeystoneUnauthorized(
                "The user is locked after too many failed login attempts; "
                f"try again in {int(locked_until - self.clock()) + 1} seconds."
            )

    def _record_failure(self, login: Tuple[str, str]) -> None:
        with self._lock:
            count, _ = self._failures.get(login, (0, 0.0))
            count += 1
            if count > self.lockout_threshold:
                self._failures[login] = (0, self.clock() + self.lockout_seconds)
            else:
                self._failures[login] = (count, 0.0)
            while len(self._failures) > 10_000:  # bounded: a flood of made-up names cannot grow it forever
                self._failures.pop(next(iter(self._failures)))

    # -- tokens -----------------------------------------------------------------

    def lookup_token(self, token: str) -> Optional[sqlite3.Row]:
        """The stored token row (with the user's ``domain_id``), expired or not."""
        return self.db.one(
            "SELECT t.*, u.domain_id FROM tokens t JOIN users u USING (user_id) WHERE t.token_hash = ?",
            (hash_secret(token),),
        )

    # -- POST /v3.0/OS-CREDENTIAL/securitytokens -------------------------------

    def temporary_credentials(self, token: Optional[str], body: Any) -> Dict[str, Any]:
        """Mint a temporary AK/SK + security token for the token's user."""
        row = self.lookup_token(token) if token else None
        if row is None or row["expires_at"] <= self.clock():
            raise KeystoneUnauthorized("The token is missing, invalid or expired.")
        methods = _get(body, "auth", "identity", "methods")
        if not isinstance(methods, list) or "token" not in methods:
            raise KeystoneBadRequest("auth.identity.methods must contain \"token\"")
        duration = _get(body, "auth", "identity", "token", "duration_seconds")
        if duration is None:
            duration = _MIN_DURATION
        if isinstance(duration, bool) or not isinstance(duration, int) or not _MIN_DURATION <= duration <= _MAX_DURATION:
            raise KeystoneBadRequest(f"duration_seconds must be an integer in [{_MIN_DURATION}, {_MAX_DURATION}]")
        expires = self.clock() + min(float(duration), self.temp_credential_ttl)
        security_token = secrets.token_urlsafe(96)
        access, secret = self.directory.issue_access_key(row["user_id"], hash_secret(security_token), expires)
        return {
            "credential": {
                "access": access,
                "secret": secret,
                "securitytoken": security_token,
                "expires_at": iso_time(expires),
            }
        }
