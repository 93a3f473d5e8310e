"""Messages pushed to a user outside their own turn, handed to the channel that can deliver them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Reply, UserRef
from bot.core.tables import OutboxRow


async def take_pending(session: AsyncSession, user: UserRef, now: datetime, *, limit: int = 20) -> list[Reply]:
    """The user's undelivered messages, oldest first, marked delivered in this transaction.

    Rows are locked and skipped when another worker holds them, so each is handed out once.
    """
    rows = (
        await session.scalars(
            select(OutboxRow)
            .where(OutboxRow.channel == user.channel, OutboxRow.external_id == user.external_id,
                   OutboxRow.delivered_at.is_(None))
            .order_by(OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    replies = []
    for row in rows:
        row.delivered_at = now
        row.attempts += 1
        replies.extend(Reply.from_dict(item) for item in row.replies)
    return replies
