"""Telegram: the webhook (secret-checked), updates parsed by python-telegram-bot, turns run by the
engine, replies delivered from the outbox with inline keyboards, native quiz polls and rate limits.

python-telegram-bot is the Bot API client and the parser only; conversation state lives in our
database (no ConversationHandler), so any worker can serve any chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import json
import logging
import mimetypes
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Conflict, Forbidden, InvalidToken, RetryAfter, TelegramError

from bot import evidence, texts
from bot.channels.web import read_limited
from bot.core import dedup, outbox
from bot.core.engine import Engine, RateLimited
from bot.core.messages import IncomingMessage, MessageKind, Reply, UserRef
from bot.core.tables import QuizPollRow
from bot.staff import queue
from bot.staff.models import HandoffRow

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_TEXT = 4096
CALLBACK_BYTES = 64
LETTERS = "ABCDE"
COMMANDS = {"start": "menu", "help": "menu", "ask": "ask", "complaint": "complaint", "status": "status",
            "quiz": "quiz", "human": "human"}
MAX_POLL_BACKOFF_SECONDS = 60
HANDOFF_TAG = re.compile(r"#H(\d+)")
ALLOWED_UPDATES = ["message", "callback_query", "poll_answer"]


@dataclass(frozen=True)
class TelegramSettings:
    path: str
    secret: str
    staff_chat_id: int
    max_body_bytes: int


def make_bot(token: str, api_base: str) -> Bot:
    """The PTB client; durations as timedelta (PTB_TIMEDELTA), the behaviour PTB 23 makes default."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    base = api_base.rstrip("/")
    return Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")


def to_incoming(update: Update) -> IncomingMessage | None:
    """A Telegram update -> the neutral message (None: nothing for the engine)."""
    key = f"{CHANNEL}:{update.update_id}"
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat.id if query.message else query.from_user.id
        return IncomingMessage(UserRef(CHANNEL, str(chat)), MessageKind.BUTTON, payload=query.data or "",
                               dedup_key=key)
    message = update.message
    if message is None:
        return None
    user = UserRef(CHANNEL, str(message.chat.id))
    if message.text:
        command = re.match(r"^/([a-z_]+)(?:@\w+)?\s*$", message.text.strip())
        if command and command.group(1) in COMMANDS:
            return IncomingMessage(user, MessageKind.BUTTON, payload=COMMANDS[command.group(1)], dedup_key=key)
        if command and command.group(1) == "cancel":
            return IncomingMessage(user, MessageKind.TEXT, text="取消", dedup_key=key)
        return IncomingMessage(user, MessageKind.TEXT, text=message.text, dedup_key=key)
    if message.photo:
        return IncomingMessage(user, MessageKind.MEDIA, media_id=message.photo[-1].file_id, dedup_key=key)
    if message.document is not None:
        return IncomingMessage(user, MessageKind.MEDIA, media_id=message.document.file_id, dedup_key=key)
    return IncomingMessage(user, MessageKind.UNSUPPORTED, dedup_key=key)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Buttons as an inline keyboard, one per row; callback data within Telegram's 64 bytes."""
    if not reply.buttons:
        return None
    rows = [[InlineKeyboardButton(b.label, callback_data=_fit(b.payload))] for b in reply.buttons]
    return InlineKeyboardMarkup(rows)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    return [text[i : i + limit] for i in range(0, len(text), limit)] or [""]


