"""A closed-loop HTTP/1.1 load generator: N kept-alive connections on one asyncio loop.

Each connection replays the same pre-built request bytes as soon as the
previous answer is complete, until a deadline or a request budget, whichever
comes first; loopback only.  One thread and no HTTP library keep the client's
own cost and its scheduling noise (no GIL hand-offs between client threads)
out of the latencies it measures.
"""

from __future__ import annotations

import asyncio
from typing import Dict, List, Optional
from urllib.parse import urlsplit

import attrs

from benchmarks.timing import clock


@attrs.define
class LoadResult:
    clients: int
    seconds: float
    latencies: List[float]
    statuses: Dict[int, int]
    errors: int = 0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def not_ok(self) -> int:
        return self.errors + sum(n for status, n in self.statuses.items() if status != 200)


class _Client(asyncio.Protocol):
    def __init__(self, payload: bytes, shared: "_Shared") -> None:
        self.payload, self.shared = payload, shared
        self.buffer = b""
        self.began = 0.0
        self.transport: Optional[asyncio.Transport] = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self) -> None:
        if not self.shared.take():
            self.transport.close()  # type: ignore[union-attr]
            return
        self.began = clock()
        self.transport.write(self.payload)  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head, sep, body = self.buffer.partition(b"\r\n\r\n")
        if not sep:
            return
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if len(body) < length:
            return
        self.shared.record(int(head[9:12]), clock() - self.began)
        self.buffer = body[length:]
        self.send()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if exc is not None:
            self.shared.errors += 1
        if not self.closed.done():
            self.closed.set_result(None)


@attrs.define
class _Shared:
    deadline: float
    budget: int
    latencies: List[float] = attrs.Factory(list)
    statuses: Dict[int, int] = attrs.Factory(dict)
    errors: int = 0

    def take(self) -> bool:
        if self.budget <= 0 or clock() >= self.deadline:
            return False
        self.budget -= 1
        return True

    def record(self, status: int, seconds: float) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1


def request_bytes(url: str, headers: Dict[str, str]) -> bytes:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target} HTTP/1.1"] + [f"{name}: {value}" for name, value in headers.items()]
    if not any(name.lower() == "host" for name in headers):
        lines.append(f"Host: {parts.netloc}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _run(host: str, port: int, payload: bytes, clients: int, seconds: float, max_requests: int) -> LoadResult:
    loop = asyncio.get_running_loop()
    shared = _Shared(deadline=float("inf"), budget=max_requests)
    connections = [await loop.create_connection(lambda: _Client(payload, shared), host, port) for _ in range(clients)]
    start = clock()
    shared.deadline = start + seconds
    for _, client in connections:
        client.send()
    try:
        await asyncio.wait_for(asyncio.gather(*(client.closed for _, client in connections)), seconds + 30)
    finally:
        for transport, _ in connections:
            transport.close()
    return LoadResult(clients, clock() - start, shared.latencies, shared.statuses, shared.errors)


def run_load(url: str, headers: Dict[str, str], clients: int, seconds: float, max_requests: int) -> LoadResult:
    """``clients`` closed-loop connections replaying a GET of ``url`` (must be loopback)."""
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"load only goes to loopback, not {parts.hostname}")
    payload = request_bytes(url, headers)
    return asyncio.run(_run(parts.hostname or "", parts.port or 80, payload, clients, seconds, max_requests))
