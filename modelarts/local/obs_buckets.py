"""Buckets of the local OBS: names, owners, creation and deletion.

A bucket is the directory ``<data-dir>/obs/<bucket>``; its owner (an account,
i.e. an IAM domain id) is recorded in the ``obs_buckets`` table.  A bucket
directory without a record (made by an older data dir, or by hand) belongs
to the main account.  Names follow the OBS rules: 3-63 characters of
``a-z``, ``0-9``, ``.`` and ``-``, starting and ending with a letter or
digit, no ``..``, ``.-`` or ``-.``, and not shaped like an IP address.
Another account's bucket is answered with ``AccessDenied``; an account owns at
most 100 buckets, as on OBS.
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from modelarts import rules
from modelarts.local.obs_errors import (
    AccessDenied,
    BucketAlreadyExists,
    BucketNotEmpty,
    InvalidBucketName,
    NoSuchBucket,
    TooManyBuckets,
)
from modelarts.local.store import Database

__all__ = ["Buckets", "MAX_BUCKETS", "check_bucket_name"]

#: Buckets one account may own (the OBS limit).
MAX_BUCKETS = 100

_IP = re.compile(r"\d+\.\d+\.\d+\.\d+")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS obs_buckets (
    name TEXT PRIMARY KEY,
    domain_id TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""


def check_bucket_name(name: str) -> str:
    """``name`` if it is a valid OBS bucket name, else :class:`InvalidBucketName`."""
    if not rules.OBS_BUCKET.fullmatch(name) or ".." in name or ".-" in name or "-." in name or _IP.fullmatch(name):
        raise InvalidBucketName(
            "Bucket names are 3-63 characters of a-z, 0-9, '.' and '-', start and end with a letter or digit, "
            "have no '..', '.-' or '-.', and are not IP addresses",
            resource=name,
        )
    return name


class Buckets:
    """Bucket owners over the ``obs_buckets`` table and the OBS root directory.

    ``main_domain`` returns the main account's domain id, the owner of
    bucket directories with no record.  ``clock`` (epoch seconds) stamps creation.
    """

    def __init__(
        self, db: Database, root: Path, main_domain: Callable[[], str], clock: Callable[[], float] = time.time
    ) -> None:
        self.db = db
        self.clock = clock
        self.root = root
        self.main_domain = main_domain
        self.root.mkdir(parents=True, exist_ok=True)
        self.db.execute(_SCHEMA)
        self._lock = threading.Lock()
        self._owners: Dict[str, str] = {}  # recorded owners, read on every request; only this class writes them

    def owner(self, name: str) -> Optional[str]:
        """The domain id owning bucket ``name``, or ``None`` if there is no such bucket."""
        with self._lock:
            cached = self._owners.get(name)
        if cached is not None:
            return cached
        row = self.db.one("SELECT domain_id FROM obs_buckets WHERE name = ?", (name,))
        if row is not None:
            with self._lock:
                self._owners[name] = str(row["domain_id"])
            return str(row["domain_id"])
        return self.main_domain() if (self.root / name).is_dir() else None

    def check(self, name: str, domain_id: str) -> Path:
        """The directory of ``name`` if ``domain_id`` owns it; else ``NoSuchBucket`` / ``AccessDenied``."""
        check_bucket_name(name)
        owner = self.owner(name)
        if owner is None:
            raise NoSuchBucket("The specified bucket does not exist", resource=name)
        if owner != domain_id:
            raise AccessDenied(f"Access Denied: bucket {name!r} belongs to another account", resource=name)
        path = self.root / name
        path.mkdir(exist_ok=True)  # a recorded bucket whose directory was removed by hand
        return path

    def create(self, name: str, domain_id: str) -> Path:
        """Create bucket ``name`` for ``domain_id`` (as OBS: creating your own bucket again succeeds)."""
        check_bucket_name(name)
        owner = self.owner(name)
        if owner == domain_id:
            return self.check(name, domain_id)
        if owner is not None:
            raise BucketAlreadyExists("The requested bucket name is not available", resource=name)
        if len(self.of(domain_id)) >= MAX_BUCKETS:
            raise TooManyBuckets(f"An account can have at most {MAX_BUCKETS} buckets", resource=name)
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO obs_buckets(name, domain_id, created_at) VALUES (?, ?, ?)", (name, domain_id, self.clock())
            )
            (self.root / name).mkdir(exist_ok=True)
        return self.root / name

    def claim(self, name: str, domain_id: str) -> None:
        """Make sure ``domain_id`` may use ``name``: create it if missing, refuse another account's."""
        try:
            self.check(name, domain_id)
        except NoSuchBucket:
            self.create(name, domain_id)

    def delete(self, name: str, domain_id: str) -> None:
        """Delete an empty bucket of ``domain_id``."""
        path = self.check(name, domain_id)
        try:
            os.rmdir(path)
        except OSError:
            raise BucketNotEmpty("The bucket you tried to delete is not empty", resource=name) from None
        with self._lock:
            self._owners.pop(name, None)
        self.db.execute("DELETE FROM obs_buckets WHERE name = ?", (name,))

    def of(self, domain_id: str) -> List[Tuple[str, float]]:
        """``(name, created_at)`` of every bucket ``domain_id`` owns, sorted by name."""
        recorded = {row["name"]: row for row in self.db.all("SELECT * FROM obs_buckets")}
        result = [(name, float(row["created_at"])) for name, row in recorded.items() if row["domain_id"] == domain_id]
        if domain_id == self.main_domain():
            for entry in os.scandir(self.root):
                if entry.is_dir() and entry.name not in recorded:
                    result.append((entry.name, entry.stat().st_mtime))
        return sorted(result)
