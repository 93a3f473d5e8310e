"""SQLite driven on the event loop's thread: one writer at a time, and waiting never blocks the loop."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from bot.core.tables import ProcessedMessageRow
from bot.db import create_engine, create_session_factory, upgrade
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's single writer")


@pytest.fixture
async def sqlite_engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'writer.db'}", busy_timeout_ms=3000)
    await upgrade(engine)
    yield engine, tmp_path / "writer.db"
    await engine.dispose()


@contextlib.asynccontextmanager
async def another_writer(path, seconds: float):
    """Another process's writer, as a `weiquan` command would be: BEGIN IMMEDIATE, then `seconds` of work."""
    holding = threading.Event()

    def write() -> None:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        holding.set()
        time.sleep(seconds)
        connection.execute("COMMIT")
        connection.close()

    other = threading.Thread(target=write)
    other.start()
    await asyncio.to_thread(holding.wait)
    try:
        yield
    finally:
        await asyncio.to_thread(other.join)


async def ticks_while(coroutine) -> tuple[object, int]:
    """Run `coroutine` while a 10 ms ticker counts how often the event loop got to run it."""
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.01)
            ticks += 1

    counting = asyncio.create_task(ticker())
    try:
        return await coroutine, ticks
    finally:
        done.set()
        await counting


async def insert_key(sessions, key: str) -> None:
    async with sessions.begin() as session:
        session.add(ProcessedMessageRow(dedup_key=key, replies=[], created_at=datetime.now(UTC)))


async def test_a_writer_in_another_process_is_waited_for_without_blocking_the_loop(sqlite_engine):
    engine, path = sqlite_engine
    async with another_writer(path, 0.5):
        started = time.monotonic()
        _, ticks = await ticks_while(insert_key(create_session_factory(engine), "after-the-other"))
        waited = time.monotonic() - started
    assert waited >= 0.4, "the insert waited for the other writer's commit"
    assert ticks >= 20, f"the loop kept running while waiting ({ticks} ticks in {waited:.2f} s)"


async def test_a_writer_that_never_finishes_gives_database_is_locked(sqlite_engine):
    engine, path = sqlite_engine
    async with another_writer(path, 4):
        with pytest.raises(OperationalError, match="database is locked"):
            await insert_key(create_session_factory(engine), "never")
    await insert_key(create_session_factory(engine), "later")  # the gate was given back


async def test_concurrent_transactions_of_one_process_take_turns(sqlite_engine):
    engine, _path = sqlite_engine
    sessions = create_session_factory(engine)
    await asyncio.gather(*(insert_key(sessions, f"k{n}") for n in range(200)))
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedMessageRow)) == 200


async def test_a_failed_transaction_gives_the_gate_back(sqlite_engine):
    engine, _path = sqlite_engine
    sessions = create_session_factory(engine)
    await insert_key(sessions, "once")
    for _ in range(3):
        with pytest.raises(Exception, match="UNIQUE"):
            await insert_key(sessions, "once")
    async with engine.connect() as connection:  # a read outside a session: autobegun, closed, released
        assert await connection.scalar(text("SELECT count(*) FROM processed_messages")) == 1
    await asyncio.wait_for(insert_key(sessions, "twice"), 2)