class TelegramChannel:
    """The webhook and the polling loop share one update handler."""

    def __init__(self, settings: TelegramSettings, bot: Bot, engine: Callable[[], Engine],
                 sessions: Callable[[], async_sessionmaker], *, evidence_dir: Path, wake: Callable[[], None]):
        self.settings, self.bot, self.engine, self.sessions = settings, bot, engine, sessions
        self.evidence_dir, self.wake = evidence_dir, wake

    def routes(self) -> list[Route]:
        return [Route(self.settings.path, self.webhook, methods=["POST"])]

    async def webhook(self, request: Request) -> Response:
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not self.settings.secret or not hmac.compare_digest(self.settings.secret.encode(), given.encode()):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        raw = await read_limited(request, self.settings.max_body_bytes)
        if raw is None:
            return JSONResponse({"error": "too large"}, status_code=413)
        try:
            update = Update.de_json(json.loads(raw), self.bot)
        except (TypeError, KeyError, ValueError, AttributeError, RecursionError):
            update = None
        if update is None:
            return JSONResponse({"error": "not a Telegram update"}, status_code=400)
        await self.handle_update(update)
        return JSONResponse({"ok": True})

    async def poll_updates(self) -> None:
        """Long polling for small deployments (`weiquan telegram poll`); one poller per bot only."""
        offset, failures = 0, 0
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=30, allowed_updates=ALLOWED_UPDATES)
            except RetryAfter as flood:
                await asyncio.sleep(flood.retry_after.total_seconds())
                continue
            except (InvalidToken, Forbidden, Conflict):
                raise  # a revoked token or a webhook set meanwhile: polling cannot go on
            except TelegramError as problem:  # a 502, a timeout, the network: wait and try again
                failures += 1
                delay = min(2 ** (failures - 1), MAX_POLL_BACKOFF_SECONDS)
                log.warning("telegram getUpdates failed (%s); retrying in %d s", type(problem).__name__, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            for update in updates:
                offset = update.update_id + 1
                await self.handle_update(update)

    async def handle_update(self, update: Update) -> None:
        if update.callback_query is not None:
            try:
                await self.bot.answer_callback_query(update.callback_query.id)  # always answered
            except TelegramError:
                log.info("telegram callback answer failed")
        if update.poll_answer is not None:
            incoming = await self._poll_answer(update)
        elif self._from_staff_chat(update):
            await self._staff_reply(update)
            return
        else:
            incoming = to_incoming(update)
        if incoming is None:
            return
        if incoming.kind is MessageKind.MEDIA:
            incoming = await self._keep_evidence(incoming)
        with contextlib.suppress(RateLimited):  # its polite reply was queued like any turn's
            await self.engine().handle(incoming, within_turn=self._queue_replies)
        self.wake()

    async def _queue_replies(self, session, incoming: IncomingMessage, replies: tuple[Reply, ...]) -> None:
        """In the turn's transaction: the replies join the outbox (once, even if Telegram redelivers)."""
        outbox.push(session, incoming.user, replies, now=_now())
        if self.settings.staff_chat_id:
            await self._mirror_to_staff_chat(session, incoming)

    def _from_staff_chat(self, update: Update) -> bool:
        return bool(self.settings.staff_chat_id and update.message
                    and update.message.chat.id == self.settings.staff_chat_id)

    async def _poll_answer(self, update: Update) -> IncomingMessage | None:
        """A vote on one of our quiz polls: the chosen options become the quiz answer (A, AC …)."""
        answer = update.poll_answer
        async with self.sessions()() as session:
            poll = await session.get(QuizPollRow, answer.poll_id)
        if poll is None:
            return None
        letters = "".join(LETTERS[i] for i in sorted(answer.option_ids))
        return IncomingMessage(UserRef(CHANNEL, poll.chat_id), MessageKind.BUTTON, payload=f"quiz:{letters}",
                               dedup_key=f"{CHANNEL}:{update.update_id}")

    async def _keep_evidence(self, incoming: IncomingMessage) -> IncomingMessage:
        """Photos and documents sent during a complaint are downloaded and kept by hash."""
        try:
            file = await self.bot.get_file(incoming.media_id)
            data = bytes(await file.download_as_bytearray())
        except TelegramError:
            log.warning("telegram file could not be fetched; keeping the file id")
            return incoming
        name = await asyncio.to_thread(evidence.store, self.evidence_dir, data,
                                       mimetypes.guess_type(file.file_path or "")[0] or "application/octet-stream")
        return dataclasses.replace(incoming, media_id=f"evidence:{name}")

    async def _mirror_to_staff_chat(self, session, incoming: IncomingMessage) -> None:
        """The staff group sees each new hand-off of a Telegram chat, then what the citizen writes in it; never
        a conversation with a reporter (Art. 33: only the console's REPORTER_ROLE and up may follow it)."""
        handoff = await queue.current(session, incoming.user)
        if handoff is None or await queue.confidential(session, handoff.id):
            return
        if not handoff.posted_to_chat:
            handoff.posted_to_chat = True
            text = texts.TELEGRAM_STAFF_NEW.format(id=handoff.id, reason=texts.HANDOFF_REASONS[handoff.reason])
        elif incoming.kind is MessageKind.TEXT:
            text = texts.TELEGRAM_STAFF_CITIZEN_SAYS.format(id=handoff.id, text=incoming.text)
        else:
            return
        outbox.push(session, UserRef(CHANNEL, str(self.settings.staff_chat_id)), [Reply(text)], now=_now())

    async def _staff_reply(self, update: Update) -> None:
        """An agent replies in the staff group to the bot's #H message: relay it to the citizen (not into a
        conversation with a reporter, which the group does not follow)."""
        message = update.message
        replied = message.reply_to_message
        found = HANDOFF_TAG.search(replied.text or "") if replied is not None else None
        if found is None or not message.text:
            return
        async with self.sessions().begin() as session:
            try:
                async with session.begin_nested():  # Telegram redelivers an update it got no 200 for
                    await dedup.claim(session, f"{CHANNEL}:{update.update_id}", _now())
            except dedup.AlreadyClaimed:
                return
            handoff = await session.get(HandoffRow, int(found.group(1)))
            if handoff is None or handoff.status == "closed" or await queue.confidential(session, handoff.id):
                return
            agent = message.from_user.first_name if message.from_user else texts.SENDERS["staff"]
            if message.text.strip() == "/close":
                await queue.close(session, handoff, _now(), note=texts.TELEGRAM_CLOSED_IN_CHAT, by_agent=agent)
            else:
                await queue.relay_from_chat(session, handoff, agent, message.text, _now())
        self.wake()


def _fit(payload: str) -> str:
    """Callback data is limited to 64 bytes (UTF-8)."""
    data = payload.encode("utf-8")[:CALLBACK_BYTES]
    return data.decode("utf-8", errors="ignore")


def _now() -> datetime:
    return datetime.now(UTC)
