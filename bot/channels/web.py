"""Web chat: POST /api/chat (JSON in, JSON out) and the chat page that uses it."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import resources

from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot import texts
from bot.channels import uploads, web_identity, web_transcript
from bot.complaints import service as cases
from bot.core.engine import RateLimited, TurnConflict
from bot.core.messages import IncomingMessage, MessageKind, Reply, UserRef
from bot.core.outbox import take_pending
from bot.core.ratelimit import Limited
from bot.db import as_utc
from bot.numbers import parse_count
from bot.staff import warnings

log = logging.getLogger(__name__)

CHANNEL = "web"
MAX_ID_CHARS = 128
MAX_PAYLOAD_CHARS = 256
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
"""JSON escapes can carry half a surrogate pair; no database or encoder accepts one."""


class BadRequest(ValueError):
    """The request body is not a chat message; the text says why (shown to API clients)."""


class Unauthorized(ValueError):
    """The request names a citizen it may not speak for; the text says why (shown to API clients)."""


def to_incoming(body: object, user_id: str) -> IncomingMessage:
    """Translate a parsed JSON body from `user_id` into the neutral message, or raise BadRequest."""
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    message_id = _identifier(body, "message_id", MAX_ID_CHARS, required=False)
    payload = _identifier(body, "payload", MAX_PAYLOAD_CHARS, required=False)
    user = UserRef(CHANNEL, user_id)
    dedup_key = f"{CHANNEL}:{user_id}:{message_id}" if message_id else None
    if payload is not None:
        return IncomingMessage(user, MessageKind.BUTTON, payload=payload, dedup_key=dedup_key)
    text = body.get("text")
    if not isinstance(text, str):
        raise BadRequest("either text (a string) or payload is required")
    return IncomingMessage(user, MessageKind.TEXT, text=LONE_SURROGATE.sub("", text), dedup_key=dedup_key)


@dataclass(frozen=True)
class Caller:
    """Whom a request speaks for, and whether its response must issue that browser's new identity."""

    user_id: str
    issue: bool = False


async def caller(request: Request, claimed: object) -> Caller:
    """The citizen this request speaks for: the browser's own signed identity, or, for an integration
    holding the API key, the `user_id` it names (kept apart in the "api:" space). Raises BadRequest or
    Unauthorized."""
    identities = await web_identity.identities(request)
    if claimed is None:
        identity, fresh = identities.read_or_new(request)
        return Caller(identity, issue=fresh)
    if not identities.is_integration(request):
        raise Unauthorized("user_id is accepted only from integrations holding the API key "
                           "(Authorization: Bearer <key>); browsers are known by their cookie")
    if not isinstance(claimed, str) or not claimed.strip() or len(claimed) > MAX_ID_CHARS \
            or LONE_SURROGATE.search(claimed):
        raise BadRequest(f"user_id must be a non-empty string of at most {MAX_ID_CHARS} characters")
    return Caller(web_identity.API_PREFIX + claimed.strip())


def _identifier(body: dict, key: str, max_chars: int, *, required: bool) -> str | None:
    """A short non-empty string field (ids and payloads are never free text)."""
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_chars or LONE_SURROGATE.search(value):
        raise BadRequest(f"{key} must be a non-empty string of at most {max_chars} characters")
    return value.strip()


def render(replies: tuple[Reply, ...]) -> dict:
    """The JSON a browser gets: text, buttons, citations (never a quiz poll's key)."""
    return {"replies": [
        {"text": r.text, "buttons": [{"label": b.label, "payload": b.payload} for b in r.buttons],
         "citations": [{"law": c.law, "article": c.article} for c in r.citations]}
        for r in replies
    ]}


def body_limit(request: Request) -> int:
    """The largest request body accepted ([server] max_body_bytes of the running app)."""
    return request.app.state.runtime.config.server.max_body_bytes


async def chat(request: Request) -> Response:
    limit = body_limit(request)
    declared = request.headers.get("content-length", "")
    size = parse_count(declared, max_digits=18)
    if size is not None and size > limit:
        return _error(413, f"body larger than {limit} bytes")
    try:
        raw = await read_limited(request, limit)
    except ClientDisconnect:
        return Response(status_code=400)
    if raw is None:
        return _error(413, f"body larger than {limit} bytes")
    try:
        body = json.loads(raw)
        who = await caller(request, body.get("user_id") if isinstance(body, dict) else None)
        message = to_incoming(body, who.user_id)
    except BadRequest as exc:
        return _error(400, str(exc))
    except Unauthorized as exc:
        return _error(401, str(exc))
    except (ValueError, RecursionError):  # not JSON, not UTF-8, a 5,000-digit number, 30,000 nested lists
        return _error(400, "body is not valid JSON")
    said = web_transcript.said_by_citizen(message, _label(body))
    message = replace(message, origin=client_address(request))
    return await _for(request, who, await _run_turn(request, message, said))


async def updates(request: Request) -> Response:
    """Messages from staff and status notices waiting for this citizen (the page polls this)."""
    who = await _query_caller(request)
    if isinstance(who, Response):
        return who
    if who.issue:  # a browser without an identity has no messages waiting
        return await _for(request, who, JSONResponse(render(())))
    user = UserRef(CHANNEL, who.user_id)
    async with request.app.state.runtime.sessions.begin() as session:
        replies = await take_pending(session, user, datetime.now(UTC))
        await web_transcript.record(session, user, None, replies)
    return JSONResponse(render(tuple(replies)))


