"""One SQLite transaction at a time per process, queued on an asyncio lock.

SQLite has one writer, and every transaction here begins with BEGIN IMMEDIATE (bot.db). Left to
SQLite, a second connection of the same process waits in SQLite's busy handler, which sleeps in
growing steps (up to 100 ms) on aiosqlite's thread: under the WeChat retry storm, a retry answered
from the dedup store, the outbox sender and the sweeper queued that way behind the turns, and pushes
took seconds (bench/wechat_load.py). Here a transaction first takes the process's gate, a FIFO
asyncio lock, and the connection gives it back at COMMIT or ROLLBACK (or, as a last resort, when
the pool takes the connection back). SQLite's own busy handler is then left for other processes.

The waits happen in SQLAlchemy's sync event hooks, which run in its greenlet and may therefore
await (sqlalchemy.util.await_only).
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.util import await_only

HOLDS_GATE = "weiquan_holds_gate"
"""Key in the pooled connection's info: this connection holds the gate of its event loop."""


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
        as SQLite itself would say."""
        lock = self._lock()
        try:
            await_only(asyncio.wait_for(lock.acquire(), self._timeout))
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked (waited for this process's writer)") from None
        info[HOLDS_GATE] = lock

    @staticmethod
    def give_back(info: dict) -> None:
        lock = info.pop(HOLDS_GATE, None)
        if lock is not None:
            lock.release()


def install(engine: Engine, gate: WriteGate, begin_sql: str) -> None:
    """Take the gate before `begin_sql` runs on a connection, give it back when the transaction ends."""

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        gate.take(connection.info)
        try:
            connection.exec_driver_sql(begin_sql)
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
