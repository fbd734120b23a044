"""Training jobs and their versions in the database.

Plain rows in, plain rows out; the API shapes are built in
:mod:`modelarts.local.views`.  Every status change goes through
:meth:`JobStore.set_status`, which only follows :data:`modelarts.states.TRANSITIONS`
and only applies if the row is still in the state the caller saw.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from typing import Any, Callable, Dict, List, Optional

from modelarts.local.errors import DuplicateJobName, JobNotFound, QuotaExceeded
from modelarts.local.store import Database
from modelarts.states import TRANSITIONS, JobState

__all__ = ["JobStore"]

_IN_FLIGHT = (JobState.INIT, JobState.WAITING, JobState.RUNNING, JobState.KILLING)
_VERSION_COLUMNS = "v.*, j.job_name, j.project_id, j.job_desc AS job_job_desc"


class JobStore:
    """SQL for the ``jobs`` and ``versions`` tables."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    # -- creation -------------------------------------------------------------------

    def create_job(
        self,
        project_id: str,
        job_name: str,
        job_desc: str,
        workspace_id: str,
        config: Dict[str, Any],
        quota: Optional[int] = None,
    ) -> sqlite3.Row:
        """Insert a job and its first version (V0001, INIT); the version row.

        With ``quota``, a project that already has that many jobs gets
        :class:`~modelarts.local.errors.QuotaExceeded` (checked in the same
        transaction as the insert, so racing creates cannot overshoot).
        """
        now = self.now_ms()
        with self.db.transaction():
            if quota is not None and self.job_count(project_id) >= quota:
                raise QuotaExceeded(resource="number of training jobs")
            try:
                job_id = self.db.execute(
                    "INSERT INTO jobs(project_id, job_name, job_desc, workspace_id, create_time) VALUES (?, ?, ?, ?, ?)",
                    (project_id, job_name, job_desc, workspace_id, now),
                )
            except sqlite3.IntegrityError:
                raise DuplicateJobName(name=job_name) from None
            return self.create_version(job_id, None, job_desc, config)

    def create_version(
        self, job_id: int, pre_version_id: Optional[int], job_desc: str, config: Dict[str, Any]
    ) -> sqlite3.Row:
        """Insert the next version of ``job_id`` in INIT; the version row.

        A job deleted meanwhile (a racing DELETE) is ``JobNotFound``.
        """
        with self.db.transaction():
            if self.db.scalar("SELECT 1 FROM jobs WHERE job_id = ?", (job_id,)) is None:
                raise JobNotFound(job_id=job_id)
            count = self.db.scalar("SELECT COUNT(*) FROM versions WHERE job_id = ?", (job_id,))
            last = self.db.scalar("SELECT MAX(CAST(SUBSTR(version_name, 2) AS INTEGER)) FROM versions WHERE job_id = ?", (job_id,))
            number = max(int(count or 0), int(last or 0)) + 1
            version_id = self.db.execute(
                "INSERT INTO versions(job_id, version_name, pre_version_id, job_desc, config, status, resource_id, create_time) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job_id,
                    f"V{number:04d}",
                    pre_version_id,
                    job_desc,
                    json.dumps(config, sort_keys=True),
                    int(JobState.INIT),
                    "job" + secrets.token_hex(12),
                    self.now_ms(),
                ),
            )
            row = self.version_row(version_id)
            assert row is not None
            return row

    # -- reads ------------------------------------------------------------------------

    def job_count(self, project_id: str) -> int:
        return int(self.db.scalar("SELECT COUNT(*) FROM jobs WHERE project_id = ?", (project_id,)) or 0)

    def account_of(self, version_id: int) -> str:
        """The account (domain id) owning a version's project ('' if unknown)."""
        value = self.db.scalar(
            "SELECT p.domain_id FROM versions v JOIN jobs j USING (job_id) "
            "JOIN projects p ON p.project_id = j.project_id WHERE v.version_id = ?",
            (version_id,),
        )
        return str(value or "")

    def job(self, project_id: str, job_id: int) -> Optional[sqlite3.Row]:
        return self.db.one("SELECT * FROM jobs WHERE project_id = ? AND job_id = ?", (project_id, job_id))

    def version_row(self, version_id: int) -> Optional[sqlite3.Row]:
        return self.db.one(
            f"SELECT {_VERSION_COLUMNS} FROM versions v JOIN jobs j USING (job_id) WHERE v.version_id = ?",
            (version_id,),
        )

    def version(self, project_id: str, job_id: int, version_id: int) -> Optional[sqlite3.Row]:
        return self.db.one(
            f"SELECT {_VERSION_COLUMNS} FROM versions v JOIN jobs j USING (job_id) "
            "WHERE j.project_id = ? AND v.job_id = ? AND v.version_id = ?",
            (project_id, job_id, version_id),
        )

    def versions(self, job_id: int) -> List[sqlite3.Row]:
        """Every version of a job, newest first."""
        return self.db.all(
            f"SELECT {_VERSION_COLUMNS} FROM versions v JOIN jobs j USING (job_id) "
            "WHERE v.job_id = ? ORDER BY v.version_id DESC",
            (job_id,),
        )

    def in_flight(self) -> List[sqlite3.Row]:
        """Versions that are not in a terminal state, oldest first."""
        marks = ",".join("?" for _ in _IN_FLIGHT)
        return self.db.all(
            f"SELECT {_VERSION_COLUMNS} FROM versions v JOIN jobs j USING (job_id) "
            f"WHERE v.status IN ({marks}) ORDER BY v.version_id",
            [int(state) for state in _IN_FLIGHT],
        )

    # -- writes -------------------------------------------------------------------------

    def set_status(self, version_id: int, expected: JobState, new: JobState, **fields: Any) -> bool:
        """Move ``version_id`` from ``expected`` to ``new`` (and set ``fields``).

        Returns whether the row changed; a transition outside
        :data:`~modelarts.states.TRANSITIONS` raises ``ValueError``.
        """
        if new not in TRANSITIONS.get(expected, frozenset()):
            raise ValueError(f"illegal transition {expected.name} -> {new.name}")
        values = dict(fields, status=int(new))
        if new.is_terminal:
            values.setdefault("end_time", self.now_ms())
        assignments = ", ".join(f"{name} = ?" for name in values)
        return bool(
            self.db.changes(
                f"UPDATE versions SET {assignments} WHERE version_id = ? AND status = ?",
                [*values.values(), version_id, int(expected)],
            )
        )

    def update_description(self, job_id: int, job_desc: str) -> None:
        self.db.execute("UPDATE jobs SET job_desc = ? WHERE job_id = ?", (job_desc, job_id))

    def delete_version(self, version_id: int) -> None:
        self.db.execute("DELETE FROM versions WHERE version_id = ?", (version_id,))

    def delete_job(self, job_id: int) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM versions WHERE job_id = ?", (job_id,))
            self.db.execute("DELETE FROM jobs WHERE job_id = ?", (job_id,))