async def upload(request: Request) -> Response:
    """Evidence for the citizen's dialog: a photo or PDF as the body; the dialog gets it as a media message,
    like a photo sent on WeChat or Telegram. Too large, empty or another type: a reply the page shows."""
    limit = request.app.state.runtime.config.web.max_upload_bytes
    too_large = texts.UPLOAD_TOO_LARGE.format(limit=limit // (1024 * 1024))
    who = await _query_caller(request)
    if isinstance(who, Response):
        return who
    declared = parse_count(request.headers.get("content-length", ""), max_digits=18)
    try:
        data = await read_limited(request, limit) if declared is None or declared <= limit else None
    except ClientDisconnect:
        return Response(status_code=400)
    if data is None:
        return _refused(413, f"file larger than {limit} bytes", too_large)
    kept = await uploads.keep(request.app.state.runtime.services.evidence_dir, data) if data else None
    if kept is None:
        problem = texts.UPLOAD_WRONG_TYPE if data else texts.UPLOAD_EMPTY
        return _refused(415 if data else 400, "only JPEG, PNG, GIF, WebP images and PDF files are accepted", problem)
    message = IncomingMessage(UserRef(CHANNEL, who.user_id), MessageKind.MEDIA, media_id=kept.media_id,
                              origin=client_address(request))
    return await _for(request, who, await _run_turn(request, message, kept.shown_as))


async def _run_turn(request: Request, message: IncomingMessage, said: str | None) -> Response:
    """The citizen's message through the engine, its lines kept for the page's transcript."""

    async def keep_lines(session, turn_message: IncomingMessage, replies: tuple[Reply, ...]) -> None:
        await web_transcript.record(session, turn_message.user, said, replies)

    try:
        replies = await request.app.state.runtime.engine.handle(message, within_turn=keep_lines)
    except TurnConflict:
        log.warning("web turn gave up after repeated conflicts")
        return _error(503, "busy, please retry")
    except RateLimited as limited:
        return too_many(limited.limited, render(limited.replies))
    return JSONResponse(render(replies))


def _refused(status: int, error: str, says: str) -> JSONResponse:
    """A request we cannot take: an error for API clients and a reply the page shows."""
    return JSONResponse({"error": error, **render((Reply(says),))}, status_code=status)


async def history(request: Request) -> Response:
    """The conversation so far and the citizen's cases ("我的案件"), for a page that was reloaded."""
    who = await _query_caller(request)
    if isinstance(who, Response):
        return who
    if who.issue:
        return await _for(request, who, JSONResponse({"lines": [], "cases": []}))
    user = UserRef(CHANNEL, who.user_id)
    async with request.app.state.runtime.sessions() as session:
        lines = await web_transcript.recent(session, user)
        mine = await cases.cases_of(session, user, limit=20)
    return JSONResponse({"lines": lines, "cases": [
        {"ticket": c.ticket, "kind": texts.CASE_KINDS[c.kind], "business": c.business_name,
         "status": texts.CASE_STATUSES[c.status]} for c in mine]})


def _label(body: dict) -> str | None:
    """The label of the button pressed, sent by the page for its transcript (optional)."""
    label = body.get("label")
    return label.strip() if isinstance(label, str) and label.strip() and not LONE_SURROGATE.search(label) else None


async def _query_caller(request: Request) -> Caller | Response:
    """Whom a GET or an upload speaks for (an integration names them with ?user_id=), or the 400/401 to send."""
    try:
        return await caller(request, request.query_params.get("user_id"))
    except BadRequest as exc:
        return _error(400, str(exc))
    except Unauthorized as exc:
        return _error(401, str(exc))


async def _for(request: Request, who: Caller, response: Response) -> Response:
    """The response, carrying a browser's new identity cookie when this request was its first."""
    if who.issue:
        (await web_identity.identities(request)).attach(response, who.user_id)
    return response


async def latest_warnings(request: Request) -> Response:
    """The latest consumer warnings, shown above the chat."""
    async with request.app.state.runtime.sessions() as session:
        published = await warnings.latest(session)
    return JSONResponse({"warnings": [
        {"title": w.title, "body": w.body, "published_at": as_utc(w.published_at).date().isoformat()}
        for w in published
    ]})


async def page(request: Request) -> Response:
    """The chat page; the first visit gets the browser's identity, every visit renews it."""
    html = resources.files("bot.web").joinpath("chat.html").read_text(encoding="utf-8")
    identities = await web_identity.identities(request)
    identity, _fresh = identities.read_or_new(request)
    return identities.attach(HTMLResponse(html), identity)


ROUTES = [
    Route("/api/chat", chat, methods=["POST"]),
    Route("/api/chat/updates", updates, methods=["GET"]),
    Route("/api/chat/history", history, methods=["GET"]),
    Route("/api/chat/upload", upload, methods=["POST"]),
    Route("/api/warnings", latest_warnings, methods=["GET"]),
    Route("/", page, methods=["GET"]),
]
"""The web chat's routes; endpoints reach the running runtime through `request.app.state`."""


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it grows past `limit` (without reading the rest)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def client_address(request: Request) -> str:
    """The caller's network address (behind a proxy: uvicorn's --proxy-headers sets it from the proxy's)."""
    return request.client.host if request.client else ""


def too_many(limited: Limited, body: dict) -> JSONResponse:
    """429 with Retry-After, and a body the page can show (a polite reply in Chinese)."""
    return JSONResponse({"error": "rate limited", "retry_after": limited.retry_after, **body}, status_code=429,
                        headers={"Retry-After": str(limited.retry_after)})


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class WebChannel:
    """The web chat: always on; replies come in the response, staff messages through `updates`."""

    name = CHANNEL

    def routes(self) -> list[Route]:
        return list(ROUTES)

    def loops(self) -> list:
        return []

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None


def channel(_config, _runtime) -> WebChannel:
    return WebChannel()
