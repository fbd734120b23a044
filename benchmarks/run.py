#!/usr/bin/env python3
"""Measure the SDK and the local service against their anchors; write RESULTS.md.

    python benchmarks/run.py                      # full run -> benchmarks/RESULTS.md
    python benchmarks/run.py --quick --output P   # a few seconds, for CI

Exits non-zero only when a benchmark crashes; a missed target is a result,
reported in the file, not a failure.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
import traceback
from pathlib import Path
from typing import List

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the working tree's modelarts and benchmarks, even when not installed

from benchmarks import (  # noqa: E402
    bench_browser,
    bench_imports,
    bench_listing,
    bench_obs,
    bench_sdk,
    bench_servers,
    bench_service,
    bench_signer,
    bench_stop,
    bench_widgets,
)
from benchmarks.config import Config  # noqa: E402
from benchmarks.report import CRASHED, Figure, render  # noqa: E402
from benchmarks.timing import machine  # noqa: E402

#: In the issue's table order.
BENCHES = {
    "sdk": bench_sdk,
    "signer": bench_signer,
    "imports": bench_imports,
    "stop": bench_stop,
    "widgets": bench_widgets,
    "browser": bench_browser,
    "service": bench_service,
    "listing": bench_listing,
    "obs": bench_obs,
    "servers": bench_servers,
}


NOTES = [
    "Latency targets are judged on the median (p50) and report p99; ratio targets on the median of the "
    "per-round ratios.  Each figure's section gives the per-variant absolute numbers.",
    "The local service runs as `python -m modelarts.local serve` in its own process on 127.0.0.1 with a fresh "
    "data directory; load comes from this process (asyncio, one kept-alive connection per client).",
    "Performance fixes made because of these figures: d9e2c36 (local server: TCP_NODELAY, ~44 ms -> ~1 ms a "
    "kept-alive request), dc580af (signer: percent-encoding via a translate table), 1680e68 (job.stop(wait=True): "
    "first look after 50 ms instead of a whole 5 s poll interval), a3c8337 and the config-parsing hunk of d60a765 "
    "(job list: one grouped query, fewer columns, no per-row dicts or JSON parsing), 9c9acd4 (job list: filter, "
    "sort and page in SQLite), 4ef4c85 + ce5ef62 + b02e65a + 4148b5d (signed GET: cached access keys and projects, "
    "X-Sdk-Date without strptime, one query a version lookup, one send() a response), 1e835d5 (connections "
    "answered in arrival order by one worker instead of a thread each: the 32-client p99 from 20-28 ms to 14-16 ms); "
    "then http.server and the hand-written pool were replaced by waitress, chosen by the server comparison "
    "(`benchmarks/bench_servers.py`: waitress, uvicorn and the old pool side by side, with 200 slow clients).",
    "Quick mode (`--quick`) runs every benchmark with few repeats and smaller data so CI keeps the scripts "
    "working; its numbers are not for judging.",
]


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="few repeats (CI: keeps the scripts from rotting)")
    parser.add_argument("--output", default=str(REPO / "benchmarks" / "RESULTS.md"), help="Markdown file to write")
    parser.add_argument("--only", action="append", choices=sorted(BENCHES), help="run only these (repeatable)")
    return parser.parse_args(argv)


def run_one(name: str, cfg: Config) -> List[Figure]:
    module = BENCHES[name]
    started = time.perf_counter()
    try:
        figures = module.run(cfg)
    except Exception:  # a crash is reported in the file and in the exit status
        text = traceback.format_exc()
        print(text, file=sys.stderr)
        last = text.strip().splitlines()[-1]
        figures = [Figure.failed(row, compared, target, CRASHED, last) for row, compared, target in module.ROWS]
        figures[0].traceback = text
    print(f"  {name}: {time.perf_counter() - started:.1f} s — "
          + "; ".join(f"{f.row}: {f.status} {f.measured}" for f in figures), file=sys.stderr)
    return figures


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    cfg = Config(quick=args.quick)
    command = " ".join(["python", *map(shlex.quote, [os.path.relpath(__file__), *argv])])
    facts = machine()
    started = time.perf_counter()
    figures: List[Figure] = []
    for name in args.only or BENCHES:
        figures += run_one(name, cfg)
    elapsed = time.perf_counter() - started
    facts["Load average at end (1/5/15 min)"] = machine()["Load average at start (1/5/15 min)"]
    text = render(figures, facts, command, args.quick, elapsed, NOTES)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out} in {elapsed:.1f} s", file=sys.stderr)
    return 1 if any(f.status == CRASHED for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
