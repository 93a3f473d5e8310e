"""Delivers WeChat outbox rows through the customer-service message API.

Rules (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html):
allowed within 48 hours of the user's last message, at most 5 messages per user message; a text is
kept under about 600 Chinese characters; buttons become `msgmenu` clickable options. Errors back off
and are retried; what cannot be delivered stays in the outbox marked failed with the reason. A case
notice refused because the window has closed (45015) is sent as a template message when one is
configured (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html).
The access token is shared by all workers through the database and refreshed by one of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.core import outbox
from bot.core.messages import Reply
from bot.core.outbox import Attempt, Leased, Progress, Result
from bot.core.tables import AccessTokenRow
from bot.db import as_utc

log = logging.getLogger(__name__)

CHANNEL = "wechat"
MAX_TEXT = 600
MAX_MESSAGES = 5
REFRESH_MARGIN = timedelta(minutes=5)
GIVE_UP = {45015, 45047, 43004, 40003}
"""Outside the 48-hour window, over the per-message quota, unsubscribed, unknown user: do not retry."""
WINDOW_CLOSED = {45015, 45047}
"""The customer-service window is closed for this user: a case notice goes as a template message instead."""
TOKEN_INVALID = {40001, 40014, 42001}


class TokenRefused(Exception):
    """WeChat refused the access token: the row is retried at once with a fresh one."""


@dataclass(frozen=True)
class StatusTemplate:
    """The template message for case notices and the names of its fields ([wechat.status_template])."""

    id: str
    ticket_field: str
    status_field: str
    time_field: str

    def message(self, openid: str, notice: dict) -> dict:
        fields = {self.ticket_field: notice["ticket"], self.status_field: notice["status"],
                  self.time_field: notice["time"]}
        return {"touser": openid, "template_id": self.id,
                "data": {name: {"value": value} for name, value in fields.items()}}


@dataclass(frozen=True)
class WeChatApi:
    app_id: str
    app_secret: str
    base_url: str
    status_template: StatusTemplate | None = None
    """For case notices once the customer-service window has closed (45015); None: recorded undelivered."""


class ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` characters, cut at line ends where possible."""
    pieces, current = [], ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            candidate = line
        current = candidate
    if current:
        pieces.append(current)
    return pieces


def grouped_messages(openid: str, replies: Sequence[Reply]) -> list[list[dict]]:
    """Each reply's customer-service messages (texts split, buttons as msgmenu), at most MAX_MESSAGES in
    all (the rest are dropped)."""
    groups, room = [], MAX_MESSAGES
    for reply in replies:
        group = _reply_messages(openid, reply)[:room]
        room -= len(group)
        groups.append(group)
    return groups


def _reply_messages(openid: str, reply: Reply) -> list[dict]:
    pieces = split_text(reply.text)
    if not reply.buttons:
        return [{"touser": openid, "msgtype": "text", "text": {"content": p}} for p in pieces]
    last = pieces.pop() if pieces else ""
    menu = {"head_content": last, "tail_content": "",
            "list": [{"id": b.payload[:64], "content": b.label} for b in reply.buttons]}
    return [*({"touser": openid, "msgtype": "text", "text": {"content": p}} for p in pieces),
            {"touser": openid, "msgtype": "msgmenu", "msgmenu": menu}]


async def access_token(sessions: async_sessionmaker, api: WeChatApi, http: httpx.AsyncClient, now: datetime,
                       *, force: bool = False) -> str:
    """The shared token; one worker refreshes it under the row lock while the others wait and reuse it."""
    async with sessions.begin() as session:
        row = await session.scalar(select(AccessTokenRow).where(AccessTokenRow.app_id == api.app_id)
                                   .with_for_update())
        if row is not None and not force and as_utc(row.expires_at) - REFRESH_MARGIN > now:
            return row.token
        response = await http.get(f"{api.base_url}/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": api.app_id, "secret": api.app_secret})
        data = response.json()
        if "access_token" not in data:
            raise ApiError(int(data.get("errcode", -1)), str(data.get("errmsg", "")))
        expires = now + timedelta(seconds=int(data.get("expires_in", 7200)))
        if row is None:
            session.add(AccessTokenRow(app_id=api.app_id, token=data["access_token"], expires_at=expires))
        else:
            row.token, row.expires_at = data["access_token"], expires
        return data["access_token"]


async def fetch_media(sessions: async_sessionmaker, api: WeChatApi, http: httpx.AsyncClient, media_id: str,
                      now: datetime) -> tuple[bytes, str]:
    """A user's photo or file (temporary media expire after 3 days, so fetch it at once)."""
    token = await access_token(sessions, api, http, now)
    response = await http.get(f"{api.base_url}/cgi-bin/media/get", params={"access_token": token,
                                                                             "media_id": media_id})
    response.raise_for_status()
    kind = response.headers.get("content-type", "")
    if kind.startswith("application/json") or kind.startswith("text/"):
        data = response.json()
        raise ApiError(int(data.get("errcode", -1)), str(data.get("errmsg", "")))
    return response.content, kind


