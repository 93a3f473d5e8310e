"""Builds the long-lived parts from a Config: knowledge base, database, engine."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.config import Config, ConfigError
from bot.core.engine import Engine
from bot.db import create_engine, create_reader_factory, create_session_factory, upgrade
from bot.knowledge_setup import load_knowledge_base
from bot.services import Services, build_services
from handlers import build_router
from knowledge.base import KnowledgeBase

LOG_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(config: Config) -> None:
    logging.basicConfig(handlers=[log_handler(config.app.log_format)])
    set_log_levels(config.app.log_level)


def log_handler(log_format: str, stream=None) -> logging.Handler:
    """A stream handler writing text lines, or with "json" one JSON object per line for a log collector
    (python-json-logger), carrying a record's `extra` fields (a turn's channel, route, outcome, ms)."""
    handler = logging.StreamHandler(stream)
    if log_format == "json":
        handler.setFormatter(JsonFormatter(LOG_FIELDS))
    elif log_format == "text":
        handler.setFormatter(logging.Formatter(LOG_FIELDS))
    else:
        raise ConfigError(f'app.log_format: "text" or "json", not {log_format!r}')
    return handler


def set_log_levels(level: str) -> None:
    """Our level on the root logger (INFO in production), but no library logs below WARNING: at INFO
    httpx logs every request URL (the Telegram bot token is in the path) and SQLAlchemy, if asked,
    every statement with its parameters (names, phones)."""
    logging.getLogger().setLevel(level.upper())
    for library in LIBRARY_LOGGERS:
        logging.getLogger(library).setLevel(logging.WARNING)


LIBRARY_LOGGERS = ("sqlalchemy", "httpx", "httpcore", "telegram", "asyncpg", "uvicorn.access",
                   "alembic.runtime.plugins")


@dataclass
class Runtime:
    """Everything a channel needs to run turns; close() releases the database."""

    config: Config
    services: Services
    database: AsyncEngine
    engine: Engine
    sessions: async_sessionmaker
    """Transactions outside a citizen's turn (staff console, outbox delivery)."""

    async def close(self) -> None:
        if self.services.limits is not None:
            await self.services.limits.close()
        await self.database.dispose()


async def start_runtime(config: Config, *, knowledge: KnowledgeBase | None = None, migrate: bool = True) -> Runtime:
    """Connect, optionally migrate, and wire the engine (knowledge may be shared by tests)."""
    knowledge = knowledge or load_knowledge_base(config)
    database = create_engine(config.database_url, busy_timeout_ms=config.database.busy_timeout_ms)
    if migrate:
        await upgrade(database)
    services = build_services(config, knowledge)
    sessions = create_session_factory(database)
    engine = Engine(
        sessions=sessions,
        readers=create_reader_factory(database),
        router=build_router(),
        services=services,
        idle_expiry=timedelta(minutes=config.conversation.idle_expiry_minutes),
        limits=services.limits,
    )
    return Runtime(config, services, database, engine, sessions)
