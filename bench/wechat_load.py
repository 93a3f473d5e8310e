"""WeChat's retry storm and a SIGKILL under load: is any turn or complaint lost or doubled?

    python bench/wechat_load.py [--users 200] [--complainants 50] [--think 3] [--workers 1] [--kill-at 6]

Starts `weiquan serve` with the WeChat channel on: SQLite in a temporary folder, or, when
DATABASE_URL names a PostgreSQL server, a fresh database on it (dropped afterwards). Its
customer-service API points at a fake api.weixin.qq.com served in this process, so answers that
miss the reply budget are delivered, and counted, the way WeChat would deliver them.

Then it plays WeChat for many users at once. Each user talks like a person (next message after
the answer, `--think` seconds of pause on average): most ask questions, the complainants go through
the whole complaint dialog and confirm. Every push is signed; like WeChat, a push that gets no
answer in 5 s (timeout, refused connection, 5xx) is sent again, up to three retries, and a share of
pushes is sent twice at once anyway (`--storm`). At `--kill-at` seconds a worker gets SIGKILL: with
one worker the server process, restarted at once (as systemd would); with several, one of
uvicorn's workers, which uvicorn replaces.

Afterwards the database and the fake API are compared with what was sent:
messages sent, turns stored, duplicated and lost turns, messages never answered (no reply in an
HTTP response and none through the customer-service API), complaints lost or filed twice, answers
later than WeChat's 5 seconds, and p50/p99 latency of the answered pushes.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_throughput import QUESTIONS, free_port, percentile  # noqa: E402
from bot.complaints.models import CaseRow  # noqa: E402
from bot.core.tables import OutboxRow, ProcessedMessageRow, TurnEventRow  # noqa: E402
from bot.db import create_engine  # noqa: E402
from tests.fakes.wechat import FakeWeChatApi, WeChatPlatform, xml_fields  # noqa: E402
from tests.processes import uvicorn_worker_pids  # noqa: E402
from tests.scenarios.chat import COMPLAINT_ANSWERS  # noqa: E402

TOKEN = "load-token"
APP_ID = "wxload0000000000"
APP_SECRET = "load-secret"
WECHAT_WAIT_SECONDS = 5.0
"""WeChat drops a push's connection after 5 s and retries it, three times at most."""
WECHAT_RETRIES = 3


@dataclass
class Tally:
    sent: int = 0
    attempts: int = 0
    retries: int = 0
    storm_copies: int = 0
    passive: int = 0
    via_outbox: Counter = field(default_factory=Counter)
    """Per openid: pushes answered "success" whose replies must come through the customer-service API."""
    unanswered: int = 0
    timed_out: int = 0
    latencies: list[float] = field(default_factory=list)
    kill: str = ""


class Server:
    """`weiquan serve` in a subprocess, with SIGKILL for the fault test."""

    def __init__(self, port: int, workers: int, env: dict[str, str], log: Path) -> None:
        self.port, self.workers, self.env, self.log = port, workers, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers)], cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT)

    async def ready(self) -> float:
        """Seconds until /healthz says ok."""
        started = time.perf_counter()
        async with httpx.AsyncClient() as client:
            while time.perf_counter() - started < 120:
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}/healthz")).status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited:\n{self.log.read_text(errors='replace')[-3000:]}")
                await asyncio.sleep(0.05)
        raise RuntimeError("server did not become healthy")

    def worker_pids(self) -> list[int]:
        return uvicorn_worker_pids(self.process.pid)

    async def kill_one(self) -> str:
        """SIGKILL: the whole server when it is one process (then start it again), else one worker."""
        if self.workers == 1:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.start()
            return f"SIGKILL to the server process, restarted, healthy again after {await self.ready():.1f} s"
        victim = self.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        started = time.perf_counter()
        while len(set(self.worker_pids()) - {victim}) < self.workers and time.perf_counter() - started < 60:
            await asyncio.sleep(0.05)
        return f"SIGKILL to worker {victim}; uvicorn had a new worker after {time.perf_counter() - started:.1f} s"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)


