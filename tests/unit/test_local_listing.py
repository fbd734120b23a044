"""The job list done in SQL gives exactly what the former Python filter/sort/slice gave.

Jobs with several versions, every status, tied and Unicode descriptions, tied
creation times, missing and zero start/end times and engines, in two
projects; every ``sortBy`` × ``order`` × ``status`` × ``search_content`` ×
page is compared with the reference below (the implementation the SQL
replaced).
"""

from __future__ import annotations

import itertools
import json
import random
from typing import Any, Dict, Optional

import pytest

from modelarts.local import views
from modelarts.local.jobs import JOB_QUOTA, TrainingJobs
from modelarts.local.jobstore import JobStore
from modelarts.local.store import Database
from modelarts.local.validation import parse_list_query
from modelarts.rules import LIST_SORT_KEYS
from modelarts.states import JobState

NOW = 1_700_000_000_000
PROJECT, OTHER = "p" * 32, "q" * 32
NAMES = ["alpha", "Alpha2", "ALPHA-3", "beta", "b_x", "-dash", "zeta", "Zulu", "mid_9", "gamma", "Gamma_b", "x1"]
DESCS = ["", "", "same", "same", "école", "ÉCOLE", "日本語", "emoji 🙂", "a", "B", "\u00e9", "z"]


def reference(db: Database, project_id: str, query: Dict[str, str], now: int) -> Dict[str, Any]:
    """The former ``TrainingJobs.list``: read every job, filter, sort and slice in Python."""
    wanted = parse_list_query(query)
    rows = db.all(
        "SELECT v.job_id, v.version_id, v.status, v.start_time, v.end_time, v.config, j.job_name, "
        "j.job_desc AS job_job_desc, c.version_count, j.create_time AS job_create_time "
        "FROM jobs j JOIN (SELECT job_id, MAX(version_id) AS latest, COUNT(*) AS version_count "
        "FROM versions GROUP BY job_id) c ON c.job_id = j.job_id "
        "JOIN versions v ON v.version_id = c.latest WHERE j.project_id = ?",
        (project_id,),
    )
    total = len(rows)
    if wanted.status is not None:
        rows = [row for row in rows if row["status"] == int(wanted.status)]
    if wanted.search_content:
        rows = [row for row in rows if wanted.search_content.lower() in row["job_name"].lower()]
    engine_of = {row["job_id"]: json.loads(row["config"]).get("engine_id") or 0 for row in rows}
    summaries = [views.job_summary(row, now) for row in rows]
    key = wanted.sort_by
    summaries.sort(
        key=lambda item: (engine_of[item["job_id"]] if key == "engine_type" else item[key], item["job_id"]),
        reverse=wanted.order == "desc",
    )
    start = (wanted.page - 1) * wanted.per_page
    return {
        "is_success": True,
        "job_total_count": len(summaries),
        "job_count_limit": max(0, JOB_QUOTA - total),
        "quotas": JOB_QUOTA,
        "jobs": summaries[start : start + wanted.per_page],
    }


class Clock:
    def __init__(self) -> None:
        self.ms = NOW - 100_000

    def __call__(self) -> float:
        return self.ms / 1000


def _config(engine: Optional[int]) -> Dict[str, Any]:
    config: Dict[str, Any] = {"worker_server_num": 1, "parameter": []}
    if engine is not None:
        config["engine_id"] = engine
    return config


#: (start_time, end_time) of the newest version of the first jobs: each way ``duration`` is worked out.
TIMES = [(None, None), (0, NOW - 1_000), (NOW - 9_000, None), (NOW - 9_000, NOW - 14_000), (NOW - 9_000, NOW - 4_000),
         (NOW - 9_000, 0), (NOW - 20_000, NOW - 15_000), (None, NOW)]  # fmt: skip


def seed() -> TrainingJobs:
    """Jobs in :data:`PROJECT` and :data:`OTHER` with every kind of tie and edge the sort keys meet."""
    rnd = random.Random(8)
    clock = Clock()
    store = JobStore(Database(":memory:"), clock=clock)
    statuses = [JobState.INIT, JobState.RUNNING, JobState.COMPLETED, JobState.FAILED, JobState.KILLED]
    for index, (name, project) in enumerate(itertools.product(NAMES, [PROJECT, OTHER])):
        if index % 3:  # some creation times tie
            clock.ms += rnd.choice([0, 7, 1000])
        row = store.create_job(project, name, DESCS[index % len(DESCS)], "0", _config(rnd.choice([None, 0, 1, 121, 2])))
        for _ in range(rnd.choice([0, 0, 1, 3])):
            row = store.create_version(row["job_id"], row["version_id"], "", _config(rnd.choice([None, 1, 121])))
        start = rnd.choice([None, 0, NOW - 50_000, NOW - 20_000])
        start, end = TIMES[index // 2] if index // 2 < len(TIMES) else (start, rnd.choice([None, 0, (start or NOW) + 5_000]))
        store.db.execute(
            "UPDATE versions SET status = ?, start_time = ?, end_time = ? WHERE version_id = ?",
            (int(rnd.choice(statuses)), start, end, row["version_id"]),
        )
    return TrainingJobs(store, runner=None)  # type: ignore[arg-type]  # listing needs no runner


@pytest.fixture(scope="module")
def seeded() -> TrainingJobs:
    return seed()


QUERIES = [
    {"sortBy": sort_by, "order": order, **extra}
    for sort_by in LIST_SORT_KEYS
    for order in ("asc", "desc")
    for extra in ({}, {"status": "10"}, {"status": "RUNNING"}, {"search_content": "AL"}, {"search_content": "a", "status": "13"})
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "-".join(f"{k}={v}" for k, v in q.items()))
def test_every_page_matches_the_former_listing(seeded: TrainingJobs, query: Dict[str, str]) -> None:
    seeded.store.clock = lambda: NOW / 1000
    for per_page, page in [(10, 1)] + [(5, page) for page in range(1, 7)] + [(1000, 1)]:
        asked = dict(query, per_page=str(per_page), page=str(page))
        assert seeded.list(PROJECT, asked) == reference(seeded.store.db, PROJECT, asked, NOW), asked


def test_sort_keys_are_all_covered() -> None:
    assert {query["sortBy"] for query in QUERIES} == set(LIST_SORT_KEYS)


def test_no_jobs_and_pages_past_the_end(seeded: TrainingJobs) -> None:
    assert seeded.list("r" * 32, {})["jobs"] == [] and seeded.list("r" * 32, {})["job_total_count"] == 0
    far = seeded.list(PROJECT, {"page": "500", "per_page": "1000"})
    assert far["jobs"] == [] and far["job_total_count"] == len(NAMES)
