"""Dedup keys: a platform message is handled once; a retry gets the replies stored for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Reply
from bot.core.tables import ProcessedMessageRow


class AlreadyClaimed(Exception):
    """Another turn holds or has finished this message's key."""


async def claim(session: AsyncSession, key: str, now: datetime) -> None:
    """Insert the key's row inside the turn's transaction; a concurrent twin waits, then fails."""
    session.add(ProcessedMessageRow(dedup_key=key, replies=[], created_at=now))
    try:
        await session.flush()
    except IntegrityError as exc:
        raise AlreadyClaimed(key) from exc


async def store_replies(session: AsyncSession, key: str, replies: tuple[Reply, ...]) -> None:
    await session.execute(
        update(ProcessedMessageRow)
        .where(ProcessedMessageRow.dedup_key == key)
        .values(replies=[reply.to_dict() for reply in replies])
        .execution_options(synchronize_session=False)
    )


async def stored_replies(session: AsyncSession, key: str) -> tuple[Reply, ...] | None:
    row = await session.get(ProcessedMessageRow, key)
    if row is None:
        return None
    return tuple(Reply.from_dict(item) for item in row.replies)
