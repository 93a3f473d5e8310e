"""Per-user conversation rows: load (creating on first contact) and save with a version check."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.dialogs import Conversation, Outcome
from bot.core.messages import UserRef
from bot.core.tables import ConversationRow
from bot.db import as_utc


class StaleConversation(Exception):
    """Someone saved the conversation after we read it; the turn must be run again."""


async def load_conversation(session: AsyncSession, user: UserRef, now: datetime) -> ConversationRow:
    """The user's row, locked for this transaction (state is read only under the lock)."""
    row = await session.scalar(
        select(ConversationRow)
        .where(ConversationRow.channel == user.channel, ConversationRow.external_id == user.external_id)
        .with_for_update()  # the per-user guard on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
    )
    if row is None:
        row = ConversationRow(
            channel=user.channel,
            external_id=user.external_id,
            step=None,
            slots={},
            wants_human=False,
            version=1,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()  # a concurrent first contact fails here with IntegrityError
    return row


def snapshot(row: ConversationRow, user: UserRef, now: datetime, idle_expiry: timedelta) -> Conversation:
    """The conversation as the handler sees it, marked idle when the user has been away long."""
    idle = as_utc(row.updated_at) + idle_expiry < now
    return Conversation(user, row.step, dict(row.slots or {}), row.wants_human, idle=idle)


async def save_conversation(
    session: AsyncSession,
    row: ConversationRow,
    seen: Conversation,
    outcome: Outcome,
    slots: dict,
    now: datetime,
) -> None:
    """Write the outcome if the row still has the version we read; raise StaleConversation if not."""
    result = await session.execute(
        update(ConversationRow)
        .where(ConversationRow.id == row.id, ConversationRow.version == row.version)
        .values(
            step=outcome.next_step,
            slots=slots,
            wants_human=seen.wants_human if outcome.wants_human is None else outcome.wants_human,
            version=row.version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleConversation(row.id)
