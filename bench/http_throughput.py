"""Requests per second and latency of our WeChat text endpoint against a bare Starlette route.

    python bench/http_throughput.py [--requests 3000] [--connections 64] [--workers 1] [--repeat 3]

Both servers run under uvicorn in their own process, started in this run, one after the other on
the same machine: `weiquan serve` (the whole app: signature check, XML parse, dedup, a Q&A turn in
the database, the passive reply) and a Starlette app whose POST route answers "success" at once.
The load is signed plaintext-mode WeChat pushes from many users, each a new message (no retries)
with one of 2,000 different FAQ phrasings, `--connections` at a time. The database is SQLite in a
temporary folder unless DATABASE_URL is set.

The client (a minimal keep-alive HTTP/1.1 client on asyncio streams) runs on the same machine and
shares its CPUs: against the bare route it is part of what is measured, so the ratio is a lower
bound on how close we are to Starlette itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.base import DATA_DIR  # noqa: E402
from knowledge.faq import load_faq_dir  # noqa: E402
from tests.fakes.wechat import WeChatPlatform  # noqa: E402

TOKEN = "bench-token"
APP_ID = "wxbench000000000"
QUESTIONS = tuple(random.Random(315).sample(
    [phrasing for entry in load_faq_dir(DATA_DIR / "faq") for phrasing in entry.phrasings], k=2000))
"""Citizens' questions: 2,000 different FAQ phrasings, so that no per-text cache makes a repeat cheap."""
BARE_APP = """
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

async def wechat(request):
    await request.body()
    return PlainTextResponse("success")

app = Starlette(routes=[Route("/wechat", wechat, methods=["POST"])])
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_ours(port: int, workers: int, data_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "WEIQUAN_APP_DATA_DIR": str(data_dir), "WEIQUAN_WECHAT_TOKEN": TOKEN,
           "WEIQUAN_WECHAT_APP_ID": APP_ID, "WEIQUAN_APP_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_bare(port: int, workers: int, folder: Path) -> subprocess.Popen:
    (folder / "bare_app.py").write_text(BARE_APP)
    return subprocess.Popen([sys.executable, "-m", "uvicorn", "bare_app:app", "--host", "127.0.0.1", "--port",
                             str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
                            cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_ready(base: str, probe: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            try:
                await client.get(base + probe)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"{base} did not start")


async def post_keepalive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str,
                         body: bytes) -> int:
    """One HTTP/1.1 POST on a kept-alive connection; the status code. A minimal client, so that the
    client's own overhead (httpx's pool is slow at 64 connections) does not hide the servers'."""
    writer.write(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/xml\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def load(port: int, requests: int, connections: int) -> tuple[float, list[float], int]:
    """Seconds taken, per-request latencies in ms, and the count of non-200 answers."""
    wx = WeChatPlatform(token=TOKEN, app_id=APP_ID)
    queue: asyncio.Queue = asyncio.Queue()
    for i in range(requests):
        params, body = wx.signed_post(wx.text(f"oBench{i % 500}", QUESTIONS[i % len(QUESTIONS)]))
        queue.put_nowait((f"/wechat?{urlencode(params)}", body))
    latencies: list[float] = []
    failures = 0

    async def connection() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty():
                path, body = queue.get_nowait()
                started = time.perf_counter()
                status = await post_keepalive(reader, writer, f"127.0.0.1:{port}", path, body)
                latencies.append((time.perf_counter() - started) * 1000)
                failures += status != 200
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    return time.perf_counter() - started, sorted(latencies), failures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def summarize(name: str, runs: list[tuple[float, list[float], int]]) -> list[float]:
    """One line for a server: the median of the runs with its spread; the requests per second of each run."""
    rates = [len(latencies) / seconds for seconds, latencies, _ in runs]
    p50s = [statistics.median(latencies) for _, latencies, _ in runs]
    p99s = [percentile(latencies, 0.99) for _, latencies, _ in runs]
    failures = sum(count for _, _, count in runs)
    print(f"{name:<22} {statistics.median(rates):8.0f} req/s ({min(rates):.0f}-{max(rates):.0f})   "
          f"p50 {statistics.median(p50s):7.1f} ms   p99 {statistics.median(p99s):7.1f} ms "
          f"({min(p99s):.0f}-{max(p99s):.0f})   non-200 {failures}")
    return rates


async def measure(args) -> None:
    """Both servers run side by side (an idle one costs nothing); each repetition loads one, then the other,
    so that the machine's drift between runs moves both alike."""
    with tempfile.TemporaryDirectory() as folder:
        servers = {"bare Starlette route": (start_bare, "/"), "weiquan /wechat": (start_ours, "/healthz")}
        ports, processes = {}, []
        try:
            for name, (start, probe) in servers.items():
                ports[name] = free_port()
                processes.append(start(ports[name], args.workers, Path(folder)))
                await wait_ready(f"http://127.0.0.1:{ports[name]}", probe)
                await load(ports[name], min(300, args.requests), args.connections)  # warm-up
            runs: dict[str, list] = {name: [] for name in servers}
            for _ in range(args.repeat):
                for name in servers:
                    runs[name].append(await load(ports[name], args.requests, args.connections))
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
    rates = {name: summarize(name, found) for name, found in runs.items()}
    ratios = [ours / bare for ours, bare in zip(rates["weiquan /wechat"], rates["bare Starlette route"], strict=True)]
    print(f"ratio weiquan / bare: {statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f}; "
          f"median of {args.repeat}, {args.connections} connections, {args.workers} worker(s), "
          f"{'PostgreSQL' if os.environ.get('DATABASE_URL', '').startswith('postgresql') else 'SQLite'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per server, alternating; medians reported")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
