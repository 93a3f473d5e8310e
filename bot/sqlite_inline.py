"""SQLite under SQLAlchemy's asyncio engine, called on the event loop's own thread.

aiosqlite runs every call (cursor, execute, fetch, close, commit) on a thread of its own and wakes
the event loop for each result: about twenty thread hops per turn, half of a turn's time on SQLite
(15.7 ms against 8.0 ms a turn here, in-process; bench/http_throughput.py for the HTTP figures). A
statement on a WAL database takes microseconds and, inside a transaction that began with BEGIN
IMMEDIATE, never waits for another writer; so this driver makes the calls directly. The waits for
the write lock are at BEGIN and are asynchronous (bot.sqlite_gate), so the loop is never blocked.

It reuses SQLAlchemy's aiosqlite dialect and adapter (SQLAlchemy 2.1); only the driver underneath
is replaced, by awaitables that complete at once.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)

DRIVER = "weiquan_inline"


class _Cursor:
    """sqlite3.Cursor behind the awaitable interface the adapter expects."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> _Cursor:
        return self

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, operation: str, parameters: Any = None) -> None:
        self._cursor.execute(operation, () if parameters is None else parameters)

    async def executemany(self, operation: str, parameters: Any) -> None:
        self._cursor.executemany(operation, parameters)

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany() if size is None else self._cursor.fetchmany(size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _Connection:
    """sqlite3.Connection behind the awaitable interface of aiosqlite.Connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = connection
        """None once closed (the adapter checks it before commit and rollback)."""

    def cursor(self) -> _Cursor:
        return _Cursor(self._live.cursor())

    @property
    def _live(self) -> sqlite3.Connection:
        if self._connection is None:
            raise sqlite3.ProgrammingError("connection closed")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._live.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._live.isolation_level = value

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live.create_function(*args, **kwargs)

    async def commit(self) -> None:
        self._live.commit()

    async def rollback(self) -> None:
        self._live.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class _AdaptedConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    @property
    def isolation_level(self) -> str | None:
        return self._connection.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:  # no aiosqlite thread to hand this to
        self._connection.isolation_level = value


class _Driver(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self) -> None:
        super().__init__(sqlite3, sqlite3)  # sqlite3's own exceptions and version attributes

    def connect(self, *args: Any, **kwargs: Any) -> _AdaptedConnection:
        kwargs.pop("async_creator_fn", None)
        kwargs["check_same_thread"] = False  # the pool may close a connection from the collector's thread
        return _AdaptedConnection(self, _Connection(sqlite3.connect(*args, **kwargs)))


class InlineSQLiteDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True  # SQLAlchemy asks every dialect subclass to say so itself
    supports_server_side_cursors = False

    @classmethod
    def import_dbapi(cls) -> _Driver:
        return _Driver()

    def retrieve_dbapi_version(self, dbapi: Any) -> tuple[int, ...]:  # noqa: ARG002 (SQLAlchemy's signature)
        return sqlite3.sqlite_version_info


registry.register(f"sqlite.{DRIVER}", __name__, "InlineSQLiteDialect")
