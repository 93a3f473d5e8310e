"""Delivers Telegram outbox rows: texts split at 4,096 characters with inline keyboards, quiz
questions as native quiz polls, within Telegram's limits (about 30 messages a second overall and one a
second per chat); a 429 `retry_after` is honoured by not touching that row before then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from telegram import Bot
from telegram.error import RetryAfter, TelegramError

from bot.channels.telegram_bot import CHANNEL, keyboard, split_text
from bot.core import outbox
from bot.core.messages import Poll, Reply
from bot.core.outbox import Attempt, Leased, Progress, Result
from bot.core.tables import QuizPollRow

log = logging.getLogger(__name__)

PER_SECOND = 30
PER_CHAT_SECONDS = 1.0
PER_GROUP_SECONDS = 3.0
"""Groups (negative chat ids, like the staff group) take at most 20 messages a minute."""
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


async def deliver_pending(sessions: async_sessionmaker, bot: Bot, pacer: Pacer, now: datetime, *,
                          batch: int = 50) -> int:
    """One round: due rows through the outbox's claim/send/record loop; returns how many were delivered."""

    async def send(row: Leased, progress: Progress) -> Attempt:
        try:
            for index in range(row.sent, len(row.replies)):
                await _send(sessions, bot, pacer, row.user.external_id, row.replies[index], now)
                await progress(index + 1)
        except RetryAfter as flood:
            return Attempt(Result.RETRY, "429", retry_at=now + flood.retry_after)
        except TelegramError as problem:
            return Attempt(Result.RETRY, str(problem))
        return Attempt(Result.DELIVERED)

    return await outbox.deliver_due(sessions, CHANNEL, send, now, batch=batch)


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
