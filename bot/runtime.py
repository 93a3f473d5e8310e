"""Builds the long-lived parts from a Config: knowledge base, database, engine."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.config import Config
from bot.core.engine import Engine
from bot.db import create_engine, create_session_factory, upgrade
from bot.knowledge_setup import load_knowledge_base
from bot.services import Services, build_services
from handlers import build_router
from knowledge.base import KnowledgeBase


def configure_logging(config: Config) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s %(message)s")
    set_log_levels(config.app.log_level)


def set_log_levels(level: str) -> None:
    """Our level on the root logger (INFO in production), but no library logs below WARNING: at INFO
    httpx logs every request URL (the Telegram bot token is in the path) and SQLAlchemy, if asked,
    every statement with its parameters (names, phones)."""
    logging.getLogger().setLevel(level.upper())
    for library in LIBRARY_LOGGERS:
        logging.getLogger(library).setLevel(logging.WARNING)


LIBRARY_LOGGERS = ("sqlalchemy", "httpx", "httpcore", "telegram", "asyncpg", "uvicorn.access")


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
        router=build_router(),
        services=services,
        idle_expiry=timedelta(minutes=config.conversation.idle_expiry_minutes),
    )
    return Runtime(config, services, database, engine, sessions)
