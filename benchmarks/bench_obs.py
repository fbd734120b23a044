"""OBS rows: big-file and many-file transfers through the local OBS endpoint, and SDK memory.

The service runs in its own process (``modelarts-local serve``); the client is
``session.obs`` in this process (esdk-obs-python underneath).  A 256 MiB file
goes up and down (multipart, resumable path) and is compared with a plain
``shutil.copyfile`` of the same file on the same disk, in alternating order;
a folder of 2,000 small files goes up and down with ``session.obs.copy``.
Memory: a separate Python process uploads and downloads a large file with
``session.obs``; its peak RSS is compared with the same process moving a
1 MiB file (streamed transfers keep the difference small whatever the size).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List

from benchmarks import fixtures as fx
from benchmarks.report import Figure
from benchmarks.timing import Stats, clock

MIB = 1024 * 1024
ROW_UP, ROW_DOWN = "256 MiB upload through the local OBS", "256 MiB download through the local OBS"
ROW_MANY_UP, ROW_MANY_DOWN = "2,000 small files up (`session.obs.copy`)", "2,000 small files down"
ROW_MEM = "SDK memory for a 1 GiB transfer (up + down)"
COPY = "`shutil.copyfile` of the same file"
ROWS = [
    (ROW_UP, COPY, "≥ 150 MB/s"),
    (ROW_DOWN, COPY, "≥ 150 MB/s"),
    (ROW_MANY_UP, "—", "≥ 300 files/s"),
    (ROW_MANY_DOWN, "—", "≥ 300 files/s"),
    (ROW_MEM, "the same process moving 1 MiB", "flat: peak RSS grows < 64 MiB"),
]

_MEMORY_SCRIPT = r"""
import json, os, resource, sys, tempfile
from modelarts.session import Session
size = int(sys.argv[1])
session = Session(environ=json.loads(sys.argv[2]))
session.obs.create_bucket("bench-memory")
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "big.bin")
    with open(src, "wb") as out:
        block = os.urandom(1 << 20)
        for _ in range(size >> 20):
            out.write(block)
    session.obs.upload_file(src, "obs://bench-memory/mem/", progress=False)
    os.unlink(src)
    session.obs.download_file("obs://bench-memory/mem/big.bin", tmp + "/down/", progress=False)
    assert os.path.getsize(os.path.join(tmp, "down", "big.bin")) == size
