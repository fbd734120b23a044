"""The service's state: one SQLite database in WAL mode, shared by all threads.

Every read and write goes through :class:`Database`, which serialises access
with one re-entrant lock over a single connection (requests, the job
supervisor and the Python API all run in the same process).  Writes inside
``with db.transaction():`` commit together or not at all; WAL keeps committed
rows safe when the process is killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator, List, Mapping, Optional, Sequence, Union

__all__ = ["Database", "Params", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1

#: Statement parameters: positional (``?``) or named (``:name``).
Params = Union[Sequence[Any], Mapping[str, Any]]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS domains (
    domain_id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS users (
    user_id TEXT PRIMARY KEY,
    domain_id TEXT NOT NULL REFERENCES domains(domain_id),
    name TEXT NOT NULL,
    password_salt TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    UNIQUE (domain_id, name)
);
CREATE TABLE IF NOT EXISTS projects (
    project_id TEXT PRIMARY KEY,
    domain_id TEXT NOT NULL REFERENCES domains(domain_id),
    name TEXT NOT NULL,
    UNIQUE (domain_id, name)
);
CREATE TABLE IF NOT EXISTS access_keys (
    access_key TEXT PRIMARY KEY,
    secret_key TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(user_id),
    security_token_hash TEXT,          -- NULL for permanent keys
    expires_at REAL                    -- epoch seconds; NULL for permanent keys
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(user_id),
    project_id TEXT REFERENCES projects(project_id),
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    job_id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL,
    job_name TEXT NOT NULL,
    job_desc TEXT NOT NULL DEFAULT '',
    workspace_id TEXT NOT NULL DEFAULT '0',
    create_time INTEGER NOT NULL,      -- epoch milliseconds
    UNIQUE (project_id, job_name)
);
CREATE TABLE IF NOT EXISTS versions (
    version_id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
    version_name TEXT NOT NULL,
    pre_version_id INTEGER,
    job_desc TEXT NOT NULL DEFAULT '',
    config TEXT NOT NULL,              -- JSON of the normalised config
    status INTEGER NOT NULL,
    resource_id TEXT NOT NULL,
    create_time INTEGER NOT NULL,      -- epoch ms
    start_time INTEGER,                -- epoch ms, when the processes started
    end_time INTEGER,                  -- epoch ms, when the state became terminal
    pid INTEGER,                       -- launcher pid = process group id
    proc_start TEXT,                   -- /proc/<pid>/stat start time, guards pid reuse
    exit_code INTEGER,
    stop_requested_at REAL             -- epoch seconds of the stop request
);
CREATE INDEX IF NOT EXISTS versions_by_job ON versions(job_id);
CREATE INDEX IF NOT EXISTS versions_by_status ON versions(status);
CREATE INDEX IF NOT EXISTS jobs_by_create_time ON jobs(project_id, create_time);
CREATE INDEX IF NOT EXISTS jobs_by_desc ON jobs(project_id, job_desc);
"""


def _json_extract(text: Optional[str], path: str) -> Any:
    """``json_extract(text, '$.key')`` for SQLite builds without JSON1 (one top-level key)."""
    value = json.loads(text).get(path[2:]) if text is not None and path.startswith("$.") else None
    return value if value is None or isinstance(value, (int, float, str)) else json.dumps(value)


def _ensure_json_extract(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("SELECT json_extract('{}', '$.a')")
    except sqlite3.OperationalError:  # pragma: no cover - SQLite built without JSON1
        conn.create_function("json_extract", 2, _json_extract, deterministic=True)


class Database:
    """A thread-safe SQLite connection with the service schema.

    ``path`` is the database file; ``":memory:"`` works for unit tests.
    Rows come back as :class:`sqlite3.Row` (index by column name).
    """

    def __init__(self, path: "str | Path") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).touch(mode=0o600, exist_ok=True)
            os.chmod(self.path, 0o600)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.executescript(_SCHEMA)
            _ensure_json_extract(self._conn)
            self._conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        self._depth = 0

    @property
    def journal_mode(self) -> str:
        return str(self.scalar("PRAGMA journal_mode"))

    @contextlib.contextmanager
    def transaction(self) -> Iterator["Database"]:
        """Run the block's statements atomically (nested blocks join the outer one)."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator["Database"]:
        """Run the block's reads on one consistent view (a read transaction: no write lock)."""
        with self._lock:
            if self._depth:  # inside a transaction already
                yield self
                return
            self._conn.execute("BEGIN DEFERRED")
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
                self._conn.execute("COMMIT")

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the last inserted row id (0 if none)."""
        with self._lock:
            cursor = self._conn.execute(sql, params)
            return int(cursor.lastrowid or 0)

    def changes(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return how many rows it changed."""
        with self._lock:
            return int(self._conn.execute(sql, params).rowcount)

    def one(self, sql: str, params: Params = ()) -> Optional[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: Params = ()) -> List[sqlite3.Row]:
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def get_meta(self, key: str) -> Optional[str]:
        value = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        self.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
