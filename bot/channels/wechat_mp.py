"""WeChat official account: verify, decrypt, parse (wechatpy), run the turn, reply passively.

Server rules (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html):
WeChat signs every push, may encrypt it (safe mode), waits 5 seconds for the answer and retries up to
three times. A turn that finishes inside the budget is answered in the HTTP response; a slower one is
answered "success" at once and its replies are queued in the outbox for the customer-service API.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import logging
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply

from bot import evidence, texts
from bot.channels.web import read_limited
from bot.channels.wechat_sender import ApiError, WeChatApi, fetch_media, send_typing
from bot.core import outbox
from bot.core.engine import RateLimited
from bot.core.messages import IncomingMessage, MessageKind, Reply, UserRef
from bot.numbers import parse_count

log = logging.getLogger(__name__)

CHANNEL = "wechat"
PASSIVE_BYTES = 2048
"""WeChat refuses a passive text reply longer than this (UTF-8)."""
SUCCESS = "success"
API_TIMEOUT_SECONDS = 2.5
"""Calls made while WeChat waits for our answer (photo download, "typing")."""
MAX_OPENID_CHARS = 128
"""A conversation keeps a user id of up to 128 characters; WeChat's openids have 28."""
FORBIDDEN_XML = (b"<!DOCTYPE", b"<!ENTITY")
"""Entity declarations have no place in WeChat's XML: refuse them before any parser sees them."""


@dataclass(frozen=True)
class WeChatSettings:
    path: str
    token: str
    app_id: str
    aes_key: str
    reply_budget_seconds: float
    timestamp_window_seconds: int
    max_body_bytes: int
    kf_account: str = ""


def signature_of(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted parts, joined."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signed(expected: str, given: str) -> bool:
    """Constant-time comparison (wechatpy's own check is not), of bytes: compare_digest refuses str with
    non-ASCII characters, and a forged signature must get a 400, not a 500."""
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())


def to_incoming(message, *, received_at: datetime) -> IncomingMessage | None:
    """wechatpy's parsed message -> the neutral message; None for pushes that need no answer."""
    if not (message.source or "").strip() or len(message.source) > MAX_OPENID_CHARS:
        log.warning("wechat push without a usable sender ignored")  # no real push looks like this
        return None
    user = UserRef(CHANNEL, message.source)
    kind = message.type
    if kind == "event":
        event = (message.event or "").lower()
        key = f"{CHANNEL}:{message.source}:{message.create_time}:{event}:{getattr(message, 'key', '') or ''}"
        if event in ("subscribe", "subscribe_scan", "scan"):
            return IncomingMessage(user, MessageKind.BUTTON, payload="menu", dedup_key=key, received_at=received_at)
        if event == "click":
            return IncomingMessage(user, MessageKind.BUTTON, payload=message.key or "menu", dedup_key=key,
                                   received_at=received_at)
        return None  # unsubscribe, VIEW, location reports: nothing to say
    key = f"{CHANNEL}:{message.source}:{message.id}"
    menu_choice = getattr(message, "_data", {}).get("bizmsgmenuid")
    if kind == "text" and menu_choice:  # a click on a msgmenu option we sent: the option's id is the payload
        return IncomingMessage(user, MessageKind.BUTTON, payload=menu_choice, dedup_key=key, received_at=received_at)
    if kind == "text":
        return IncomingMessage(user, MessageKind.TEXT, text=message.content or "", dedup_key=key,
                               received_at=received_at)
    if kind == "voice" and getattr(message, "recognition", None):
        return IncomingMessage(user, MessageKind.TEXT, text=message.recognition, dedup_key=key,
                               received_at=received_at)
    if kind == "image":
        return IncomingMessage(user, MessageKind.MEDIA, media_id=message.media_id, dedup_key=key,
                               received_at=received_at)
    return IncomingMessage(user, MessageKind.UNSUPPORTED, dedup_key=key, received_at=received_at)


def render_text(replies: tuple[Reply, ...]) -> str:
    """One passive text: replies joined, buttons as numbered options ("回复 1 …")."""
    parts = []
    for reply in replies:
        lines = [reply.text]
        lines += [texts.WECHAT_OPTION.format(number=n, label=b.label) for n, b in enumerate(reply.buttons, 1)]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def fit_passive(text: str, limit: int = PASSIVE_BYTES) -> tuple[str, str]:
    """(the part of a reply that fits WeChat's passive-reply limit in UTF-8 bytes, the rest), cut at the
    last line end that fits, else at a character."""
    if len(text.encode()) <= limit:
        return text, ""
    head = text.encode()[:limit].decode(errors="ignore")
    cut = head.rfind("\n")
    cut = cut if cut > len(head) // 2 else len(head)
    return text[:cut].rstrip(), text[cut:].lstrip()


