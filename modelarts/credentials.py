"""Credentials, and where a session finds them.

Two kinds of secret exist: an access key pair (:class:`AccessKey`, maybe
temporary, with a security token) and a password login (:class:`Password`).
Secrets are ``repr=False`` so they never reach a log line or a traceback.

A provider is a zero-argument callable returning the current :class:`AccessKey`.
:class:`NotebookCredentialsFile` is the provider a ModelArts notebook needs: it
re-reads its INI file whenever the file changes or the keys it holds expire.
:func:`find_access_key` is the chain a bare ``Session()`` walks; it records the
source and names every place it looked when it finds nothing.
"""

from __future__ import annotations

import configparser
import datetime as _dt
import json
import os
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import attrs

from modelarts.exceptions import ConfigurationError

__all__ = [
    "AccessKey",
    "CredentialProvider",
    "NotebookCredentialsFile",
    "Password",
    "StaticProvider",
    "find_access_key",
    "read_legacy_config",
    "utcnow",
    "EXPIRY_MARGIN",
    "PROFILE_FILE_VARIABLES",
]

#: The environment variables naming a notebook's credentials file, in order.
PROFILE_FILE_VARIABLES = ("CREDENTIAL_PROFILES_FILE", "AWS_CREDENTIAL_PROFILES_FILE")
#: Re-read temporary keys this long before they expire.
EXPIRY_MARGIN = _dt.timedelta(minutes=5)


def utcnow() -> _dt.datetime:
    """The current time, timezone-aware UTC (the default clock of providers and tokens)."""
    return _dt.datetime.now(_dt.timezone.utc)


@attrs.frozen
class AccessKey:
    """An AK/SK pair; ``security_token`` is set for temporary keys."""

    access_key: str
    secret_key: str = attrs.field(repr=False)
    security_token: Optional[str] = attrs.field(default=None, repr=False)
    user_id: Optional[str] = None
    expires_at: Optional[_dt.datetime] = None
    source: str = "arguments"

    @property
    def is_temporary(self) -> bool:
        return bool(self.security_token)

    def expired(self, now: Optional[_dt.datetime] = None, margin: _dt.timedelta = EXPIRY_MARGIN) -> bool:
        if self.expires_at is None:
            return False
        return (now or utcnow()) + margin >= self.expires_at


@attrs.frozen
class Password:
    """An account or IAM-user login: ``domain`` is the account name."""

    username: str
    password: str = attrs.field(repr=False)
    domain: str
    source: str = "arguments"


CredentialProvider = Callable[[], AccessKey]


@attrs.define
class StaticProvider:
    """Always the same key; ``refresh()`` has nothing new to offer."""

    key: AccessKey

    def __call__(self) -> AccessKey:
        return self.key

    def refresh(self) -> bool:
        return False


def _parse_expiry(text: str) -> Optional[_dt.datetime]:
    if not text:
        return None
    try:
        moment = _dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)


def _ini_error(path: str, exc: configparser.Error, offset: int) -> ConfigurationError:
    """A parse error naming the file and line numbers only: a line may hold the SK."""
    numbers: List[int] = []
    if isinstance(exc, configparser.ParsingError):
        numbers = [int(lineno) for lineno, _ in exc.errors]
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int):
        numbers.append(lineno)
    where = ", ".join(str(max(1, number - offset)) for number in sorted(set(numbers)))
    place = f" at line {where}" if where else ""
    return ConfigurationError(f"credentials file {path} is not a valid INI file ({type(exc).__name__}{place})")


def _read_profile(path: str) -> Mapping[str, str]:
    """All ``key = value`` pairs of the file, whatever section (or none) holds them."""
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"credentials file {path} is not UTF-8 text (at byte {exc.start})") from None
    parser = configparser.ConfigParser(interpolation=None)
    headed = text.lstrip().startswith("[")
    failure: Optional[ConfigurationError] = None
    try:
        parser.read_string(text if headed else "[default]\n" + text)
    except configparser.Error as exc:
        failure = _ini_error(path, exc, 0 if headed else 1)
    if failure is not None:  # raised outside the handler: no chained context quoting the line
        raise failure
    values: Dict[str, str] = {}
    for section in parser.sections():
        values.update(parser[section])
    return values


