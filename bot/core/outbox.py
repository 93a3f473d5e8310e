"""Messages pushed to a user outside their own turn, handed to the channel that can deliver them."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.messages import Reply, UserRef
from bot.core.tables import OutboxRow

log = logging.getLogger(__name__)


def push(
    session: AsyncSession, user: UserRef, replies: Sequence[Reply], *, now: datetime,
    case_id: int | None = None, notice: dict | None = None, unreachable: str = "",
) -> None:
    """Queue replies to a user outside their turn, in the caller's transaction (so they are sent only if it
    commits). A case's status notice names the case and its fields for channels that need a template.
    `unreachable` says why no channel can carry it (a case taken at a desk): it is recorded as failed at
    once, and staff phone the citizen instead."""
    if not replies:
        return
    session.add(OutboxRow(channel=user.channel, external_id=user.external_id,
                          replies=[reply.to_dict() for reply in replies], created_at=now, attempts=0,
                          case_id=case_id, notice=notice, failed=bool(unreachable), last_error=unreachable))


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


LEASE = timedelta(minutes=2)
"""How long a claimed row is left to the worker sending it; after that another worker may retry it."""
MAX_ATTEMPTS = 5


class Result(Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    """Try again later (at `Attempt.retry_at`, else after an exponential backoff), up to MAX_ATTEMPTS."""
    GIVE_UP = "give_up"
    """Never deliverable (blocked, window closed): kept as the record of what did not arrive."""


@dataclass(frozen=True)
class Attempt:
    """What a channel's `send` made of one row."""

    result: Result
    error: str = ""
    retry_at: datetime | None = None
    """When the platform said to come back (a 429's retry_after, a refreshed token): such a retry does
    not count towards giving up."""


@dataclass(frozen=True)
class Leased:
    """A row claimed for sending, detached from its session."""

    id: int
    user: UserRef
    replies: tuple[Reply, ...]
    attempts: int
    """Counting this one."""
    sent: int
    """Replies already delivered by earlier attempts: send from `replies[sent:]`."""
    notice: dict | None


Progress = Callable[[int], Awaitable[None]]
"""Records that the first n replies of a row are delivered (called after each one)."""
Send = Callable[[Leased, Progress], Awaitable[Attempt]]


async def deliver_due(sessions: async_sessionmaker, channel: str, send: Send, now: datetime, *,
                      batch: int = 20) -> int:
    """One round of a channel's sender: claim due rows in a short transaction, send each with no
    transaction open (sending takes seconds; on SQLite an open transaction is the write lock), and
    record each message as it goes and each row's outcome. A worker that dies mid-send leaves its rows
    to be retried once the lease runs out, from the first message that was not recorded as sent."""
    delivered = 0
    for row in await _claim(sessions, channel, now, batch):

        async def progress(count: int, row_id: int = row.id) -> None:
            await _update(sessions, row_id, sent=count)

        attempt = await send(row, progress)
        await _update(sessions, row.id, **_outcome(row, attempt, now))
        delivered += attempt.result is Result.DELIVERED
    return delivered


async def _claim(sessions: async_sessionmaker, channel: str, now: datetime, batch: int) -> list[Leased]:
    """Due rows of the channel, leased to this worker (others skip them until the lease ends)."""
    async with sessions.begin() as session:
        rows = (await session.scalars(
            select(OutboxRow)
            .where(OutboxRow.channel == channel, OutboxRow.delivered_at.is_(None), OutboxRow.failed.is_(False),
                   (OutboxRow.next_attempt_at.is_(None)) | (OutboxRow.next_attempt_at <= now))
            .order_by(OutboxRow.id).limit(batch).with_for_update(skip_locked=True)
        )).all()
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + LEASE
        return [Leased(row.id, UserRef(row.channel, row.external_id),
                       tuple(Reply.from_dict(item) for item in row.replies), row.attempts, row.sent or 0, row.notice)
                for row in rows]


def _outcome(row: Leased, attempt: Attempt, now: datetime) -> dict:
    """The columns to write for an attempt's result."""
    if attempt.result is Result.DELIVERED:
        return {"delivered_at": now, "sent": len(row.replies), "last_error": attempt.error}
    if attempt.result is Result.GIVE_UP or (attempt.retry_at is None and row.attempts >= MAX_ATTEMPTS):
        log.warning("%s delivery given up after %d attempts", row.user.channel, row.attempts)
        return {"failed": True, "last_error": attempt.error[:200]}
    retry_at = attempt.retry_at or now + timedelta(seconds=2 ** row.attempts)
    return {"next_attempt_at": retry_at, "last_error": attempt.error[:200]}


async def _update(sessions: async_sessionmaker, row_id: int, **values) -> None:
    async with sessions.begin() as session:
        row = await session.get(OutboxRow, row_id)
        for name, value in values.items():
            setattr(row, name, value)
