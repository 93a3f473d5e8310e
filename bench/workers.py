"""Scaling from 1 to 2 workers, and the memory of each worker.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres python bench/workers.py [--workers 1 2]

For each worker count, one after the other in this run: `weiquan serve --workers N` on a fresh
database (a new PostgreSQL database on DATABASE_URL's server, dropped afterwards; SQLite in a
temporary folder without DATABASE_URL), the same load as bench/http_throughput.py (signed WeChat
text pushes, a Q&A turn each, `--connections` kept-alive connections), then each worker's resident
memory (VmRSS, and its peak VmHWM) read from /proc. Set WEIQUAN_STATUTE_DIRS to measure with the
operator's statute folders loaded as well (the full knowledge base).

The load generator runs on the same machine: on a 2-CPU machine two workers share the CPUs with it
and with PostgreSQL, which caps the scaling that can be shown here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_throughput import APP_ID, TOKEN, free_port, load  # noqa: E402
from bench.wechat_load import Server, drop_database, fresh_database, percentile  # noqa: E402


def memory_mib(pid: int) -> tuple[float, float]:
    """(resident, peak resident) of a process, in MiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def measure(workers: int, args, server_url: str) -> float:
    on_postgres = server_url.startswith("postgresql")
    with tempfile.TemporaryDirectory() as folder:
        database_url, name = (await fresh_database(server_url)) if on_postgres else (
            f"sqlite:///{Path(folder) / 'weiquan.db'}", "")
        env = {**os.environ, "DATABASE_URL": database_url, "WEIQUAN_APP_DATA_DIR": folder,
               "WEIQUAN_APP_LOG_LEVEL": "WARNING", "WEIQUAN_WECHAT_TOKEN": TOKEN, "WEIQUAN_WECHAT_APP_ID": APP_ID}
        server = Server(free_port(), workers, env, Path(folder) / "serve.log")
        server.start()
        try:
            await server.ready()
            await load(server.port, min(500, args.requests), args.connections)  # warm-up
            seconds, latencies, failures = await load(server.port, args.requests, args.connections)
            pids = server.worker_pids() if workers > 1 else [server.process.pid]
            memory = [memory_mib(pid) for pid in pids]
        finally:
            server.stop()
            if on_postgres:
                await drop_database(server_url, name)
    rps = len(latencies) / seconds
    print(f"{workers} worker(s): {rps:7.0f} req/s   p50 {statistics.median(latencies):6.1f} ms   "
          f"p99 {percentile(latencies, 0.99):6.1f} ms   non-200 {failures}   RSS per worker "
          + ", ".join(f"{rss:.0f} MiB (peak {peak:.0f})" for rss, peak in memory))
    return rps


async def run(args) -> None:
    server_url = os.environ.get("DATABASE_URL", "")
    results = {workers: await measure(workers, args, server_url) for workers in args.workers}
    base = results[args.workers[0]]
    for workers, rps in results.items():
        print(f"{workers} worker(s) / {args.workers[0]}: {rps / base:.2f}x")
    print(f"({'PostgreSQL' if server_url.startswith('postgresql') else 'SQLite'}, {args.connections} connections, "
          f"{args.requests} requests, {os.cpu_count()} CPUs shared with the load generator)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=64)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
