"""Scaling from 1 to 2 workers, and the memory of each worker.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres python bench/workers.py [--workers 1 2]

For each worker count, one after the other in this run: `weiquan serve --workers N` on a fresh
database (a new PostgreSQL database on DATABASE_URL's server, dropped afterwards; SQLite in a
temporary folder without DATABASE_URL), the same load as bench/http_throughput.py (signed WeChat
text pushes, a Q&A turn each, `--connections` kept-alive connections), then each worker's resident
memory (VmRSS, and its peak VmHWM) read from /proc. Set WEIQUAN_STATUTE_DIRS to measure with the
operator's statute folders loaded as well (the full knowledge base).

The load generator runs on the same machine: on a 2-CPU machine two workers share the CPUs with it
and with PostgreSQL, which caps the scaling that can be shown here. So each run also reports the CPU
time per request of the workers, of PostgreSQL's processes and of the load generator, read from
/proc: what would scale with more CPUs and what is the machine's limit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_throughput import APP_ID, TOKEN, free_port, load, percentile  # noqa: E402
from bench.wechat_load import Server, drop_database, fresh_database  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by the processes and by their children that have ended."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / TICKS


def database_pids() -> list[int]:
    """PostgreSQL's processes now: the postmaster (whose ended children, such as backends of closed
    connections, count in its cutime) and its live children."""
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
            and (p / "comm").exists() and (p / "comm").read_text().strip() == "postgres"]


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
            pids = server.worker_pids() if workers > 1 else [server.process.pid]
            others = database_pids() if on_postgres else []
            before = cpu_seconds(pids), cpu_seconds(others), time.process_time()
            seconds, latencies, failures = await load(server.port, args.requests, args.connections)
            others = sorted(set(others) | set(database_pids() if on_postgres else []))
            after = cpu_seconds(pids), cpu_seconds(others), time.process_time()
            memory = [memory_mib(pid) for pid in pids]
        finally:
            server.stop()
            if on_postgres:
                await drop_database(server_url, name)
    rps = len(latencies) / seconds
    per_request = [(end - start) * 1000 / len(latencies) for start, end in zip(before, after, strict=True)]
    print(f"{workers} worker(s): {rps:7.0f} req/s   p50 {statistics.median(latencies):6.1f} ms   "
          f"p99 {percentile(latencies, 0.99):6.1f} ms   non-200 {failures}   RSS per worker "
          + ", ".join(f"{rss:.0f} MiB (peak {peak:.0f})" for rss, peak in memory))
    print(f"    CPU per request: workers {per_request[0]:.1f} ms, PostgreSQL {per_request[1]:.1f} ms, "
          f"load generator {per_request[2]:.1f} ms; CPUs busy {sum(per_request) * rps / 1000:.2f} of {os.cpu_count()}")
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
