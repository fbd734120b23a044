"""Which HTTP server serves the local service: the candidates side by side, in one run.

Every candidate (``benchmarks.candidates``) serves the same application in
its own process on a fresh data directory.  Rounds alternate the candidates
and the load levels (1, 8 and 32 closed-loop clients replaying a signed
``GET`` version detail, as in the service row), so the machine's noise falls
on all alike.  Then, per candidate, 200 slow clients (``benchmarks.slowclients``:
headers dribbled, or a short body under a large ``Content-Length``) are held
open while 8 normal clients run.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple
from urllib.parse import urlsplit

from benchmarks import fixtures as fx
from benchmarks.bench_service import cpu_seconds, detail_path
from benchmarks.candidates import CANDIDATES, command, environment, missing
from benchmarks.loadgen import LoadResult, run_load
from benchmarks.report import NOT_MEASURED, Figure
from benchmarks.slowclients import SlowClients
from benchmarks.timing import Stats, ms, per_second, percentile, us

ROW = "HTTP server for the local service: {}"
COMPARED = "the other candidates, same run"
TARGET = "32 clients ≥ 3,000 req/s, p99 < 20 ms; 200 slow clients: 8 clients' p99 < 50 ms, no time-outs"
ROWS = [(ROW.format(name), COMPARED, TARGET) for name in CANDIDATES]
LEVELS = (1, 8, 32)
_SERVING = re.compile(r"serving on (http://\S+)")


class Candidate:
    def __init__(self, name: str, data_dir: Path) -> None:
        self.name, self.data_dir = name, data_dir
        self.process = subprocess.Popen(command(name, data_dir), env=environment(name), stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                                        cwd=data_dir.parent)  # not this checkout: `-m` puts the cwd first
        self.endpoint, self.output = "", []  # type: str, List[str]
        found = threading.Event()
        threading.Thread(target=self._drain, args=(found,), daemon=True).start()
        if not found.wait(60) or not self.endpoint:
            self.close()
            raise RuntimeError(f"{name} did not start:\n" + "".join(self.output))

    def _drain(self, found: threading.Event) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            match = _SERVING.search(line)
            if match and not found.is_set():
                self.endpoint = match.group(1)
                found.set()
        found.set()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def credentials(self) -> Any:
        from modelarts.local import read_credentials_file

        return read_credentials_file(self.data_dir / "credentials.ini")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def candidates(names: List[str]) -> Iterator[List[Tuple[Candidate, str, Dict[str, str]]]]:
    """Every candidate started, with a job to read and the signed request for it."""
    with tempfile.TemporaryDirectory(prefix="modelarts-servers-") as tmp, contextlib.ExitStack() as stack:
        started = []
        for name in names:
            candidate = Candidate(name, Path(tmp) / name)
            stack.callback(candidate.close)
            session = fx.session_for(candidate)
            stack.callback(session.close)
            job = fx.quick_job(candidate, session, "bench-servers")
            url, headers = session.auth_headers_for("GET", detail_path(session, job))
            started.append((candidate, url, headers))
        yield started


def slow_round(url: str, headers: Dict[str, str], seconds: float, count: int) -> Tuple[LoadResult, int, str]:
    """8 normal clients while ``count`` slow ones are held open; (result, slow dropped, failure)."""
    parts = urlsplit(url)
    with SlowClients(parts.hostname or "", parts.port or 80, count) as slow:
        try:
            result = run_load(url, headers, 8, seconds, max_requests=50_000)
            failure = ""
        except Exception as exc:  # a server frozen by the slow clients: the load generator gave up
            result, failure = LoadResult(8, seconds, [], {}, errors=8), f"{type(exc).__name__} {exc}".strip()
        return result, slow.dropped, failure


def run(cfg: Any) -> List[Figure]:
    rounds, seconds = cfg.scale(3, 1), cfg.scale(2.0, 0.2)
    slow_count = cfg.scale(200, 20)
    skipped = {name: missing(name) for name in CANDIDATES if missing(name)}
    names = [name for name in CANDIDATES if name not in skipped]
    results: Dict[str, Dict[int, List[LoadResult]]] = {n: {c: [] for c in LEVELS} for n in names}
    cpu: Dict[str, Dict[int, float]] = {n: {c: 0.0 for c in LEVELS} for n in names}
    slow: Dict[str, Tuple[LoadResult, int, str]] = {}
    with candidates(names) as running:
        for candidate, url, headers in running:
            run_load(url, headers, clients=2, seconds=0.2, max_requests=200)  # warm-up
        for index in range(rounds):
            order = running[index % len(running):] + running[: index % len(running)]
            for clients in LEVELS:
                for candidate, url, headers in order:
                    before = cpu_seconds(candidate.pid)
                    results[candidate.name][clients].append(run_load(url, headers, clients, seconds, 50_000))
                    cpu[candidate.name][clients] += cpu_seconds(candidate.pid) - before
        for candidate, url, headers in running:
            slow[candidate.name] = slow_round(url, headers, cfg.scale(3.0, 0.3), slow_count)
    figures = [Figure.failed(row[0], COMPARED, TARGET, NOT_MEASURED, skipped[name])
               for name, row in zip(CANDIDATES, ROWS) if name in skipped]
    for name, row in zip(CANDIDATES, ROWS):
        if name in skipped:
            continue
        runs = results[name]
        rates = {c: Stats.of([r.throughput for r in runs[c]]) for c in LEVELS}
        p99 = {c: percentile(sorted(x for r in runs[c] for x in r.latencies), 99) for c in LEVELS}
        bad = sum(r.not_ok for c in LEVELS for r in runs[c])
        per_request = {c: cpu[name][c] / max(1, sum(len(r.latencies) for r in runs[c])) for c in LEVELS}
        slow_result, dropped, failure = slow[name]
        slow_lat = sorted(slow_result.latencies)
        slow_p99 = percentile(slow_lat, 99) if slow_lat else float("inf")
        met = rates[32].median >= 3000 and p99[32] < 0.020 and bad == 0 and slow_p99 < 0.050 and not slow_result.not_ok
        measured = (f"1: {per_second(rates[1].median)} · 8: {per_second(rates[8].median)} · 32: "
                    f"{per_second(rates[32].median)}, p99 {ms(p99[32])}; {slow_count} slow clients: "
                    + (f"p99 {ms(slow_p99)}, {slow_result.throughput:,.0f}/s" if slow_lat else "no answer")
                    + (f", {slow_result.not_ok} failed" if slow_result.not_ok else ""))
        fig = Figure(row[0], COMPARED, TARGET, measured=measured, met=met)
        fig.details += [
            f"{clients} clients: {rates[clients].render(per_second)}; p99 {ms(p99[clients])}, p50 "
            f"{ms(percentile(sorted(x for r in runs[clients] for x in r.latencies), 50))}; service CPU "
            f"{us(per_request[clients])} a request"
            for clients in LEVELS
        ]
        fig.details.append(f"{bad} of {sum(len(r.latencies) for c in LEVELS for r in runs[c])} requests not answered 200")
        fig.details.append(f"slow clients: {slow_count} held open ({dropped} closed by the server during the "
                           f"{slow_result.seconds:.1f} s); 8 normal clients: {len(slow_lat)} answers"
                           + (f"; load generator: {failure}" if failure else ""))
        figures.append(fig)
    return figures
