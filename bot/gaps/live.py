"""Approved FAQ entries go live in every worker without a restart: each polls the approved set and,
when it changed, builds its knowledge base again off the event loop (the index of the same inputs is
built once and shared through the cache) and takes it over between two questions."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.config import Config
from bot.gaps import service
from bot.knowledge_setup import load_knowledge_base
from knowledge.base import KnowledgeBase

log = logging.getLogger(__name__)
NOTHING_APPROVED = (0, 0)


async def refresh(sessions: async_sessionmaker, config: Config, knowledge: KnowledgeBase,
                  seen: tuple[int, int]) -> tuple[int, int]:
    """Take over a knowledge base with the approved entries when they changed since `seen`; the new stamp."""
    async with sessions() as session:
        stamp = await service.approved_stamp(session)
        if stamp == seen:
            return seen
        sources = await service.approved_sources(session)
    newer = await asyncio.to_thread(load_knowledge_base, config, sources)
    knowledge.take_over(newer)
    log.info("knowledge base now has %d approved console entries", len(sources))
    return stamp


async def follow_approved(sessions: async_sessionmaker, config: Config, knowledge: KnowledgeBase) -> None:
    """Refresh at start and every [knowledge] reload_seconds; a failure is logged and tried again."""
    seen = NOTHING_APPROVED
    while True:
        try:
            seen = await refresh(sessions, config, knowledge, seen)
        except Exception:  # a bad moment (database restart) must not end the loop
            log.exception("refreshing approved FAQ entries failed")
        await asyncio.sleep(config.knowledge.reload_seconds)