print(json.dumps({"maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` (0: this one, all threads)."""
    if not pid:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _CpuMeter:
    """CPU seconds the client (this process) and the service used inside a ``with`` block."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.client = self.server = 0.0

    def __enter__(self) -> "_CpuMeter":
        self._start = (_cpu(0), _cpu(self.server_pid))
        return self

    def __exit__(self, *exc: object) -> None:
        self.client += _cpu(0) - self._start[0]
        self.server += _cpu(self.server_pid) - self._start[1]


def _mbps(size: int, seconds: float) -> float:
    return size / seconds / 1e6


def _big_file(session, tmp: Path, size: int, rounds: int, server_pid: int) -> List[Figure]:
    src = tmp / "big.bin"
    with open(src, "wb") as out:
        block = os.urandom(MIB)
        for _ in range(size // MIB):
            out.write(block)
    up, down, copy = [], [], []
    meters = {ROW_UP: _CpuMeter(server_pid), ROW_DOWN: _CpuMeter(server_pid)}
    for index in range(rounds):
        start = clock()
        shutil.copyfile(src, tmp / "copy.bin")
        copy.append(clock() - start)
        os.unlink(tmp / "copy.bin")
        start = clock()
        with meters[ROW_UP]:
            session.obs.upload_file(str(src), "obs://bench-obs/big/", progress=False)
        up.append(clock() - start)
        target = tmp / f"down{index}"
        start = clock()
        with meters[ROW_DOWN]:
            session.obs.download_file("obs://bench-obs/big/big.bin", f"{target}/", progress=False)
        down.append(clock() - start)
        assert (target / "big.bin").stat().st_size == size
        shutil.rmtree(target)
    copy_rates = Stats.of([_mbps(size, s) for s in copy])
    figures = []
    for row, samples in ((ROW_UP, up), (ROW_DOWN, down)):
        stats = Stats.of(samples)
        rate = _mbps(size, stats.median)
        ratios = Stats.of([c / s for c, s in zip(copy, samples)])
        fig = Figure(row, COPY, "≥ 150 MB/s", met=rate >= 150,
                     measured=f"{rate:.0f} MB/s (median of {stats.n}); {ratios.median:.2f}× the copy's speed")
        rates = Stats.of([_mbps(size, s) for s in samples])
        fig.details += [
            f"{size // MIB} MiB through the local OBS: {rates.render(lambda v: f'{v:.0f} MB/s')}",
            f"shutil.copyfile: {copy_rates.render(lambda v: f'{v:.0f} MB/s')}",
            "multipart (8 MiB parts, 4 at a time) through esdk-obs-python; integrity checked by size "
            "(and MD5 for single-PUT files)",
            f"CPU per round: client {meters[row].client / rounds:.2f} s, service {meters[row].server / rounds:.2f} s "
            f"(wall median {stats.median:.2f} s; the rest is disk and waiting for a core)",
        ]
        figures.append(fig)
    return figures


def _many_files(session, tmp: Path, count: int, server_pid: int) -> List[Figure]:
    tree = tmp / "many"
    for index in range(count):
        folder = tree / f"d{index % 20:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{index:05d}.txt").write_bytes(os.urandom(1024))
    meters = {ROW_MANY_UP: _CpuMeter(server_pid), ROW_MANY_DOWN: _CpuMeter(server_pid)}
    start = clock()
    with meters[ROW_MANY_UP]:
        session.obs.copy(str(tree), "obs://bench-obs/", progress=False)
    up = clock() - start
    start = clock()
    with meters[ROW_MANY_DOWN]:
        session.obs.copy("obs://bench-obs/many/", str(tmp / "back"), progress=False)
    down = clock() - start
    got = sum(1 for p in (tmp / "back" / "many").rglob("*") if p.is_file())
    assert got == count, (got, count)
    figures = []
    for row, seconds in ((ROW_MANY_UP, up), (ROW_MANY_DOWN, down)):
        rate = count / seconds
        fig = Figure(row, "—", "≥ 300 files/s", met=rate >= 300, measured=f"{rate:.0f} files/s")
        meter = meters[row]
        fig.details += [
            f"{count} files of 1 KiB in 20 folders, {seconds:.2f} s; 8 files at a time, MD5 checked",
            f"CPU per file: client {meter.client / count * 1000:.2f} ms, service {meter.server / count * 1000:.2f} ms "
            f"(on two idle cores that bounds the rate at ~{2 * count / (meter.client + meter.server):.0f} files/s)",
        ]
        figures.append(fig)
    return figures


def _peak_rss(env: dict, size: int) -> int:
    root = str(Path(__file__).resolve().parents[1])
    run_env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    out = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT, str(size), json.dumps(env)], env=run_env,
                         capture_output=True, text=True, timeout=900, check=True).stdout
    return int(json.loads(out.strip().splitlines()[-1])["maxrss_kib"]) * 1024


def run(cfg) -> List[Figure]:
    size = cfg.scale(256, 4) * MIB
    count = cfg.scale(2000, 20)
    big = cfg.scale(1024, 32) * MIB
    with fx.served() as service, tempfile.TemporaryDirectory(prefix="modelarts-bench-obs-") as tmp:
        session = fx.session_for(service)
        try:
            session.obs.create_bucket("bench-obs")
            figures = _big_file(session, Path(tmp), size, cfg.scale(3, 1), service.pid)
            figures += _many_files(session, Path(tmp), count, service.pid)
            env = service.env()
            small_rss, big_rss = _peak_rss(env, MIB), _peak_rss(env, big)
        finally:
            session.close()
    growth = big_rss - small_rss
    mem = Figure(ROW_MEM, "the same process moving 1 MiB", "flat: peak RSS grows < 64 MiB", met=growth < 64 * MIB,
                 measured=f"+{growth / MIB:.1f} MiB ({big_rss / MIB:.0f} vs {small_rss / MIB:.0f} MiB peak RSS)")
    mem.details.append(f"{big // MIB} MiB uploaded then downloaded with session.obs in a fresh Python process")
    return figures + [mem]
