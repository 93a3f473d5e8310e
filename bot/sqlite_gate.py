"""One SQLite writer at a time, waited for without blocking the event loop.

SQLite has one writer, and every transaction here begins with BEGIN IMMEDIATE, so that a turn's
read-then-write cannot lose an update. Left to SQLite, a second connection waits in SQLite's busy
handler, which sleeps in growing steps (up to 100 ms), and with bot.sqlite_inline it would sleep on
the event loop's own thread. So a transaction first takes its process's gate, a FIFO asyncio lock
(given back at COMMIT or ROLLBACK, or as a last resort when the pool takes the connection back),
then SQLite's write lock, retried with asyncio sleeps while another process (a second worker, a
`weiquan` command) holds it. Under the WeChat retry storm this queue replaced second-long waits of
dedup replies, the outbox sender and the sweeper behind the turns (bench/wechat_load.py).

The waits happen in SQLAlchemy's sync event hooks, which run in its greenlet and may therefore
await (sqlalchemy.util.await_only).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import weakref

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.util import await_only

BEGIN = "BEGIN IMMEDIATE"
READ_ONLY = "weiquan_read_only"
"""Execution option of a session that only reads: a deferred BEGIN, neither the gate nor the write lock
(in WAL mode a reader never waits for the writer, and the writer never waits for it)."""
HOLDS_GATE = "weiquan_holds_gate"
"""Key in the pooled connection's info: this connection holds the gate of its event loop."""
LOCK_RETRY_SECONDS = (0.001, 0.002, 0.005, 0.01, 0.02)
"""Sleeps between tries for SQLite's write lock; the last one repeats until the timeout."""


class WriteGate:
    """A FIFO lock per event loop (tests run several loops; an asyncio.Lock belongs to one)."""

    def __init__(self, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary())

    def _lock(self) -> asyncio.Lock:
        return self._locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())

    def take(self, info: dict) -> None:
        """Wait for the gate (from inside SQLAlchemy's greenlet); "database is locked" after the timeout,
        as SQLite itself would say it."""
        lock = self._lock()
        try:
            await_only(_acquire(lock, self._timeout))
        except TimeoutError:
            locked = sqlite3.OperationalError("database is locked (waited for this process's writer)")
            raise OperationalError(BEGIN, None, locked) from None
        info[HOLDS_GATE] = lock

    @staticmethod
    def give_back(info: dict) -> None:
        lock = info.pop(HOLDS_GATE, None)
        if lock is not None:
            lock.release()


async def _acquire(lock: asyncio.Lock, timeout: float) -> None:
    # asyncio.timeout, not wait_for: wait_for's inner task can win the lock just as it times out.
    async with asyncio.timeout(timeout):
        await lock.acquire()


def begin_immediate(dbapi_connection, deadline: float) -> None:
    """BEGIN IMMEDIATE, tried again after a short asyncio sleep while another process writes (the
    connection's busy timeout is kept short); "database is locked" after `deadline`."""
    for attempt in range(1_000_000):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(BEGIN)
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise OperationalError(BEGIN, None, error) from error  # as SQLAlchemy reports driver errors
        finally:
            cursor.close()
        await_only(asyncio.sleep(LOCK_RETRY_SECONDS[min(attempt, len(LOCK_RETRY_SECONDS) - 1)]))


def install(engine: Engine, timeout_seconds: float) -> None:
    """Every transaction on `engine` takes the gate, then BEGIN IMMEDIATE; the gate is given back when
    the transaction ends. Both waits together give up after `timeout_seconds`. A READ_ONLY transaction
    takes neither."""
    gate = WriteGate(timeout_seconds)

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.connection.dbapi_connection.execute("BEGIN")
            return
        deadline = time.monotonic() + timeout_seconds
        gate.take(connection.info)
        try:
            begin_immediate(connection.connection.dbapi_connection, deadline)
        except BaseException:
            gate.give_back(connection.info)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(connection: Connection) -> None:
        gate.give_back(connection.info)

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        gate.give_back(record.info)
