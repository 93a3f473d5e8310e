"""Who a browser is: an opaque identity the server issues in a signed, HttpOnly cookie on the first visit.

The web chat and the web quiz know a citizen only by this cookie, so nobody can read or act on another
citizen's conversation by guessing an id. An integration (a kiosk, a partner's app) may name its own
citizens with `user_id`, but only with the API key from the environment; its ids live in their own
space ("api:…"), apart from browser identities.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, Signer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from bot.config import Config
from bot.core.tables import AppSecretRow

COOKIE = "weiquan_id"
SECRET_NAME = "web_identity"
SALT = "weiquan.web.identity"
API_PREFIX = "api:"
"""Integration ids are kept apart from browser identities: no API caller can pose as a browser."""


@dataclass(frozen=True)
class Identities:
    """Reads, issues and renews identity cookies; recognises the integration API key."""

    signer: Signer
    api_key: bytes
    max_age: int
    secure: bool

    def read(self, request: Request) -> str | None:
        """The identity in the request's cookie, or None when missing or not signed by us."""
        value = request.cookies.get(COOKIE, "")
        try:
            return self.signer.unsign(value).decode("ascii") if value else None
        except (BadSignature, UnicodeDecodeError):
            return None

    def read_or_new(self, request: Request) -> tuple[str, bool]:
        """The request's identity, or a fresh one (True: the response must carry the new cookie)."""
        found = self.read(request)
        return (found, False) if found else (secrets.token_urlsafe(18), True)

    def attach(self, response: Response, identity: str) -> Response:
        """Set (or renew) the cookie: HttpOnly, so no script on the page can read or send it elsewhere."""
        response.set_cookie(COOKIE, self.signer.sign(identity).decode("ascii"), max_age=self.max_age, path="/",
                            httponly=True, samesite="lax", secure=self.secure)
        return response

    def is_integration(self, request: Request) -> bool:
        """Whether the request carries the configured API key (`Authorization: Bearer …`)."""
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip().encode("utf-8", "replace")
        return bool(self.api_key) and hmac.compare_digest(self.api_key, given)


async def identities(request: Request) -> Identities:
    """The app's Identities, built on first use (the signing key may have to be read from the database)."""
    state = request.app.state
    if getattr(state, "web_identities", None) is None:  # two first requests at once both read the one stored key
        state.web_identities = await build(state.runtime.config, state.runtime.sessions)
    return state.web_identities


async def build(config: Config, sessions: async_sessionmaker) -> Identities:
    key = config.web.identity_secret or await stored_secret(sessions, SECRET_NAME)
    return Identities(signer=Signer(key, salt=SALT), api_key=config.web.api_key.encode(),
                      max_age=config.web.identity_days * 86400, secure=config.server.secure_cookies)


async def stored_secret(sessions: async_sessionmaker, name: str) -> str:
    """A random key kept in the database: made by the first worker that asks, read by all others."""
    async with sessions() as session:
        found = await session.scalar(select(AppSecretRow.value).where(AppSecretRow.name == name))
    if found:
        return found
    try:
        async with sessions.begin() as session:
            session.add(AppSecretRow(name=name, value=secrets.token_urlsafe(48), created_at=datetime.now(UTC)))
    except IntegrityError:  # another worker made it first: use theirs
        pass
    async with sessions() as session:
        return await session.scalar(select(AppSecretRow.value).where(AppSecretRow.name == name))

