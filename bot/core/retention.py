"""Rows kept only for a while: processed-message keys with their replies, turn statistics, web chat lines.

Pruned in batches from a loop in every worker, so that no delete holds SQLite's write lock for long
and the database stops growing with the number of turns.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.core.tables import ChatLineRow, ProcessedMessageRow, TurnEventRow

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 60
BATCH = 2000
"""Rows deleted per table and transaction: a few milliseconds of write lock on SQLite."""


@dataclass(frozen=True)
class Retention:
    processed_messages: timedelta
    turn_events: timedelta
    chat_lines: timedelta


async def prune_once(sessions: async_sessionmaker, retention: Retention, now: datetime) -> int:
    """Delete up to BATCH expired rows of each table; how many were deleted."""
    deleted = 0
    for table, key, kept in (
        (ProcessedMessageRow, ProcessedMessageRow.dedup_key, retention.processed_messages),
        (TurnEventRow, TurnEventRow.id, retention.turn_events),
        (ChatLineRow, ChatLineRow.id, retention.chat_lines),
    ):
        expired = select(key).where(table.created_at < now - kept).limit(BATCH).scalar_subquery()
        async with sessions.begin() as session:
            result = await session.execute(delete(table).where(key.in_(expired)))
            deleted += result.rowcount or 0
    return deleted


async def run_forever(sessions: async_sessionmaker, retention: Retention) -> None:
    """Prune until nothing is left to prune, then wait; a failure is logged and retried later."""
    while True:
        try:
            while await prune_once(sessions, retention, datetime.now(UTC)) >= BATCH:
                await asyncio.sleep(0)
        except Exception:  # a failed prune must not stop the next one (database restart, lock timeout)
            log.exception("pruning old rows failed")
        await asyncio.sleep(INTERVAL_SECONDS)
