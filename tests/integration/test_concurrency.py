"""50 clients stop and delete the same running job (or version) at the same moment.

Each client is a thread with its own keep-alive connection, released together
by a barrier.  Whatever the interleaving: exactly one stop and one delete win,
every loser gets a documented refusal (409 ``ModelArts.2796``/``2878``, 400
``ModelArts.2775``), the job ends deleted with its process group gone, a
bystander job is untouched and SQLite's ``PRAGMA integrity_check`` says ok.
"""

from __future__ import annotations

import collections
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Counter, Dict, Iterator, List, Tuple

import pytest

from fuzz_helpers import Snapshot, check, create_body, integrity_ok
from signing import GatewayClient
from modelarts.local import LocalService

CLIENTS = 50
ROUNDS = 3
LOOP = "import time\nfor _ in range(600):\n    time.sleep(0.1)\n"
QUICK = "print('done')\n"
#: What a loser may be told, per verb.
STOP_OK = {"ModelArts.2796", "ModelArts.2775"}
DELETE_OK = {"ModelArts.2878", "ModelArts.2775"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    data_dir = tmp_path_factory.mktemp("concurrency")
    with LocalService(data_dir, stop_grace=0.5, queue_delay=0.05, kill_jobs_on_close=True) as svc:
        for name, script in (("loop.py", LOOP), ("quick.py", QUICK)):
            path = svc.obs_root / "race" / "src" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(script, encoding="utf-8")
        yield svc
    assert integrity_ok(data_dir)


def _row(data_dir: Path, job_id: int) -> Any:
    conn = sqlite3.connect(f"file:{data_dir / 'state.db'}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute("SELECT status, pid FROM versions WHERE job_id = ?", (job_id,)).fetchone()
    finally:
        conn.close()


def _start(service: LocalService, client: GatewayClient, name: str, boot: str) -> Dict[str, Any]:
    body = create_body(name, bucket="race", boot_file_url=f"/race/src/{boot}", app_url="/race/src/")
    created = client.request("POST", f"/v1/{service.credentials.project_id}/training-jobs", data=body).json()
    assert created["is_success"], created
    return created


def _race(clients: List[GatewayClient], calls: List[Tuple[str, str]]) -> List[Tuple[str, int, str]]:
    """Each client makes its calls in order, all released by one barrier; (verb, status, code) of each."""
    barrier = threading.Barrier(len(clients))

    def run(client: GatewayClient) -> List[Tuple[str, int, str]]:
        barrier.wait(timeout=30)
        results = []
        for method, path in calls:
            response = client.request(method, path)
            code = check(response) or "OK"
            results.append((method, response.status_code, code))
        return results

    with ThreadPoolExecutor(len(clients)) as pool:
        return [item for chunk in pool.map(run, clients) for item in chunk]


@pytest.mark.parametrize("round_no", range(ROUNDS))
def test_fifty_clients_stop_and_delete_one_running_job(service: LocalService, helpers: Any, round_no: int) -> None:
    project = service.credentials.project_id
    clients = [GatewayClient(service.endpoint, service.credentials) for _ in range(CLIENTS)]
    bystander = _start(service, clients[0], f"bystander-{round_no}", "quick.py")
    job = _start(service, clients[0], f"race-{round_no}", "loop.py")
    job_path = f"/v1/{project}/training-jobs/{job['job_id']}"
    stop_path = f"{job_path}/versions/{job['version_id']}/stop"
    helpers.wait_for(lambda: _row(service.data_dir, job["job_id"])[0] == 8)  # RUNNING
    pgid = _row(service.data_dir, job["job_id"])[1]
    assert pgid and not helpers.group_gone(pgid)
    helpers.wait_for(lambda: _row(service.data_dir, bystander["job_id"])[0] == 10)  # COMPLETED
    snapshot = Snapshot(service.data_dir)
    others_before = [row for row in snapshot.take()[0] if row[0] != job["job_id"]]

    first = _race(clients, [("POST", stop_path), ("DELETE", job_path)])
    stops = collections.Counter(code for verb, _status, code in first if verb == "POST")
    deletes: Counter[str] = collections.Counter(code for verb, _status, code in first if verb == "DELETE")
    assert stops["OK"] == 1, stops  # exactly one stop wins; the rest are told why
    assert set(stops) - {"OK"} <= STOP_OK, stops
    assert deletes["OK"] <= 1 and set(deletes) - {"OK"} <= DELETE_OK, deletes
    statuses = {code: {s for v, s, c in first if c == code} for code in set(stops) | set(deletes)}
    assert statuses.get("ModelArts.2796", {409}) == {409} and statuses.get("ModelArts.2878", {409}) == {409}
    assert statuses.get("ModelArts.2775", {400}) == {400}

    if deletes["OK"] == 0:  # every delete came while it was still being killed: delete again, all at once
        helpers.wait_for(lambda: _row(service.data_dir, job["job_id"]) is None or _row(service.data_dir, job["job_id"])[0] == 12)
        second = _race(clients, [("DELETE", job_path)])
        deletes.update(code for _verb, _status, code in second)
        assert deletes["OK"] == 1, deletes
    assert set(deletes) - {"OK"} <= DELETE_OK, deletes

    gone = clients[0].request("GET", f"{job_path}/versions/{job['version_id']}")
    assert gone.status_code == 400 and check(gone) == "ModelArts.2775"
    assert _row(service.data_dir, job["job_id"]) is None
    helpers.wait_for(lambda: helpers.group_gone(pgid), timeout=10)
    assert [row for row in snapshot.take()[0] if row[0] != job["job_id"]] == others_before
    assert _row(service.data_dir, bystander["job_id"])[0] == 10
    assert integrity_ok(service.data_dir)


def test_fifty_clients_delete_the_same_version(service: LocalService, helpers: Any) -> None:
    project = service.credentials.project_id
    clients = [GatewayClient(service.endpoint, service.credentials) for _ in range(CLIENTS)]
    job = _start(service, clients[0], "race-versions", "quick.py")
    path = f"/v1/{project}/training-jobs/{job['job_id']}/versions"
    second = clients[0].request("POST", path, data=b'{"config": {"pre_version_id": %d}}' % job["version_id"]).json()
    assert second["is_success"], second

    def both_completed() -> bool:
        versions = clients[0].request("GET", path).json()["versions"]
        return len(versions) == 2 and {v["status"] for v in versions} == {10}

    helpers.wait_for(both_completed)
    results = _race(clients, [("DELETE", f"{path}/{job['version_id']}")])
    codes = collections.Counter(code for _verb, _status, code in results)
    assert codes == {"OK": 1, "ModelArts.2775": CLIENTS - 1}, codes
    left = clients[0].request("GET", path).json()["versions"]
    assert [v["version_id"] for v in left] == [second["version_id"]]
    assert integrity_ok(service.data_dir)
