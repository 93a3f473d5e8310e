"""Web chat: POST /api/chat (JSON in, JSON out) and the chat page that uses it."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from importlib import resources

from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot.core.engine import Engine, TurnConflict
from bot.core.messages import IncomingMessage, MessageKind, Reply, UserRef

log = logging.getLogger(__name__)

CHANNEL = "web"
MAX_ID_CHARS = 128
MAX_PAYLOAD_CHARS = 256
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
"""JSON escapes can carry half a surrogate pair; no database or encoder accepts one."""


class BadRequest(ValueError):
    """The request body is not a chat message; the text says why (shown to API clients)."""


def to_incoming(body: object) -> IncomingMessage:
    """Translate a parsed JSON body into the neutral message, or raise BadRequest."""
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    user_id = body.get("user_id")
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > MAX_ID_CHARS:
        raise BadRequest(f"user_id must be a non-empty string of at most {MAX_ID_CHARS} characters")
    message_id = body.get("message_id")
    if message_id is not None and (
        not isinstance(message_id, str) or len(message_id) > MAX_ID_CHARS or LONE_SURROGATE.search(message_id)
    ):
        raise BadRequest(f"message_id must be a string of at most {MAX_ID_CHARS} characters")
    user = UserRef(CHANNEL, LONE_SURROGATE.sub("\ufffd", user_id.strip()))
    dedup_key = f"{CHANNEL}:{user.external_id}:{message_id}" if message_id else None
    payload, text = body.get("payload"), body.get("text")
    if payload is not None:
        if not isinstance(payload, str) or not payload or len(payload) > MAX_PAYLOAD_CHARS or LONE_SURROGATE.search(payload):
            raise BadRequest(f"payload must be a non-empty string of at most {MAX_PAYLOAD_CHARS} characters")
        return IncomingMessage(user, MessageKind.BUTTON, payload=payload, dedup_key=dedup_key)
    if not isinstance(text, str):
        raise BadRequest("either text (a string) or payload is required")
    return IncomingMessage(user, MessageKind.TEXT, text=LONE_SURROGATE.sub("", text), dedup_key=dedup_key)


def render(replies: tuple[Reply, ...]) -> dict:
    return {"replies": [reply.to_dict() for reply in replies]}


def routes(engine: Callable[[], Engine], *, max_body_bytes: int) -> list[Route]:
    """`engine` returns the running engine (it exists only after the app has started)."""

    async def chat(request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body_bytes:
            return _error(413, f"body larger than {max_body_bytes} bytes")
        try:
            raw = await _read_limited(request, max_body_bytes)
        except ClientDisconnect:
            return Response(status_code=400)
        if raw is None:
            return _error(413, f"body larger than {max_body_bytes} bytes")
        try:
            message = to_incoming(json.loads(raw))
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, "body is not valid JSON")
        except BadRequest as exc:
            return _error(400, str(exc))
        try:
            replies = await engine().handle(message)
        except TurnConflict:
            log.warning("web turn gave up after repeated conflicts")
            return _error(503, "busy, please retry")
        return JSONResponse(render(replies))

    async def page(_request: Request) -> Response:
        html = resources.files("bot.web").joinpath("chat.html").read_text(encoding="utf-8")
        return HTMLResponse(html)

    return [Route("/api/chat", chat, methods=["POST"]), Route("/", page, methods=["GET"])]


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it grows past `limit` (without reading the rest)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
