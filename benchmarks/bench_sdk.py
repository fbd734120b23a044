"""Row 1: the SDK's ``get_job_info`` per call against raw ``requests`` replaying a pre-signed GET.

Both talk to the same local service (its own process) over kept-alive
connections; the raw side pays for nothing but HTTP, so the ratio is the
SDK's own overhead: signing, retries plumbing, parsing, model updates.
"""

from __future__ import annotations

from typing import List

import requests

from benchmarks import fixtures as fx
from benchmarks.report import Figure
from benchmarks.timing import Stats, interleaved, ms, ratio, ratios

ROW, COMPARED, TARGET = ("SDK `get_job_info` per call", "raw `requests` sending a pre-signed request to the same local "
                         "service", "≤ 1.15×")
ROWS = [(ROW, COMPARED, TARGET)]


def run(cfg) -> List[Figure]:
    with fx.served_session() as (service, session):
        job = fx.quick_job(service, session, "bench-info")
        path = f"/v1/{session.project_id}/training-jobs/{job.job_id}/versions/{job.version_id}"
        url, headers = session.auth_headers_for("GET", path)
        raw = requests.Session()

        def sdk() -> None:
            job.get_job_info()

        def replay() -> None:
            response = raw.get(url, headers=headers, timeout=10)
            response.raise_for_status()
            response.json()

        for fn in (sdk, replay):  # connections open, caches warm
            fn()
        times = interleaved({"sdk": sdk, "raw": replay}, rounds=cfg.rounds, calls=cfg.scale(60, 10))
        slowdown = Stats.of(ratios(times["sdk"], times["raw"]))
        fig = Figure(ROW, COMPARED, TARGET, met=slowdown.median <= 1.15,
                     measured=f"{ratio(slowdown.median)} (min {ratio(slowdown.min)}, max {ratio(slowdown.max)})")
        fig.details += [
            f"job.get_job_info(): {Stats.of(times['sdk']).render(ms)} a call",
            f"requests.Session().get(pre-signed URL, headers).json(): {Stats.of(times['raw']).render(ms)} a call",
            f"{cfg.rounds} interleaved rounds of {cfg.scale(60, 10)} calls; the service runs in its own process",
            "found here: both sides took ~44 ms a call — the service sent headers and body in two writes with "
            "Nagle on, so the body waited for the client's delayed ACK; fixed in d9e2c36 (TCP_NODELAY), now ~1 ms",
        ]
        if not fig.met:
            fig.profile = cfg.profile(sdk, repeat=cfg.scale(300, 20))
        raw.close()
        return [fig]