class NotebookCredentialsFile:
    """Keys from a ModelArts notebook's credentials file, re-read when stale.

    The file holds ``default_access_key_id``, ``default_secret_access_key``,
    ``default_security_token`` (or ``default_session_token``) and
    ``default_user_id``; an optional ``default_expires_at`` (ISO 8601) tells
    when temporary keys expire.  The platform rewrites the file before then; a
    changed modification time, expiry, or :meth:`refresh` makes this provider
    read it again.
    """

    def __init__(self, path: str, clock: Callable[[], _dt.datetime] = utcnow) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._key: Optional[AccessKey] = None
        self._mtime: Optional[float] = None

    def __repr__(self) -> str:
        return f"NotebookCredentialsFile({self.path!r})"

    def _load(self) -> AccessKey:
        try:
            values = _read_profile(self.path)
            mtime = os.stat(self.path).st_mtime
        except OSError as exc:
            raise ConfigurationError(f"cannot read credentials file {self.path}: {exc.strerror}") from None
        ak = values.get("default_access_key_id", "").strip()
        sk = values.get("default_secret_access_key", "").strip()
        if not ak or not sk:
            raise ConfigurationError(
                f"credentials file {self.path} has no default_access_key_id/default_secret_access_key"
            )
        token = (values.get("default_security_token") or values.get("default_session_token") or "").strip()
        self._mtime = mtime
        return AccessKey(
            access_key=ak,
            secret_key=sk,
            security_token=token or None,
            user_id=values.get("default_user_id", "").strip() or None,
            expires_at=_parse_expiry(values.get("default_expires_at", "")),
            source=f"notebook credentials file {self.path}",
        )

    def _stale(self) -> bool:
        if self._key is None or self._key.expired(self._clock()):
            return True
        try:
            return os.stat(self.path).st_mtime != self._mtime
        except OSError:
            return False

    def __call__(self) -> AccessKey:
        with self._lock:
            if self._stale():
                self._key = self._load()
            assert self._key is not None
            return self._key

    def refresh(self) -> bool:
        """Read the file again; ``True`` if it now holds different keys."""
        with self._lock:
            old = self._key
            self._key = self._load()
            return old is None or (old.access_key, old.secret_key, old.security_token) != (
                self._key.access_key,
                self._key.secret_key,
                self._key.security_token,
            )


def find_access_key(environ: Mapping[str, str]) -> Tuple[Callable[[], AccessKey], str]:
    """The provider a bare ``Session()`` uses, and a description of its source.

    Looks, in order, at the notebook credentials file named by
    ``CREDENTIAL_PROFILES_FILE`` or ``AWS_CREDENTIAL_PROFILES_FILE``, then at
    ``HUAWEICLOUD_SDK_AK``/``HUAWEICLOUD_SDK_SK`` (with
    ``HUAWEICLOUD_SDK_SECURITY_TOKEN``).  Raises :class:`ConfigurationError`
    naming every place it looked.
    """
    looked: List[str] = []
    for variable in PROFILE_FILE_VARIABLES:
        path = environ.get(variable)
        if not path:
            looked.append(f"${variable} (not set)")
            continue
        if not os.path.isfile(path):
            looked.append(f"${variable}={path} (no such file)")
            continue
        provider = NotebookCredentialsFile(path)
        key = provider()  # fail now, with the file's own error, rather than on first call
        return provider, key.source
    ak, sk = environ.get("HUAWEICLOUD_SDK_AK"), environ.get("HUAWEICLOUD_SDK_SK")
    if ak and sk:
        source = "environment HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK"
        token = environ.get("HUAWEICLOUD_SDK_SECURITY_TOKEN") or None
        return StaticProvider(AccessKey(ak, sk, security_token=token, source=source)), source
    looked.append("$HUAWEICLOUD_SDK_AK/$HUAWEICLOUD_SDK_SK (" + ("incomplete" if ak or sk else "not set") + ")")
    raise ConfigurationError(
        "no credentials found. Pass access_key/secret_key or username/password to Session(), "
        "or run inside a ModelArts notebook. Looked at: " + "; ".join(looked)
    )


def read_legacy_config(path: str) -> Dict[str, Any]:
    """The retired ``~/.modelarts/config.json`` (flat keys, or 1.1.7's ``clusters`` list)."""
    full = os.path.expanduser(path)
    try:
        with open(full, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ConfigurationError(f"cannot read config file {full}: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigurationError(f"config file {full} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"config file {full} must hold a JSON object")
    clusters = data.get("clusters") or [{}]
    cluster = (clusters[0] or {}).get("cluster", {}) if isinstance(clusters, list) else {}
    user = ((data.get("users") or [{}])[0] or {}).get("user", {}) if isinstance(data.get("users"), list) else {}
    pick = lambda *keys: next((src[k] for src in (data, user, cluster) for k in keys if src.get(k)), None)  # noqa: E731
    return {
        "account": pick("account", "domain"),
        "username": pick("username", "user"),
        "password": pick("password"),
        "region_name": pick("region_name", "region"),
        "project_id": pick("project_id"),
    }