class WeChat:
    """WeChat's side of the callback: signed pushes, the 5-second wait, the retries."""

    def __init__(self, client: httpx.AsyncClient, port: int, tally: Tally, storm: float, rng: random.Random):
        self.platform = WeChatPlatform(token=TOKEN, app_id=APP_ID)
        self.client, self.url, self.tally, self.storm, self.rng = client, f"http://127.0.0.1:{port}/wechat", \
            tally, storm, rng
        self.msg_ids = itertools.count(7_000_000_000_000_000_000)

    async def push(self, openid: str, content: str) -> str | None:
        """Send one message as WeChat would; the passive reply's text, "" when it came "success"."""
        xml = self.platform.text(openid, content, msg_id=next(self.msg_ids))
        self.tally.sent += 1
        if self.rng.random() < self.storm:  # WeChat sometimes sends a push twice at once
            self.tally.storm_copies += 1
            copy = asyncio.ensure_future(self._attempts(xml, count=False))
            answer = await self._attempts(xml)
            await copy
        else:
            answer = await self._attempts(xml)
        if answer is None:
            self.tally.unanswered += 1
        elif answer == "":
            self.tally.via_outbox[openid] += 1
        else:
            self.tally.passive += 1
        return answer

    async def _attempts(self, xml: str, *, count: bool = True) -> str | None:
        for attempt in range(1 + WECHAT_RETRIES):
            started = time.perf_counter()
            params, body = self.platform.signed_post(xml)
            self.tally.attempts += 1
            self.tally.retries += attempt > 0
            try:
                async with asyncio.timeout(WECHAT_WAIT_SECONDS):  # the whole exchange, as WeChat counts it
                    response = await self.client.post(f"{self.url}?{urlencode(params)}", content=body)
            except TimeoutError:
                self.tally.timed_out += count
                continue
            except httpx.TransportError:  # refused or reset: WeChat waits out its 5 s, then retries
                await asyncio.sleep(max(0.0, WECHAT_WAIT_SECONDS - (time.perf_counter() - started)))
                continue
            if response.status_code != 200:
                await asyncio.sleep(max(0.0, WECHAT_WAIT_SECONDS - (time.perf_counter() - started)))
                continue
            if count:
                self.tally.latencies.append((time.perf_counter() - started) * 1000)
            if response.text == "success":
                return ""
            return xml_fields(response.content).get("Content", "")
        return None


async def questioner(wechat: WeChat, openid: str, questions: int, think: float, rng: random.Random) -> None:
    for _ in range(questions):
        await asyncio.sleep(rng.uniform(0, 2 * think))
        await wechat.push(openid, rng.choice(QUESTIONS))


async def complainant(wechat: WeChat, openid: str, think: float, rng: random.Random) -> None:
    for answer in (*COMPLAINT_ANSWERS, "确认"):
        await asyncio.sleep(rng.uniform(0, 2 * think))
        await wechat.push(openid, answer)


async def fresh_database(server_url: str) -> tuple[str, str]:
    """A new PostgreSQL database on DATABASE_URL's server: (its URL, its name)."""
    name = f"weiquan_load_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), name


async def drop_database(server_url: str, name: str) -> None:
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def wait_for_outbox(database_url: str, seconds: float) -> int:
    """Wait until the senders have delivered every outbox row (or given up on it); the rows still pending."""
    engine = create_engine(database_url)
    try:
        deadline = time.monotonic() + seconds
        while True:
            async with engine.connect() as connection:
                pending = await connection.scalar(select(func.count()).select_from(OutboxRow).where(
                    OutboxRow.delivered_at.is_(None), OutboxRow.failed.is_(False)))
            if not pending or time.monotonic() > deadline:
                return pending
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()


async def stored(database_url: str) -> dict[str, object]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            async def count(query) -> int:
                return await connection.scalar(query)

            turns = select(func.count()).select_from(TurnEventRow).where(TurnEventRow.channel == "wechat")
            return {
                "turns": await count(turns.where(TurnEventRow.duplicate.is_(False))),
                "dedup_answers": await count(turns.where(TurnEventRow.duplicate.is_(True))),
                "keys": await count(select(func.count()).select_from(ProcessedMessageRow)),
                "outbox_delivered": Counter(dict((await connection.execute(
                    select(OutboxRow.external_id, func.count()).where(OutboxRow.delivered_at.is_not(None))
                    .group_by(OutboxRow.external_id))).all())),
                "cases": Counter(dict((await connection.execute(
                    select(CaseRow.external_id, func.count()).where(CaseRow.kind == "complaint")
                    .group_by(CaseRow.external_id))).all())),
            }
    finally:
        await engine.dispose()


