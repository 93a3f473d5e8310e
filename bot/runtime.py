"""Builds the long-lived parts from a Config: knowledge base, database, engine."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Config
from bot.core.engine import Engine
from bot.db import create_engine, create_session_factory, upgrade
from bot.services import Services
from handlers import build_router
from knowledge.base import KnowledgeBase, Thresholds, load_knowledge


def configure_logging(config: Config) -> None:
    logging.basicConfig(
        level=config.app.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


def load_knowledge_base(config: Config) -> KnowledgeBase:
    """The knowledge base as configured; the index is built here, once per process."""
    section = config.knowledge
    thresholds = Thresholds(
        answer=section.answer_threshold,
        suggest=section.suggest_threshold,
        statute=section.statute_threshold,
        out_of_scope_override=section.out_of_scope_override,
    )
    return load_knowledge(
        laws=section.laws,
        statute_dirs=section.statute_dirs,
        thresholds=thresholds,
        cache_dir=config.app.data_dir / "cache",
    )


def build_services(config: Config, knowledge: KnowledgeBase) -> Services:
    return Services(
        knowledge=knowledge,
        max_suggestions=config.knowledge.max_suggestions,
        max_text_chars=config.conversation.max_text_chars,
    )


@dataclass
class Runtime:
    """Everything a channel needs to run turns; close() releases the database."""

    config: Config
    services: Services
    database: AsyncEngine
    engine: Engine

    async def close(self) -> None:
        await self.database.dispose()


async def start_runtime(config: Config, *, knowledge: KnowledgeBase | None = None, migrate: bool = True) -> Runtime:
    """Connect, optionally migrate, and wire the engine (knowledge may be shared by tests)."""
    knowledge = knowledge or load_knowledge_base(config)
    database = create_engine(config.database_url, busy_timeout_ms=config.database.busy_timeout_ms)
    if migrate:
        await upgrade(database)
    services = build_services(config, knowledge)
    engine = Engine(
        sessions=create_session_factory(database),
        router=build_router(),
        services=services,
        idle_expiry=timedelta(minutes=config.conversation.idle_expiry_minutes),
    )
    return Runtime(config, services, database, engine)
