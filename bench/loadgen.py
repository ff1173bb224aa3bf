"""Fallback HTTP load generator, used only when `wrk` cannot be installed.

N keep-alive HTTP/1.1 connections over raw asyncio streams (uvloop when available), each
sending its next request as soon as the previous response is read, like wrk. No HTTP
client library: their per-request overhead would be measured instead of the server's.
Run as `python -m bench.loadgen URL --connections 64 --duration 12`; prints one
`BENCH_JSON {...}` line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    non_2xx: int = 0
    socket_errors: int = 0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response whole; return its status and whether the server closes."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("connection closed by the server")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, close = 0, False, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"connection":
            close = value == b"close"
    if chunked:
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readline()
    elif length:
        await reader.readexactly(length)
    return status, close


async def _connection(host: str, port: int, request: bytes, deadline: float, stats: Stats) -> None:
    writer: asyncio.StreamWriter | None = None
    while time.perf_counter() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            started = time.perf_counter()
            writer.write(request)
            status, close = await _read_response(reader)
            stats.latencies.append(time.perf_counter() - started)
            if not 200 <= status < 300:
                stats.non_2xx += 1
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            stats.socket_errors += 1
            close = True
            await asyncio.sleep(0.01)  # a refused connect must not spin the loop
        if close and writer is not None:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def _percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list, in milliseconds."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


async def run(url: str, headers: list[str], connections: int, duration: float) -> dict[str, Any]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target or '/'} HTTP/1.1", f"Host: {parts.netloc}", *headers]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    stats = Stats()
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(
        *(_connection(host, port, request, deadline, stats) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    ordered = sorted(stats.latencies)
    return {
        "duration_s": round(elapsed, 3),
        "requests": len(ordered),
        "requests_per_s": round(len(ordered) / elapsed, 1),
        "p50_ms": round(_percentile(ordered, 0.50), 3),
        "p90_ms": round(_percentile(ordered, 0.90), 3),
        "p99_ms": round(_percentile(ordered, 0.99), 3),
        "max_ms": round(ordered[-1] * 1000 if ordered else 0.0, 3),
        "non_2xx": stats.non_2xx,
        "socket_errors": stats.socket_errors,
    }


def _runner() -> Callable[[Coroutine[Any, Any, dict[str, Any]]], dict[str, Any]]:
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=12.0)
    parser.add_argument("--header", action="append", default=[], help='"Name: value"')
    args = parser.parse_args()
    report = _runner()(run(args.url, args.header, args.connections, args.duration))
    print("BENCH_JSON " + json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
