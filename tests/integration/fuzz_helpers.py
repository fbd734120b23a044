"""Shared pieces of the service fuzz and fault tests: a raw client for header games,
the response invariants, a state snapshot and counters (the signed client is
:class:`signing.GatewayClient`).

Every request goes to 127.0.0.1.  The invariants checked on every answer:

* no 5xx, and the body is JSON without a Python traceback in it;
* a refusal carries a documented code: an API Gateway ``APIGW.*`` code or a
  ModelArts ``ModelArts.*`` code (the public error-code pages), or (IAM's own
  routes) the Keystone ``{"error": {"code", "message", "title"}}`` shape.
"""

from __future__ import annotations

import http.client
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple
from urllib.parse import urlsplit

import requests
from hypothesis import HealthCheck, settings

#: Codes the service may refuse with: API Gateway's and ModelArts' public error-code
#: pages, and the v1 create page's ModelArts.0103 sample.
DOCUMENTED = frozenset(
    {f"APIGW.{n}" for n in ("0101", "0201", "0301", "0302", "0303", "0305", "0306", "0307", "0308", "0310")}
    | {f"ModelArts.{n}" for n in ("0101", "0103", "0104", "0107", "0108", "0112", "0201", "0202", "0203", "0204",
                                  "0205", "0206", "0207", "0208", "0210", "2751", "2775", "2785", "2796", "2799",
                                  "2818", "2819", "2820", "2878")}
)
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "sqlite3.")
#: Scale the quick profile with $MODELARTS_FUZZ_SCALE (e.g. 10 for a long run).
SCALE = float(os.environ.get("MODELARTS_FUZZ_SCALE", "1"))
TOTALS: Dict[str, int] = {"cases": 0, "refused": 0, "accepted": 0, "faults": 0, "records_lost": 0}


def fuzz_settings(examples: int) -> settings:
    """The quick profile: fixed seed, no deadline, no example database."""
    return settings(
        max_examples=max(1, int(examples * SCALE)), deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck), print_blob=False,
    )


def raw_send(endpoint: str, method: str, path: str, headers: Iterable[Tuple[str, str]], body: bytes = b"",
             conn: Optional[http.client.HTTPConnection] = None) -> Tuple[int, Dict[str, str], bytes]:
    """Send exactly these headers (duplicates kept, nothing added); status, headers, body."""
    parts = urlsplit(endpoint)
    own = conn is None
    conn = conn or http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders(body or None)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        if own:
            conn.close()


def check_answer(status: int, body: bytes, *, iam: bool = False, where: str = "") -> Optional[str]:
    """Assert the invariants on one answer; the refusal code (``None`` if accepted)."""
    TOTALS["cases"] += 1
    assert status < 500, f"{where}: HTTP {status}: {body[:300]!r}"
    text = body.decode("utf-8", "replace")
    for marker in TRACEBACK_MARKERS:
        assert marker not in text, f"{where}: traceback-like text in the answer: {text[:300]}"
    if status < 400:
        TOTALS["accepted"] += 1
        return None
    TOTALS["refused"] += 1
    data = json.loads(text)
    if iam and isinstance(data.get("error"), dict):
        error = data["error"]
        assert error.get("code") == status and error.get("message") and error.get("title"), f"{where}: {data}"
        return f"IAM.{status}"
    code = data.get("error_code")
    assert code in DOCUMENTED, f"{where}: undocumented refusal {status} {data}"
    assert data.get("error_msg") or data.get("error_message"), f"{where}: refusal without a message {data}"
    return str(code)


def check(response: requests.Response, *, iam: bool = False) -> Optional[str]:
    where = f"{response.request.method} {response.request.url}"
    return check_answer(response.status_code, response.content, iam=iam, where=where)


class Snapshot:
    """The durable job state (jobs and versions without their moving status), read
    straight from SQLite, to prove that refused requests changed nothing.

    With ``keep_open`` one read-only connection stays open and :meth:`take`
    answers from its last read while SQLite's ``PRAGMA data_version`` is
    unchanged (it changes whenever another connection commits), so the rows
    are re-read only after a write: for a long run against one database that
    is never replaced (the fuzz module's in-process service).
    """

    def __init__(self, data_dir: Path, keep_open: bool = False) -> None:
        self.db = data_dir / "state.db"
        self.keep_open = keep_open
        self._conn: Optional[sqlite3.Connection] = None
        self._last: Optional[Tuple[int, Tuple[List[Tuple[Any, ...]], List[Tuple[Any, ...]]]]] = None

    def take(self) -> Tuple[List[Tuple[Any, ...]], List[Tuple[Any, ...]]]:
        conn = self._conn or sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            if not self.keep_open:
                return self._read(conn)
            self._conn = conn
            version = int(conn.execute("PRAGMA data_version").fetchone()[0])
            if self._last is None or self._last[0] != version:
                self._last = (version, self._read(conn))
            return self._last[1]
        finally:
            if not self.keep_open:
                conn.close()

    @staticmethod
    def _read(conn: sqlite3.Connection) -> Tuple[List[Tuple[Any, ...]], List[Tuple[Any, ...]]]:
        jobs = conn.execute(
            "SELECT job_id, project_id, job_name, job_desc, workspace_id, create_time FROM jobs ORDER BY job_id"
        ).fetchall()
        versions = conn.execute(
            "SELECT version_id, job_id, version_name, pre_version_id, job_desc, config, create_time "
            "FROM versions ORDER BY version_id"
        ).fetchall()
        return jobs, versions

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn, self._last = None, None


def integrity_ok(data_dir: Path) -> bool:
    conn = sqlite3.connect(f"file:{data_dir / 'state.db'}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def create_body(name: str, bucket: str = "fuzz", **config: Any) -> bytes:
    """A valid v1 create body (boot file under ``/bucket/src/``)."""
    base = {"worker_server_num": 1, "app_url": f"/{bucket}/src/", "boot_file_url": f"/{bucket}/src/boot.py",
            "data_url": f"/{bucket}/data/", "train_url": f"/{bucket}/out/", "spec_id": 1, "engine_id": 1}
    base.update(config)
    return json.dumps({"job_name": name, "config": base}).encode()
