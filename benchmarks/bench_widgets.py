"""Row 5: the widget's Stop click until the service has the stop request.

``JobControls(job).stop_button.click()`` runs the stop on a worker thread
(``job.stop(wait=True)``: a status read, then ``POST …/stop``).  The service
(its own process) stamps ``stop_requested_at`` with its wall clock when the
stop reaches the runner; the click is stamped with the same clock here.
"""

from __future__ import annotations

import time
from typing import List

from benchmarks import fixtures as fx
from benchmarks.report import NOT_MEASURED, Figure
from benchmarks.timing import Stats, ms
from modelarts.states import JobState

ROW, COMPARED, TARGET = "widget Stop click → stop request received by the service", "—", "< 50 ms"
ROWS = [(ROW, COMPARED, TARGET)]


def stop_received_at(store, version_id) -> float:
    row = store.version_row(int(version_id))
    return float(row["stop_requested_at"] or 0.0)


def run(cfg) -> List[Figure]:
    try:
        from modelarts.widgets import JobControls
    except ImportError as exc:
        return [Figure.failed(ROW, COMPARED, TARGET, NOT_MEASURED, f"ipywidgets missing ({exc})")]
    latencies, finals = [], []
    with fx.served_session() as (service, session):
        store = fx.job_store(service)
        boot = fx.put_code(service, fx.SLEEPER)
        for job in fx.running_jobs(session, boot, cfg.scale(16, 2), cfg.scale(4, 2), "bench-widget"):
            controls = JobControls(job)
            clicked = time.time()
            controls.stop_button.click()
            received = fx.wait_for(lambda: stop_received_at(store, job.version_id), timeout=30, every=0.001)
            latencies.append(received - clicked)
            controls.join(60)
            finals.append(controls.state)
            controls.close()
    stats = Stats.of(latencies)
    killed = sum(1 for state in finals if state is JobState.KILLED)
    fig = Figure(ROW, COMPARED, TARGET, met=stats.median < 0.05,
                 measured=f"p50 {ms(stats.median)}, p99 {ms(stats.p99)} (min {ms(stats.min)}, max {ms(stats.max)})")
    fig.details += [
        f"{len(latencies)} clicks on running jobs' Stop buttons (refresher running, as when displayed)",
        "measured from just before `.click()` to the service's `stop_requested_at` (both wall clock, same machine)",
        f"{killed}/{len(finals)} widgets then showed KILLED",
    ]
    return [fig]
