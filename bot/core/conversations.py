"""Per-user conversation rows: load (creating on first contact) and save with a version check.

Statements are built once, on the table (no ORM objects): they run in every turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.dialogs import Conversation, Outcome
from bot.core.messages import UserRef
from bot.core.tables import ConversationRow
from bot.db import as_utc


class StaleConversation(Exception):
    """Someone saved the conversation after we read it; the turn must be run again."""


_TABLE = ConversationRow.__table__
_PEEK = (select(_TABLE.c.id, _TABLE.c.step, _TABLE.c.slots, _TABLE.c.wants_human, _TABLE.c.version,
                _TABLE.c.updated_at)
         .where(_TABLE.c.channel == bindparam("channel"), _TABLE.c.external_id == bindparam("external_id")))
_LOAD = _PEEK.with_for_update()  # the per-user guard on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
_CREATE = insert(_TABLE).returning(_TABLE.c.id)
_SAVE = (update(_TABLE)
         .where(_TABLE.c.id == bindparam("row_id"), _TABLE.c.version == bindparam("seen_version"))
         .values(step=bindparam("step"), slots=bindparam("slots"), wants_human=bindparam("wants_human"),
                 version=bindparam("next_version"), updated_at=bindparam("now")))


@dataclass(frozen=True)
class StoredConversation:
    """The columns of a conversation row a turn reads."""

    id: int
    step: str | None
    slots: dict
    wants_human: bool
    version: int
    updated_at: datetime


async def load_conversation(session: AsyncSession, user: UserRef, now: datetime) -> StoredConversation:
    """The user's row, locked for this transaction (state is read only under the lock)."""
    found = (await session.execute(_LOAD, {"channel": user.channel, "external_id": user.external_id})).first()
    if found is not None:
        return StoredConversation(*found)
    fresh = {"channel": user.channel, "external_id": user.external_id, "step": None, "slots": {},
             "wants_human": False, "version": 1, "created_at": now, "updated_at": now}
    # a concurrent first contact fails here with IntegrityError
    row_id = (await session.execute(_CREATE, fresh)).scalar_one()
    return StoredConversation(row_id, None, {}, False, 1, now)


async def peek_conversation(session: AsyncSession, user: UserRef, now: datetime) -> StoredConversation:
    """The user's row as it is now, neither locked nor created: what a turn's preparation reads
    outside the write transaction (a first contact looks like a fresh conversation)."""
    found = (await session.execute(_PEEK, {"channel": user.channel, "external_id": user.external_id})).first()
    return StoredConversation(*found) if found is not None else StoredConversation(0, None, {}, False, 0, now)


def snapshot(row: StoredConversation, user: UserRef, now: datetime, idle_expiry: timedelta) -> Conversation:
    """The conversation as the handler sees it, marked idle when the user has been away long."""
    idle = as_utc(row.updated_at) + idle_expiry < now
    return Conversation(user, row.step, dict(row.slots or {}), row.wants_human, idle=idle)


async def save_conversation(
    session: AsyncSession,
    row: StoredConversation,
    seen: Conversation,
    outcome: Outcome,
    slots: dict,
    now: datetime,
) -> None:
    """Write the outcome if the row still has the version we read; raise StaleConversation if not."""
    wants_human = seen.wants_human if outcome.wants_human is None else outcome.wants_human
    result = await session.execute(_SAVE, {"row_id": row.id, "seen_version": row.version,
                                           "next_version": row.version + 1, "step": outcome.next_step,
                                           "slots": slots, "wants_human": wants_human, "now": now})
    if result.rowcount != 1:
        raise StaleConversation(row.id)