async def run(args) -> None:
    rng = random.Random(args.seed)
    server_url = os.environ.get("DATABASE_URL", "")
    on_postgres = server_url.startswith("postgresql")
    with tempfile.TemporaryDirectory() as folder:
        database_url, database_name = (await fresh_database(server_url)) if on_postgres else (
            f"sqlite:///{Path(folder) / 'weiquan.db'}", "")
        tally = Tally()
        try:
            async with FakeWeChatApi(app_id=APP_ID, secret=APP_SECRET) as api:
                env = {**os.environ, "DATABASE_URL": database_url, "WEIQUAN_APP_DATA_DIR": folder,
                       "WEIQUAN_APP_LOG_LEVEL": "WARNING", "WEIQUAN_WECHAT_TOKEN": TOKEN,
                       "WEIQUAN_WECHAT_APP_ID": APP_ID, "WEIQUAN_WECHAT_APP_SECRET": APP_SECRET,
                       "WEIQUAN_WECHAT_API_BASE": api.base_url}
                server = Server(free_port(), args.workers, env, Path(folder) / "serve.log")
                server.start()
                try:
                    await server.ready()
                    limits = httpx.Limits(max_connections=None, max_keepalive_connections=args.users)
                    async with httpx.AsyncClient(limits=limits) as client:
                        wechat = WeChat(client, server.port, tally, args.storm, rng)
                        users = [complainant(wechat, f"oComplain{n}", args.think, random.Random(rng.random()))
                                 for n in range(args.complainants)]
                        users += [questioner(wechat, f"oAsk{n}", args.questions, args.think,
                                             random.Random(rng.random()))
                                  for n in range(args.users - args.complainants)]
                        started = time.perf_counter()
                        everyone = asyncio.gather(*users)
                        await asyncio.sleep(args.kill_at)
                        tally.kill = await server.kill_one() if args.kill_at >= 0 else "no kill"
                        await everyone
                        elapsed = time.perf_counter() - started
                    await wait_for_outbox(database_url, 60)
                finally:
                    server.stop()
                result = await stored(database_url)
        finally:
            if on_postgres:
                await drop_database(server_url, database_name)
    report(args, tally, result, elapsed, on_postgres)


def report(args, tally: Tally, result: dict, elapsed: float, on_postgres: bool) -> None:
    delivered: Counter = result["outbox_delivered"]
    late_undelivered = sum(max(0, late - delivered[openid]) for openid, late in tally.via_outbox.items())
    cases: Counter = result["cases"]
    complainants = [f"oComplain{n}" for n in range(args.complainants)]
    rows = [
        ("setup", f"{'PostgreSQL' if on_postgres else 'SQLite'}, {args.workers} worker(s), {args.users} users "
                  f"({args.complainants} filing complaints), {elapsed:.1f} s"),
        ("fault", tally.kill),
        ("messages sent", f"{tally.sent} ({tally.sent / elapsed:.0f} per second)"),
        ("HTTP pushes", f"{tally.attempts} ({tally.retries} retries after no answer in 5 s, "
                        f"{tally.storm_copies} sent twice at once)"),
        ("turns stored", result["turns"]),
        ("processed message keys", result["keys"]),
        ("duplicated turns", result["turns"] - result["keys"]),
        ("lost turns", tally.sent - result["keys"]),
        ("retries answered from the store", result["dedup_answers"]),
        ("answered in the HTTP response", tally.passive),
        ("answered through the customer-service API", sum(tally.via_outbox.values())),
        ("lost messages (never answered)", tally.unanswered + late_undelivered),
        ("complaints filed / expected", f"{sum(cases[c] for c in complainants)} / {len(complainants)}"),
        ("lost complaints", sum(cases[c] == 0 for c in complainants)),
        ("duplicated complaints", sum(max(0, cases[c] - 1) for c in complainants)),
        ("pushes with no answer within 5 s", tally.timed_out),
        ("latency p50 / p99", f"{statistics.median(tally.latencies):.0f} ms / "
                              f"{percentile(tally.latencies, 0.99):.0f} ms"),
    ]
    for name, value in rows:
        print(f"{name:<45} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--complainants", type=int, default=50, help="how many of the users file a complaint")
    parser.add_argument("--questions", type=int, default=8, help="questions per asking user")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--think", type=float, default=3.0, help="mean pause in seconds before each message")
    parser.add_argument("--storm", type=float, default=0.2, help="share of pushes WeChat sends twice at once")
    parser.add_argument("--kill-at", type=float, default=6.0, help="seconds into the run; negative: no kill")
    parser.add_argument("--seed", type=int, default=315)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
