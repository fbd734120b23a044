"""Accounts, IAM users, projects and access keys, and the credentials file.

The model is Huawei Cloud's: an *account* (IAM domain) owns *projects* and
*users*; the account itself logs in as a user whose name is the account name.
Each user gets a permanent AK/SK; IAM can mint temporary ones.  A user may
use every project of its own account and no other.

The credentials file is the notebook's INI format (``[default]`` with
``default_access_key_id``, ``default_secret_access_key``,
``default_security_token``, ``default_user_id``) plus the login facts under
plain keys (``account``, ``username``, ``password``, ``project_id``,
``project_name``, ``region_name``, ``domain_id``).  It is written mode 0600.
"""

from __future__ import annotations

import configparser
import hashlib
import hmac
import os
import secrets
import sqlite3
import string
import uuid
from pathlib import Path
from typing import List, Optional, Tuple

import attrs

from modelarts.local.rowcache import RowCache
from modelarts.local.store import Database

__all__ = [
    "Credentials",
    "Directory",
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "new_id",
    "read_credentials_file",
    "write_credentials_file",
]

DEFAULT_ACCOUNT = "modelarts"
DEFAULT_REGION = "local-1"
_PBKDF2_ROUNDS = 20_000
_AK_ALPHABET = string.ascii_uppercase + string.digits
_SK_ALPHABET = string.ascii_letters + string.digits


def new_id() -> str:
    """A 32-hex id, the shape of Huawei project, user and domain ids."""
    return uuid.uuid4().hex


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _hash_password(password: str, salt: str) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), _PBKDF2_ROUNDS)
    return digest.hex()


@attrs.frozen
class Credentials:
    """Everything a client needs to log in as one user of the local service."""

    account: str
    username: str
    password: str = attrs.field(repr=False)
    access_key: str
    secret_key: str = attrs.field(repr=False)
    project_id: str
    region_name: str
    user_id: str
    domain_id: str = ""
    project_name: str = ""
    security_token: str = attrs.field(default="", repr=False)


