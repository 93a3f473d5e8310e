"""Engine.handle: one database transaction per turn, from dedup to the saved conversation.

The costly, read-only part of a turn (matching a question against the knowledge base) is prepared
before that transaction from a snapshot read without the write lock, so that on SQLite, which has
one writer, workers do not queue behind each other's matching; the handler checks that the snapshot
still fits and otherwise computes again under the lock.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import texts
from bot.core import dedup, turn_metrics
from bot.core.choices import remember_choices, resolve_numbered_choice
from bot.core.conversations import (
    StaleConversation,
    load_conversation,
    peek_conversation,
    save_conversation,
    snapshot,
)
from bot.core.dialogs import Outcome, Turn
from bot.core.messages import IncomingMessage, MessageKind, Reply
from bot.core.ratelimit import Limited, RateLimits
from bot.core.router import Router
from bot.core.tables import TurnEventRow
from bot.core.transcript import remember_recent

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
_LOG_TURN = insert(TurnEventRow.__table__)  # built once: it runs in every turn

TurnHook = Callable[[AsyncSession, IncomingMessage, tuple[Reply, ...]], Awaitable[None]]


class TurnConflict(RuntimeError):
    """The turn lost the race for the conversation row too many times in a row."""


class RateLimited(Exception):  # noqa: N818 (it is an outcome a channel answers, like TurnConflict)
    """The citizen or their address sent too much: `replies` politely say when to come back (a channel that
    queues replies within the turn already has them queued); nothing else of the message was handled."""

    def __init__(self, limited: Limited, replies: tuple[Reply, ...]) -> None:
        super().__init__(limited.kind)
        self.limited, self.replies = limited, replies


class _OverLimit(Exception):  # noqa: N818 (control flow inside the engine: leaves the turn's transaction)
    def __init__(self, limited: Limited) -> None:
        super().__init__(limited.kind)
        self.limited = limited


class Engine:
    """Handles one incoming message: dedup, load state, route, run the handler, save, log."""

    def __init__(
        self, *, sessions: async_sessionmaker, readers: async_sessionmaker, router: Router, services: Any,
        idle_expiry: timedelta, limits: RateLimits | None = None,
    ) -> None:
        self._sessions = sessions
        self._readers = readers
        self._router = router
        self._services = services
        self._idle_expiry = idle_expiry
        self._limits = limits

    async def handle(self, message: IncomingMessage, *, within_turn: TurnHook | None = None) -> tuple[Reply, ...]:
        """The turn's replies. `within_turn` runs in the turn's own transaction, and not for a duplicate:
        a channel that delivers later queues the replies there, so they are saved exactly once with the turn."""
        started = time.perf_counter()
        if not message.dedup_key:  # web and terminal: counted before any database work
            await self._refuse_if_over(message, await self._over_limit(message), within_turn)
        count = bool(message.dedup_key)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await self._attempt(message, started, within_turn, count=count)
            except dedup.AlreadyClaimed:
                replies = await self._replies_of_earlier(message, started)
                if replies is not None:
                    return replies
            except _OverLimit as over:
                await self._refuse_if_over(message, over.limited, within_turn)
            except (StaleConversation, IntegrityError):
                count = False  # the message passed the limit before the conflict: it is not counted twice
                log.info("turn conflict on %s, attempt %d", message.user.channel, attempt)
                await asyncio.sleep(random.uniform(0, 0.02 * attempt))
        raise TurnConflict(message.user.channel)

    async def _over_limit(self, message: IncomingMessage) -> Limited | None:
        """Count the message against its citizen's (and address's) chat limit."""
        user_key = f"{message.user.channel}:{message.user.external_id}"
        return await self._limits.hit("chat", user_key, message.origin) if self._limits else None

    async def _refuse_if_over(self, message: IncomingMessage, limited: Limited | None,
                              within_turn: TurnHook | None) -> None:
        """Raise RateLimited when the citizen is over the limit; the polite reply is queued for channels
        that deliver later, and nothing is written to their conversation."""
        if limited is None:
            return
        replies = (Reply(texts.RATE_LIMITED.format(wait=texts.wait_phrase(limited.retry_after))),)
        if within_turn is not None:
            async with self._sessions.begin() as session:
                await within_turn(session, message, replies)
        turn_metrics.record_turn(message.user.channel, "ratelimit", "limited", 0.0)
        log.info("turn channel=%s limited", message.user.channel)
        raise RateLimited(limited, replies)

    async def _attempt(self, message: IncomingMessage, started: float, within_turn: TurnHook | None, *,
                       count: bool) -> tuple[Reply, ...]:
        now = datetime.now(UTC)
        prepared = await self._prepare(message, now)
        async with self._sessions.begin() as session:
            if message.dedup_key:
                # A platform message is counted once, when first claimed: WeChat's retries and Telegram's
                # redeliveries get the stored answer, never a refusal. Over the limit, the claim is undone.
                await dedup.claim(session, message.dedup_key, now)
                limited = await self._over_limit(message) if count else None
                if limited is not None:
                    raise _OverLimit(limited)
            row = await load_conversation(session, message.user, now)
            conversation = snapshot(row, message.user, now, self._idle_expiry)
            if not conversation.idle:  # old buttons are not pressed by a number typed days later
                message = resolve_numbered_choice(message, conversation.slots)
            turn = Turn(message, conversation, self._services, db=session, prepared=prepared)
            route = self._router.pick(turn)
            outcome = await route.handle(turn)
            slots = outcome.slots if outcome.slots is not None else conversation.slots
            slots = remember_choices(slots, outcome.replies)
            if conversation.step is None and outcome.next_step is None:  # Q&A, not a form's answers
                slots = remember_recent(slots, message, outcome.replies, now)
            await save_conversation(session, row, conversation, outcome, slots, now)
            if message.dedup_key:
                await dedup.store_replies(session, message.dedup_key, outcome.replies)
            if within_turn is not None:
                await within_turn(session, message, outcome.replies)
            await session.execute(_LOG_TURN, self._event(message, route.name, outcome, started, now))
        seconds = time.perf_counter() - started
        turn_metrics.record_turn(message.user.channel, route.name, outcome.label, seconds)
        fields = {"channel": message.user.channel, "route": route.name, "outcome": outcome.label,
                  "ms": round(seconds * 1000, 1)}
        log.info("turn channel=%(channel)s route=%(route)s outcome=%(outcome)s ms=%(ms).1f", fields, extra=fields)
        return outcome.replies

    async def _prepare(self, message: IncomingMessage, now: datetime) -> Any:
        """Run the `prepare` of the route a text message would take, on the conversation as it is now,
        read without the write lock; None when that route prepares nothing."""
        if message.kind is not MessageKind.TEXT:
            return None
        async with self._readers() as session:
            row = await peek_conversation(session, message.user, now)
        conversation = snapshot(row, message.user, now, self._idle_expiry)
        if not conversation.idle:
            message = resolve_numbered_choice(message, conversation.slots)
        turn = Turn(message, conversation, self._services)
        route = self._router.pick(turn)
        return route.prepare(turn) if route.prepare is not None else None

    async def _replies_of_earlier(self, message: IncomingMessage, started: float) -> tuple[Reply, ...] | None:
        """A retry of a message already answered gets the same replies (and counts as a duplicate)."""
        now = datetime.now(UTC)
        async with self._sessions.begin() as session:
            replies = await dedup.stored_replies(session, message.dedup_key)
            if replies is not None:
                duplicate = Outcome(replies, label="duplicate")
                await session.execute(_LOG_TURN,
                                      self._event(message, "dedup", duplicate, started, now, duplicate=True))
        if replies is not None:
            turn_metrics.record_duplicate(message.user.channel)
            log.info("duplicate message on %s answered from the store", message.user.channel)
        return replies

    @staticmethod
    def _event(
        message: IncomingMessage, route: str, outcome: Outcome, started: float, now: datetime, *, duplicate=False
    ) -> dict[str, Any]:
        """The turn_events row (statistics: no text, names or phones; the user only as a short hash)."""
        user_ref = f"{message.user.channel}:{message.user.external_id}".encode()
        return {
            "created_at": now,
            "channel": message.user.channel,
            "user_hash": hashlib.sha256(user_ref).hexdigest()[:16],
            "message_kind": message.kind.value,
            "route": route,
            "outcome": outcome.label,
            "confidence": outcome.confidence,
            "citations": [{"law": c.law, "article": c.article} for r in outcome.replies for c in r.citations],
            "latency_ms": (time.perf_counter() - started) * 1000,
            "duplicate": duplicate,
        }