def transfer_xml(account_id: str, openid: str, kf_account: str) -> str:
    """The passive reply that hands the user to WeChat's 客服, naming an agent when configured.

    https://developers.weixin.qq.com/doc/offiaccount/Customer_Service/Forwarding_of_messages_to_service_center.html
    """
    root = ET.Element("xml")
    for tag, value in (("ToUserName", openid), ("FromUserName", account_id), ("CreateTime", str(int(time.time()))),
                       ("MsgType", "transfer_customer_service")):
        ET.SubElement(root, tag).text = value
    if kf_account:
        ET.SubElement(ET.SubElement(root, "TransInfo"), "KfAccount").text = kf_account
    return ET.tostring(root, encoding="unicode")


class WeChatEndpoint:
    """The official account's server URL: URL verification (GET) and pushed messages (POST).

    `api` (app id and secret configured) lets photos be fetched and slow answers show "typing", over
    `http`, one client for the process: a client per call would build a TLS context each time (tens of
    milliseconds of CPU), which under overload made every late answer slower still. The engine and the
    sessions are the running ones, from `request.app.state.runtime`.
    """

    def __init__(self, settings: WeChatSettings, *, api: WeChatApi | None, http: Callable[[], httpx.AsyncClient],
                 evidence_dir: Path) -> None:
        self.settings, self.api, self.http, self.evidence_dir = settings, api, http, evidence_dir
        self.crypto = WeChatCrypto(settings.token, settings.aes_key, settings.app_id) if settings.aes_key else None
        self._typing: set[asyncio.Task] = set()
        """"Typing" notices in flight (kept so that they are not collected before they run)."""

    def routes(self) -> list[Route]:
        return [
            Route(self.settings.path, self.verify_url, methods=["GET"]),
            Route(self.settings.path, self.receive, methods=["POST"]),
        ]

    def authentic(self, query) -> bool:
        """Signed with our token, and not a replay from outside the time window."""
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        seconds = parse_count(timestamp, max_digits=12)
        fresh = seconds is not None and abs(time.time() - seconds) <= self.settings.timestamp_window_seconds
        return fresh and signed(signature_of(self.settings.token, timestamp, nonce), query.get("signature", ""))

    async def verify_url(self, request: Request) -> Response:
        if not self.authentic(request.query_params):
            return PlainTextResponse("invalid signature", status_code=400)
        return PlainTextResponse(request.query_params.get("echostr", ""))

    async def receive(self, request: Request) -> Response:
        """Answer within WeChat's budget with a passive reply, or "success" and the answer through the outbox."""
        if not self.authentic(request.query_params):
            return PlainTextResponse("invalid signature", status_code=400)
        read = await self._read(request)
        if isinstance(read, Response):
            return read
        message, incoming = read
        runtime = request.app.state.runtime
        if incoming.kind is MessageKind.MEDIA and self.api is not None:
            incoming = await _keep_evidence(incoming, self.api, runtime.sessions, self.http(), self.evidence_dir)
        replies = await self._turn(runtime, incoming)
        if not replies:
            return PlainTextResponse(SUCCESS)
        return await self._passive_reply(request, message, replies)

    async def _read(self, request: Request) -> tuple[BaseMessage, IncomingMessage] | Response:
        """The pushed message, or the response that ends the request (refused, unreadable, nothing to do)."""
        query = request.query_params
        body = await read_limited(request, self.settings.max_body_bytes)
        if body is None:
            log.warning("wechat push over the size cap")
            return PlainTextResponse(SUCCESS)
        if any(marker in body for marker in FORBIDDEN_XML):
            log.warning("wechat push with an entity declaration refused")
            return PlainTextResponse(SUCCESS)
        if query.get("encrypt_type") == "aes" and self.crypto is None:
            return PlainTextResponse("safe mode is not configured", status_code=400)
        try:
            if query.get("encrypt_type") == "aes":
                xml = self.crypto.decrypt_message(body, query.get("msg_signature", ""), query.get("timestamp", ""),
                                                  query.get("nonce", ""))
            else:
                xml = body.decode("utf-8")
            message = parse_message(xml)
            incoming = to_incoming(message, received_at=datetime.now(UTC)) if message is not None else None
        except (InvalidSignatureException, InvalidAppIdException):
            return PlainTextResponse("invalid signature", status_code=400)
        except Exception:  # malformed XML or an unknown shape: WeChat must get an answer, never a 500
            log.warning("wechat push could not be parsed")
            return PlainTextResponse(SUCCESS)
        return PlainTextResponse(SUCCESS) if incoming is None else (message, incoming)

    async def _turn(self, runtime, incoming: IncomingMessage) -> tuple[Reply, ...]:
        """The turn's replies if they are ready within the budget; () once they go through the outbox."""
        budget = self.settings.reply_budget_seconds
        delivery = _Delivery(time.monotonic() + budget)
        turn = asyncio.ensure_future(runtime.engine.handle(incoming, within_turn=delivery.queue_if_late))
        try:
            return await asyncio.wait_for(asyncio.shield(turn), budget)
        except RateLimited as limited:  # the polite "too often" reply, passively
            return limited.replies
        except TimeoutError:
            if delivery.decide(_OUTBOX) == _PASSIVE:
                return await turn  # it is committing with the answer meant for this response
        if self.api is not None:
            typing = asyncio.create_task(send_typing(runtime.sessions, self.api, self.http(),
                                                     incoming.user.external_id, datetime.now(UTC)))
            self._typing.add(typing)
            typing.add_done_callback(self._typing.discard)
        log.info("wechat turn over budget: answered through the outbox")
        return ()

    async def _fit(self, request: Request, message: BaseMessage, text: str) -> str:
        """What fits in the passive reply; the rest goes through the customer-service API when it is
        configured, else the citizen is told the text was cut (a whole article can be 2,900 bytes)."""
        first, rest = fit_passive(text, PASSIVE_BYTES - len(texts.WECHAT_CUT.encode()))
        if not rest:
            return text
        if self.api is None:
            return first + texts.WECHAT_CUT
        async with request.app.state.runtime.sessions.begin() as session:
            outbox.push(session, UserRef(CHANNEL, message.source), [Reply(texts.WECHAT_CONTINUED + rest)],
                        now=datetime.now(UTC))
        return first

    async def _passive_reply(self, request: Request, message: BaseMessage, replies: tuple[Reply, ...]) -> Response:
        if any(r.handoff for r in replies):
            reply = transfer_xml(message.target, message.source, self.settings.kf_account)
        else:
            content = await self._fit(request, message, render_text(replies))
            # wechatpy wraps the content in one CDATA section: a "]]>" in it must be split across two.
            content = content.replace("]]>", "]]]]><![CDATA[>")
            reply = TextReply(source=message.target, target=message.source, content=content).render()
        query = request.query_params
        if query.get("encrypt_type") == "aes":
            reply = self.crypto.encrypt_message(reply, query.get("nonce", ""), query.get("timestamp", ""))
        return Response(reply, media_type="application/xml")


