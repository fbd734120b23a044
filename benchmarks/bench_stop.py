"""Row 4: ``job.stop(wait=True)`` until the job's processes are gone and its status is KILLED.

Jobs are real processes started by the local service (its own process);
several are started together, then stopped one at a time.  A stop counts as
done when ``stop()`` has returned KILLED *and* no process of the job's
process group is left (zombies aside).
"""

from __future__ import annotations

import os
from typing import List

from benchmarks import fixtures as fx
from benchmarks.report import Figure
from benchmarks.timing import Stats, clock, ms
from modelarts.states import JobState

ROW, COMPARED, TARGET = "`job.stop()` → process gone and status KILLED", "—", "p50 < 0.5 s, p99 reported"
ROWS = [(ROW, COMPARED, TARGET)]


def group_alive(pgid: int) -> bool:
    """Whether any live (non-zombie) process belongs to process group ``pgid``."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def stop_one(job, store) -> tuple:
    """(seconds until KILLED and processes gone, seconds stop() took, state)."""
    pgid = fx.version_pid(store, job.version_id)
    assert pgid > 0 and group_alive(pgid), "the job has no running process"
    start = clock()
    result = job.stop(wait=True)
    returned = clock() - start
    fx.wait_for(lambda: not group_alive(pgid), timeout=30, every=0.002)
    return clock() - start, returned, result["status"]


def run(cfg) -> List[Figure]:
    total, batch = cfg.scale(24, 2), cfg.scale(6, 2)
    done, returned, states = [], [], []
    with fx.served_session() as (service, session):
        store = fx.job_store(service)
        boot = fx.put_code(service, fx.SLEEPER)
        for job in fx.running_jobs(session, boot, total, batch, "bench-stop"):
            took, ret, state = stop_one(job, store)
            done.append(took)
            returned.append(ret)
            states.append(state)
    stats = Stats.of(done)
    killed = sum(1 for s in states if s is JobState.KILLED)
    fig = Figure(ROW, COMPARED, TARGET, met=stats.median < 0.5 and killed == len(states),
                 measured=f"p50 {ms(stats.median)}, p99 {ms(stats.p99)} (min {ms(stats.min)}, max {ms(stats.max)})")
    fig.details += [
        f"{len(done)} stops of running jobs (a Python sleep loop, default SIGTERM handling), "
        f"`job.stop(wait=True)` with the SDK's default poll interval",
        f"{killed}/{len(states)} returned status KILLED",
        f"stop() returned after {Stats.of(returned).render(ms)}; processes gone after {stats.render(ms)}",
        "found here: p50 was 5.03 s — after POST …/stop the job is KILLING and stop(wait=True) slept a whole "
        "poll_interval (5 s) before looking again; fixed in 1680e68 (first look after 50 ms, doubling up to it)",
    ]
    return [fig]
