"""Delivers Telegram outbox rows: texts split at 4,096 characters with inline keyboards, quiz
questions as native quiz polls, within Telegram's limits (about 30 messages a second overall and one a
second per chat); a 429 `retry_after` is honoured by not touching that row before then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from telegram import Bot
from telegram.error import RetryAfter, TelegramError

from bot.channels.telegram_bot import CHANNEL, keyboard, split_text
from bot.core.messages import Poll, Reply
from bot.core.tables import OutboxRow, QuizPollRow

log = logging.getLogger(__name__)

PER_SECOND = 30
PER_CHAT_SECONDS = 1.0
PER_GROUP_SECONDS = 3.0
"""Groups (negative chat ids, like the staff group) take at most 20 messages a minute."""
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=2)
"""How long a claimed row is left to the worker sending it."""
MAX_EXPLANATION = 200


class Pacer:
    """Spaces sends: at most PER_SECOND overall, one per PER_CHAT_SECONDS in each chat (groups: slower)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._clock, self._sleep = clock, sleep
        self._recent: list[float] = []
        self._last_in_chat: dict[str, float] = {}

    async def wait(self, chat: str) -> None:
        while True:
            now = self._clock()
            self._recent = [t for t in self._recent if now - t < 1.0]
            spacing = PER_GROUP_SECONDS if chat.startswith("-") else PER_CHAT_SECONDS
            chat_wait = self._last_in_chat.get(chat, -spacing) + spacing - now
            overall_wait = (self._recent[0] + 1.0 - now) if len(self._recent) >= PER_SECOND else 0.0
            delay = max(chat_wait, overall_wait, 0.0)
            if delay <= 0:
                self._recent.append(now)
                self._last_in_chat[chat] = now
                return
            await self._sleep(delay)


@dataclass(frozen=True)
class Claimed:
    row_id: int
    chat: str
    replies: tuple[Reply, ...]
    attempts: int


async def deliver_pending(sessions: async_sessionmaker, bot: Bot, pacer: Pacer, now: datetime, *,
                          batch: int = 50) -> int:
    """Claim due rows in one short transaction, send with no transaction open (sending and pacing
    take seconds; on SQLite an open transaction is the database's write lock), record each result.
    A worker that dies mid-send leaves its rows to be sent again once the lease runs out."""
    delivered = 0
    for item in await _claim(sessions, now, batch):
        try:
            for reply in item.replies:
                await _send(sessions, bot, pacer, item.chat, reply, now)
        except RetryAfter as flood:
            await _record(sessions, item.row_id, next_attempt_at=now + flood.retry_after, last_error="429")
        except TelegramError as problem:
            if item.attempts >= MAX_ATTEMPTS:
                await _record(sessions, item.row_id, failed=True, last_error=str(problem)[:200])
            else:
                await _record(sessions, item.row_id, last_error=str(problem)[:200],
                              next_attempt_at=now + timedelta(seconds=2 ** item.attempts))
        else:
            await _record(sessions, item.row_id, delivered_at=now)
            delivered += 1
    return delivered


async def _claim(sessions: async_sessionmaker, now: datetime, batch: int) -> list[Claimed]:
    """Due rows, leased to this worker (others skip them until the lease ends)."""
    async with sessions.begin() as session:
        rows = (await session.scalars(
            select(OutboxRow)
            .where(OutboxRow.channel == CHANNEL, OutboxRow.delivered_at.is_(None), OutboxRow.failed.is_(False),
                   (OutboxRow.next_attempt_at.is_(None)) | (OutboxRow.next_attempt_at <= now))
            .order_by(OutboxRow.id).limit(batch).with_for_update(skip_locked=True)
        )).all()
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + LEASE
        return [Claimed(row.id, row.external_id, tuple(Reply.from_dict(item) for item in row.replies), row.attempts)
                for row in rows]


async def _record(sessions: async_sessionmaker, row_id: int, **outcome) -> None:
    async with sessions.begin() as session:
        row = await session.get(OutboxRow, row_id)
        for name, value in outcome.items():
            setattr(row, name, value)


async def _send(sessions: async_sessionmaker, bot: Bot, pacer: Pacer, chat: str, reply: Reply,
                now: datetime) -> None:
    if reply.poll is not None:
        await pacer.wait(chat)
        poll = reply.poll
        sent = await bot.send_poll(
            chat_id=int(chat), question=poll.question[:300], options=[o[:100] for o in poll.options],
            is_anonymous=False, type="quiz", allows_multiple_answers=len(poll.correct) > 1,
            correct_option_ids=list(poll.correct), explanation=poll_explanation(poll),
            open_period=poll.seconds,
        )
        async with sessions.begin() as session:  # at once: the votes on it may arrive before the row is done
            session.add(QuizPollRow(poll_id=sent.poll.id, chat_id=chat, created_at=now))
        return
    pieces = split_text(reply.text)
    for index, piece in enumerate(pieces):
        await pacer.wait(chat)
        markup = keyboard(reply) if index == len(pieces) - 1 else None
        await bot.send_message(chat_id=int(chat), text=piece, reply_markup=markup)


def poll_explanation(poll: Poll) -> str:
    """Telegram shows at most 200 characters on one to three lines; the cited article is never cut."""
    room = MAX_EXPLANATION - len(poll.basis)
    body = " ".join(poll.explanation.split())
    if len(body) > room:
        body = body[: room - 1] + "…"
    return body + poll.basis


async def run_forever(sessions: Callable[[], async_sessionmaker], bot: Bot, wake: asyncio.Event,
                      *, interval: float = 1.0) -> None:
    """The sender loop of a worker; woken at once when a turn queued replies."""
    pacer = Pacer()
    while True:
        try:
            await deliver_pending(sessions(), bot, pacer, datetime.now(UTC))
        except Exception:  # a failed round (database restart, network) must not stop the next one
            log.exception("telegram outbox round failed")
        wake.clear()
        try:
            await asyncio.wait_for(wake.wait(), interval)
        except TimeoutError:
            pass