async def _keep_evidence(incoming: IncomingMessage, api: WeChatApi, sessions: async_sessionmaker,
                         http: httpx.AsyncClient, folder: Path) -> IncomingMessage:
    """Fetch the photo now (WeChat keeps it 3 days), store it by hash; the message then names the file."""
    try:
        data, content_type = await fetch_media(sessions, api, http, incoming.media_id, datetime.now(UTC))
    except (ApiError, httpx.HTTPError):
        log.warning("wechat media could not be fetched; keeping the media id")
        return incoming
    name = await asyncio.to_thread(evidence.store, folder, data, content_type)
    return dataclasses.replace(incoming, media_id=f"evidence:{name}")


_PASSIVE, _OUTBOX = "passive", "outbox"


class _Delivery:
    """Decides once, for one push, whether the turn's replies go in the HTTP response or the outbox.

    The turn decides when it is about to commit (passive while the budget lasts, else the outbox); the
    request decides when the budget runs out. Whichever comes first wins, so a turn finishing just as
    the budget ends is answered exactly once, and a late answer's outbox row is saved in the turn's
    own transaction: a worker killed after the commit cannot lose it.
    """

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline
        """time.monotonic() at which the reply budget ends."""
        self._choice: str | None = None

    def decide(self, choice: str) -> str:
        if self._choice is None:
            self._choice = choice
        return self._choice

    async def queue_if_late(self, session: AsyncSession, incoming: IncomingMessage, replies: tuple[Reply, ...]
                            ) -> None:
        in_time = time.monotonic() < self._deadline
        if replies and self.decide(_PASSIVE if in_time else _OUTBOX) == _OUTBOX:
            outbox.push(session, incoming.user, replies, now=datetime.now(UTC))