def write_credentials_file(path: "str | Path", creds: Credentials) -> Path:
    """Write ``creds`` as an INI file readable only by its owner (0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    parser = configparser.ConfigParser(interpolation=None)
    parser["default"] = {
        "default_access_key_id": creds.access_key,
        "default_secret_access_key": creds.secret_key,
        "default_security_token": creds.security_token,
        "default_user_id": creds.user_id,
        "account": creds.account,
        "username": creds.username,
        "password": creds.password,
        "domain_id": creds.domain_id,
        "project_id": creds.project_id,
        "project_name": creds.project_name,
        "region_name": creds.region_name,
    }
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(str(tmp), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        parser.write(handle)
    os.chmod(str(tmp), 0o600)
    os.replace(str(tmp), str(path))
    return path


def read_credentials_file(path: "str | Path") -> Credentials:
    """Read a file written by :func:`write_credentials_file`."""
    parser = configparser.ConfigParser(interpolation=None)
    if not parser.read(str(path), encoding="utf-8") or "default" not in parser:
        raise FileNotFoundError(f"no [default] section in credentials file {path}")
    section = parser["default"]
    return Credentials(
        account=section.get("account", ""),
        username=section.get("username", ""),
        password=section.get("password", ""),
        access_key=section.get("default_access_key_id", ""),
        secret_key=section.get("default_secret_access_key", ""),
        project_id=section.get("project_id", ""),
        region_name=section.get("region_name", DEFAULT_REGION),
        user_id=section.get("default_user_id", ""),
        domain_id=section.get("domain_id", ""),
        project_name=section.get("project_name", ""),
        security_token=section.get("default_security_token", ""),
    )


class Directory:
    """Accounts, users, projects and keys stored in the service database.

    Access keys and projects are read on every request, so their rows are
    cached (:class:`~modelarts.local.rowcache.RowCache`); every write below
    clears the caches.
    """

    def __init__(self, db: Database, region: str = DEFAULT_REGION) -> None:
        self.db = db
        self.region = region
        self._keys: RowCache[str, sqlite3.Row] = RowCache(self._load_access_key)
        self._projects: RowCache[str, sqlite3.Row] = RowCache(self._load_project)

    def forget(self) -> None:
        """Drop the cached keys and projects (after writing to their tables)."""
        self._keys.clear()
        self._projects.clear()

    # -- creation -------------------------------------------------------------

    def create_account(self, name: str, password: Optional[str] = None) -> Credentials:
        """A new account (domain) with its default project (named after the
        region) and its own login user; returns that user's credentials."""
        domain_id = new_id()
        try:
            with self.db.transaction():
                self.db.execute("INSERT INTO domains(domain_id, name) VALUES (?, ?)", (domain_id, name))
                self.add_project(self.region, account=name)
                return self.add_user(name, account=name, password=password)
        finally:
            self.forget()

    def add_project(self, name: str, account: str = DEFAULT_ACCOUNT) -> str:
        """Add a project to ``account``; return its 32-hex id."""
        domain = self._domain(account)
        project_id = new_id()
        try:
            self.db.execute(
                "INSERT INTO projects(project_id, domain_id, name) VALUES (?, ?, ?)", (project_id, domain["domain_id"], name)
            )
        finally:
            self.forget()
        return project_id

    def add_user(
        self, username: str, account: str = DEFAULT_ACCOUNT, password: Optional[str] = None, project: Optional[str] = None
    ) -> Credentials:
        """Add an IAM user with a permanent AK/SK; ``project`` (name or id)
        picks the project its credentials name (default: the region's)."""
        domain = self._domain(account)
        chosen = self.project_by_name(domain["domain_id"], project or self.region) or self.project_by_id(project or "")
        if chosen is None or chosen["domain_id"] != domain["domain_id"]:
            raise KeyError(f"account {account!r} has no project {project or self.region!r}")
        user_id = new_id()
        try:
            with self.db.transaction():
                self.db.execute(
                    "INSERT INTO users(user_id, domain_id, name, password_salt, password_hash) VALUES (?, ?, ?, '', '')",
                    (user_id, domain["domain_id"], username),
                )
                return self._login(user_id, password or secrets.token_urlsafe(12), chosen)
        finally:
            self.forget()

    def _login(self, user_id: str, password: str, project: sqlite3.Row) -> Credentials:
        """Set the user's password and issue a permanent AK/SK; its credentials."""
        salt = secrets.token_hex(8)
        self.db.execute(
            "UPDATE users SET password_salt = ?, password_hash = ? WHERE user_id = ?",
            (salt, _hash_password(password, salt), user_id),
        )
        access_key, secret_key = self.issue_access_key(user_id)
        user = self.user(user_id)
        assert user is not None
        return Credentials(
            account=user["domain_name"],
            username=user["name"],
            password=password,
            access_key=access_key,
            secret_key=secret_key,
            project_id=project["project_id"],
            region_name=self.region,
            user_id=user_id,
            domain_id=user["domain_id"],
            project_name=project["name"],
        )

    def issue_access_key(
        self, user_id: str, security_token_hash: Optional[str] = None, expires_at: Optional[float] = None
    ) -> Tuple[str, str]:
        """A new 20-char AK and 40-char SK for ``user_id`` (temporary when
        ``security_token_hash`` and ``expires_at`` are given)."""
        access_key, secret_key = _random(_AK_ALPHABET, 20), _random(_SK_ALPHABET, 40)
        try:
            self.db.execute(
                "INSERT INTO access_keys(access_key, secret_key, user_id, security_token_hash, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (access_key, secret_key, user_id, security_token_hash, expires_at),
            )
        finally:
            self.forget()
        return access_key, secret_key

    def reissue(self, user_id: str, password: str) -> Credentials:
        """New password and a new permanent AK/SK for ``user_id`` (when its
        credentials file was lost: the password is only stored hashed).

        As on Huawei Cloud, a password or key change revokes what was issued
        before: every older AK/SK of the user (temporary ones included) and
        every token stop working at once.
        """
        user = self.user(user_id)
        if user is None:
            raise KeyError(f"no user {user_id!r}")
        project = self.project_by_name(user["domain_id"], self.region) or self.projects_of(user["domain_id"])[0]
        try:
            with self.db.transaction():
                self.revoke(user_id)
                return self._login(user_id, password, project)
        finally:
            self.forget()

    def revoke(self, user_id: str) -> None:
        """Invalidate every access key and token of ``user_id``."""
        try:
            with self.db.transaction():
                self.db.execute("DELETE FROM access_keys WHERE user_id = ?", (user_id,))
                self.db.execute("DELETE FROM tokens WHERE user_id = ?", (user_id,))
        finally:
            self.forget()

    # -- lookups --------------------------------------------------------------

    def _domain(self, name: str) -> sqlite3.Row:
        row = self.db.one("SELECT * FROM domains WHERE name = ?", (name,))
        if row is None:
            raise KeyError(f"no account {name!r}")
        return row

    def check_password(self, domain_name: str, user_name: str, password: str) -> Optional[sqlite3.Row]:
        """The user row if the login is right, else ``None`` (constant-time compare)."""
        row = self.db.one(
            "SELECT u.*, d.name AS domain_name FROM users u JOIN domains d USING (domain_id) "
            "WHERE d.name = ? AND u.name = ?",
            (domain_name, user_name),
        )
        candidate = _hash_password(password, row["password_salt"] if row else "00")
        if row is None or not hmac.compare_digest(candidate, row["password_hash"]):
            return None
        return row

    def user(self, user_id: str) -> Optional[sqlite3.Row]:
        return self.db.one(
            "SELECT u.*, d.name AS domain_name FROM users u JOIN domains d USING (domain_id) WHERE u.user_id = ?",
            (user_id,),
        )

    def project_by_id(self, project_id: str) -> Optional[sqlite3.Row]:
        return self._projects.get(project_id)

    def _load_project(self, project_id: str) -> Optional[sqlite3.Row]:
        return self.db.one("SELECT * FROM projects WHERE project_id = ?", (project_id,))

    def project_by_name(self, domain_id: str, name: str) -> Optional[sqlite3.Row]:
        return self.db.one("SELECT * FROM projects WHERE domain_id = ? AND name = ?", (domain_id, name))

    def projects_of(self, domain_id: str) -> List[sqlite3.Row]:
        return self.db.all("SELECT * FROM projects WHERE domain_id = ? ORDER BY name", (domain_id,))

    def access_key(self, access_key: str) -> Optional[sqlite3.Row]:
        """The key's row with its user's ``domain_id`` (cached: read on every signed request)."""
        return self._keys.get(access_key)

    def _load_access_key(self, access_key: str) -> Optional[sqlite3.Row]:
        return self.db.one(
            "SELECT k.*, u.domain_id FROM access_keys k JOIN users u USING (user_id) WHERE k.access_key = ?",
            (access_key,),
        )
