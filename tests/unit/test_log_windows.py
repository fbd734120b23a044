"""aom-log windows are served by seeking: right lines, flat memory on a large log."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from modelarts.local.logs import read_window

LINE = b"epoch 00001 step 000001 loss 0.123456 accuracy 0.987654 lr 0.001000 ........................\n"


def _big_log(path: Path, megabytes: int) -> int:
    block = LINE * ((1 << 20) // len(LINE))
    with open(path, "wb") as handle:
        for _ in range(megabytes):
            handle.write(block)
        handle.write(b"last partial line")
    return megabytes * ((1 << 20) // len(LINE)) + 1


def test_windows_match_a_plain_split(tmp_path: Path) -> None:
    path = tmp_path / "job-a.0"
    lines = [f"line {i}" for i in range(1, 10001)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert read_window(path, {"lines": "3"})["content"] == "line 9998\nline 9999\nline 10000\n"
    window = read_window(path, {"base_line": "4095", "lines": "3", "order": "desc"})
    assert window["content"] == "line 4096\nline 4097\nline 4098\n" and window["start_line"] == "4096"
    window = read_window(path, {"base_line": "8193", "lines": "2", "order": "asc"})
    assert window["content"] == "line 8191\nline 8192\n" and window["end_line"] == "8192"
    with open(path, "ab") as handle:  # the log grows: the index extends
        handle.write(b"line 10001\npartial")
    assert read_window(path, {"lines": "2"})["content"] == "line 10001\npartial\n"
    assert read_window(path, {"base_line": "10002", "lines": "5"})["lines"] == 0


def test_memory_stays_flat_on_a_large_log(tmp_path: Path) -> None:
    path = tmp_path / "job-big.0"
    total = _big_log(path, 64)
    tracemalloc.start()
    try:
        for query in ({"lines": "500"}, {"base_line": "1", "lines": "500"}, {"base_line": str(total // 2), "lines": "500"},
                      {"base_line": str(total), "lines": "500", "order": "asc"}):
            answer = read_window(path, query)
            assert answer["lines"] == 500
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"aom-log on a 64 MiB log, 4 windows: peak traced memory {peak / 2**20:.1f} MiB")
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    assert read_window(path, {"lines": "1"})["content"] == "last partial line\n"
