"""Dedup keys: a platform message is handled once; a retry gets the replies stored for it.

The statements of every turn are built once (Core, on the table): building and flushing ORM objects
was a fifth of a turn's time under load.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Reply
from bot.core.tables import ProcessedMessageRow


class AlreadyClaimed(Exception):
    """Another turn holds or has finished this message's key."""


_TABLE = ProcessedMessageRow.__table__
_CLAIM = insert(_TABLE)
_STORE = update(_TABLE).where(_TABLE.c.dedup_key == bindparam("key")).values(replies=bindparam("replies"))


async def claim(session: AsyncSession, key: str, now: datetime) -> None:
    """Insert the key's row inside the turn's transaction; a concurrent twin waits, then fails."""
    try:
        await session.execute(_CLAIM, {"dedup_key": key, "replies": [], "created_at": now})
    except IntegrityError as exc:
        raise AlreadyClaimed(key) from exc


async def store_replies(session: AsyncSession, key: str, replies: tuple[Reply, ...]) -> None:
    await session.execute(_STORE, {"key": key, "replies": [reply.to_dict() for reply in replies]})


async def stored_replies(session: AsyncSession, key: str) -> tuple[Reply, ...] | None:
    row = await session.get(ProcessedMessageRow, key)
    if row is None:
        return None
    return tuple(Reply.from_dict(item) for item in row.replies)