async def send_typing(sessions: async_sessionmaker, api: WeChatApi, http: httpx.AsyncClient, openid: str,
                      now: datetime) -> None:
    """The "正在输入" indicator while a slow answer is prepared; best effort."""
    try:
        token = await access_token(sessions, api, http, now)
        await http.post(f"{api.base_url}/cgi-bin/message/custom/typing", params={"access_token": token},
                        json={"touser": openid, "command": "Typing"})
    except (ApiError, httpx.HTTPError):
        log.info("wechat typing indicator not sent")


async def push_menu(sessions: async_sessionmaker, api: WeChatApi, http: httpx.AsyncClient, buttons: list[dict],
                    now: datetime) -> None:
    """Create the custom menu (CLICK buttons come back as events with their key)."""
    token = await access_token(sessions, api, http, now)
    response = await http.post(f"{api.base_url}/cgi-bin/menu/create", params={"access_token": token},
                               json={"button": buttons})
    data = response.json()
    if int(data.get("errcode", 0)) != 0:
        raise ApiError(int(data["errcode"]), str(data.get("errmsg", "")))


async def deliver_pending(sessions: async_sessionmaker, api: WeChatApi, http: httpx.AsyncClient, now: datetime,
                          *, batch: int = 20) -> int:
    """One round: due rows through the outbox's claim/send/record loop; returns how many were delivered.

    The token is read before the outbox rows are claimed (SQLite allows one writer at a time), and
    refreshed after the round if WeChat refused it.
    """
    token = await access_token(sessions, api, http, now)
    refused = False

    async def send(row: Leased, progress: Progress) -> Attempt:
        nonlocal refused
        try:
            return await _deliver(api, http, token, row, progress)
        except TokenRefused as refusal:
            refused = True
            return Attempt(Result.RETRY, str(refusal), retry_at=now)

    delivered = await outbox.deliver_due(sessions, CHANNEL, send, now, batch=batch)
    if refused:
        await access_token(sessions, api, http, now, force=True)
    return delivered


async def _deliver(api: WeChatApi, http: httpx.AsyncClient, token: str, row: Leased, progress: Progress) -> Attempt:
    """Send the row's replies not yet sent; a closed 48-hour window turns a case notice into a template."""
    groups = grouped_messages(row.user.external_id, row.replies)
    try:
        for index in range(row.sent, len(groups)):
            for message in groups[index]:
                await _send(api, http, token, message)
            await progress(index + 1)
    except (ApiError, httpx.HTTPError) as problem:
        code = getattr(problem, "code", 0)
        if code in TOKEN_INVALID:
            raise TokenRefused(str(problem)) from problem
        if code in WINDOW_CLOSED and row.notice and api.status_template is not None:
            return await _deliver_template(api, http, token, row)
        return Attempt(Result.GIVE_UP if code in GIVE_UP else Result.RETRY, str(problem))
    return Attempt(Result.DELIVERED)


async def _deliver_template(api: WeChatApi, http: httpx.AsyncClient, token: str, row: Leased) -> Attempt:
    """A case notice as a template message (allowed outside the 48-hour window); what fails is recorded."""
    try:
        await _send(api, http, token, api.status_template.message(row.user.external_id, row.notice),
                    path="/cgi-bin/message/template/send")
    except (ApiError, httpx.HTTPError) as problem:
        log.warning("wechat case notice undelivered, template refused (code %s)", getattr(problem, "code", 0))
        return Attempt(Result.GIVE_UP, f"template: {problem}")
    return Attempt(Result.DELIVERED, "delivered as a template message (48-hour window closed)")


async def _send(api: WeChatApi, http: httpx.AsyncClient, token: str, message: dict,
                path: str = "/cgi-bin/message/custom/send") -> None:
    response = await http.post(f"{api.base_url}{path}", params={"access_token": token}, json=message)
    response.raise_for_status()
    data = response.json()
    if int(data.get("errcode", 0)) != 0:
        raise ApiError(int(data["errcode"]), str(data.get("errmsg", "")))


async def run_forever(sessions: Callable[[], async_sessionmaker], api: WeChatApi, *, interval: float = 1.0) -> None:
    """The sender loop of a worker; several workers share the work through row locks."""
    async with httpx.AsyncClient(timeout=10) as http:
        while True:
            try:
                await deliver_pending(sessions(), api, http, datetime.now(UTC))
            except Exception:  # a failed round (database restart, network) must not stop the next one
                log.exception("wechat outbox round failed")
            await asyncio.sleep(interval)
