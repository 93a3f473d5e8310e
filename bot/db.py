"""Database wiring: the declarative Base, engine and session factories, migrations.

SQLite (the default) gets WAL and `BEGIN IMMEDIATE` for every transaction, so that concurrent
read-then-write turns queue for the write lock instead of losing updates (bot.sqlite_gate), and is
driven on the event loop's thread (bot.sqlite_inline). PostgreSQL is
used through asyncpg when DATABASE_URL names it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from bot import sqlite_gate, sqlite_inline

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Base(DeclarativeBase):
    """Base of every ORM row."""


CALL_BUSY_TIMEOUT_MS = 20


def compact_json(value) -> str:
    """JSON columns as UTF-8 text without padding: a stored reply in Chinese takes half the bytes of
    ASCII escapes. Text that cannot be UTF-8 (a lone surrogate from a client) keeps the escapes."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":"))
    return text


def create_engine(url: str, *, busy_timeout_ms: int = 10000) -> AsyncEngine:
    """An async engine; for SQLite the folder is created and the pragmas set on each connection."""
    parsed = make_url(url)
    # Bound parameters hold names and phone numbers: keep them out of logs and error messages.
    if not parsed.get_backend_name() == "sqlite":
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True, json_serializer=compact_json)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(parsed.set(drivername=f"sqlite+{sqlite_inline.DRIVER}"), hide_parameters=True,
                                 json_serializer=compact_json)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        # Take transaction control from the driver so that BEGIN IMMEDIATE below is what runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Calls run on the event loop's thread: the waits for other writers are at BEGIN, asynchronous
        # (bot.sqlite_gate); this short timeout only covers a reader during another process's WAL recovery.
        cursor.execute(f"PRAGMA busy_timeout={CALL_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    sqlite_gate.install(engine.sync_engine, busy_timeout_ms / 1000)
    return engine


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def create_reader_factory(engine: AsyncEngine) -> async_sessionmaker:
    """Sessions for reads only: on SQLite they neither wait for nor hold the write lock."""
    return async_sessionmaker(engine.execution_options(**{sqlite_gate.READ_ONLY: True}), expire_on_commit=False)


def alembic_config():
    """Alembic's configuration for our migrations; alembic is imported only here and in `upgrade`, so that
    workers, which never migrate, do not hold it (8 MiB)."""
    from alembic.config import Config as AlembicConfig  # noqa: PLC0415 (alembic only when migrating)

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


REVISION_LINE = re.compile(r'^(down_revision|revision) = (?:"([^"]+)"|None)$', re.MULTILINE)


def head_revision() -> str:
    """The newest migration, read from the version files' `revision` lines (alembic is not loaded)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        revisions.add(found["revision"])
        parents.add(found.get("down_revision") or None)
    (head,) = revisions - parents
    return head


async def stored_revision(engine: AsyncEngine) -> str | None:
    """The database's migration revision in one query; None for a database not migrated yet."""
    async with engine.connect() as connection:
        try:
            return await connection.scalar(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:
            return None


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations up to `revision` on the engine's database (idempotent). A database already at the
    head is told by one query, without loading alembic (a restart's usual case)."""
    if revision == "head" and await stored_revision(engine) == head_revision():
        return
    from alembic import command  # noqa: PLC0415 (alembic only when migrating)

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415 (alembic only when asked)

    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
