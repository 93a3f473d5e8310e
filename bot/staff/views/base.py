"""What every console page shares: `@staff_view` (session, role, CSRF, department in one place) and
the `StaffRequest` a view receives.

A view states who may use it, `@staff_view(role="supervisor", post=True, department=case_department)`,
and the decorator answers everyone else before the view runs: no session -> the login page (401 for
the JSON API), too low a role -> 403, a matter that would tell who reported to someone below
REPORTER_ROLE -> 403 (Art. 33), a form without the session's CSRF token -> 403, a matter of another
county -> 403. The runtime is the one the app's lifespan put on `app.state`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from bot import texts
from bot.db import as_utc
from bot.services import Services
from bot.staff import auth, queue
from bot.staff.auth import REPORTER_ROLE, StaffUser

COOKIE = "weiquan_staff"
LOGIN_COOKIE = "weiquan_login"
NOT_FOUND = object()
"""What a department resolver returns when the matter does not exist (the view answers 404)."""

PAGES = Environment(loader=PackageLoader("bot.staff", "templates"), autoescape=select_autoescape())


@pass_context
def _local(context, moment: datetime) -> datetime:
    """A stored UTC time on the bureau's clock (the page's `zone`)."""
    return as_utc(moment).astimezone(context["zone"])


PAGES.filters["local"] = _local

DepartmentOf = Callable[[AsyncSession, Request], Awaitable[Any]]
"""Reads the department of the matter a request acts on (None: the city bureau's), or NOT_FOUND."""
RevealsReporter = Callable[[AsyncSession, Request], Awaitable[bool]]
"""Whether the matter a request acts on would tell who reported (False when there is no such matter)."""


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class StaffRequest:
    """A request from a signed-in staff member who passed the view's checks."""

    request: Request
    staff: StaffUser
    csrf: str
    form: FormData | None
    at: datetime

    @property
    def services(self) -> Services:
        return self.request.app.state.runtime.services

    @property
    def sessions(self) -> async_sessionmaker:
        return self.request.app.state.runtime.sessions

    @property
    def zone(self) -> tzinfo:
        return self.services.staff.timezone

    @property
    def today(self) -> date:
        """Today on the bureau's clock ([app] timezone)."""
        return self.at.astimezone(self.zone).date()

    def field(self, name: str, limit: int = 1000) -> str:
        """A posted form field, stripped and cut to `limit` characters."""
        return storable(str(self.form.get(name, "") if self.form is not None else "")).strip()[:limit]

    def query(self, name: str, limit: int = 200) -> str:
        """A query parameter, as `field` reads a form field."""
        return storable(self.request.query_params.get(name, "")).strip()[:limit]

    def render(self, name: str, **context: Any) -> HTMLResponse:
        """A console page, with the banner of the action that led here (only a message the server chose)."""
        flash = shown(self.request.query_params.get("flash", ""), FLASHES)
        return render(name, self.zone, staff=self.staff, csrf=self.csrf, flash=flash, **context)

    async def audit(self, session: AsyncSession, action: str, target: str, details: dict | None = None) -> None:
        await queue.audit(session, self.staff, action, target, self.at, details)


def storable(text: str) -> str:
    """`text` without NUL characters: PostgreSQL refuses them in any string (a 500, not a filter)."""
    return text.replace("\x00", "")


def render(name: str, zone: tzinfo, **context: Any) -> HTMLResponse:
    """A console template with the texts and local-time filter every page uses."""
    return HTMLResponse(PAGES.get_template(name).render(t=texts, zone=zone, **context))


FLASHES = (texts.WARNING_EMPTY, texts.WARNING_PUBLISHED, texts.REASON_REQUIRED, texts.QUEUE_TAKEN,
           texts.QUEUE_NOT_YOURS, texts.QUEUE_LIMIT, texts.BAD_TIME, texts.DRAFT_SAVED, texts.DRAFT_APPROVED,
           texts.DRAFT_NOT_APPROVABLE, texts.BAD_PLATFORM_NUMBER,
           texts.LAB_EVENT_INVALID, texts.LAB_EVENT_PUBLISHED, texts.TYPICAL_ONLY_CLOSED, texts.GALA_INVALID,
           texts.GALA_ROUTED_ELSEWHERE,
           texts.INCIDENT_STEP_SAVED, texts.INCIDENT_STEP_DONE_ALREADY, texts.INCIDENT_LEVEL_BY_LEVEL,
           texts.WATCH_LIFTED)
"""The banners a console page may show after a redirect ({count}, {limit}: a number)."""


def shown(text: str, allowed: tuple[str, ...]) -> str:
    """`text` when it is one of the `allowed` messages (their {fields} standing for numbers), else "": a link
    someone else crafted cannot put its own words into the bureau's official banner."""
    for template in allowed:
        pattern = re.sub(r"\\\{\w+\\\}", r"\\d+", re.escape(template))
        if re.fullmatch(pattern, text):
            return text
    return ""


def back(path: str, flash: str = "") -> RedirectResponse:
    """Back to a console page after a post, with a message for the banner."""
    return RedirectResponse(f"{path}?flash={quote(flash)}" if flash else path, status_code=303)


STAFF_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
"""Staff pages hold citizens' data: never framed, cached or sent on as a referrer."""


def guarded(response: Response) -> Response:
    """The console's headers (no caching, no framing, its content policy); a view that set a stricter
    policy of its own (a citizen's file: sandbox) keeps it."""
    for name, value in STAFF_HEADERS.items():
        if name.lower() != "content-security-policy" or name not in response.headers:
            response.headers[name] = value
    return response


def staff_view(*, role: str, post: bool = False, department: DepartmentOf | None = None,
               reporter: RevealsReporter | None = None):
    """Declare a console endpoint: the least role, whether it is a form post (CSRF checked), how to read
    the department of the matter it acts on (checked with `StaffUser.covers`), and how to tell whether
    that matter would reveal a reporter (then REPORTER_ROLE and up only)."""

    def wrap(view: Callable[[StaffRequest], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(view)
        async def endpoint(request: Request) -> Response:
            return guarded(await _checked(request))

        async def _checked(request: Request) -> Response:
            sessions = request.app.state.runtime.sessions
            at = now()
            async with sessions() as session:
                found = await auth.session_user(session, request.cookies.get(COOKIE, ""), at)
                if found is None:
                    return _login_required(request)
                staff, csrf = found
                if not staff.can(role) or await _hides_reporter(staff, reporter, session, request):
                    return HTMLResponse(texts.FORBIDDEN, status_code=403)
                owner = await department(session, request) if department else None
            if owner is NOT_FOUND:
                return HTMLResponse(texts.NOT_FOUND, status_code=404)
            if department and not staff.covers(owner):
                return HTMLResponse(texts.FORBIDDEN, status_code=403)
            form = await request.form() if post else None
            if form is not None and not auth.csrf_matches(csrf, str(form.get("csrf", ""))):
                return HTMLResponse(texts.CSRF_FAILED, status_code=403)
            return await view(StaffRequest(request, staff, csrf, form, at))

        return endpoint

    return wrap


async def _hides_reporter(staff: StaffUser, reporter: RevealsReporter | None, session: AsyncSession,
                          request: Request) -> bool:
    """Art. 33: a matter that would tell who reported is refused to everyone below REPORTER_ROLE."""
    return reporter is not None and not staff.can(REPORTER_ROLE) and await reporter(session, request)


def _login_required(request: Request) -> Response:
    if request.url.path.startswith("/staff/api/"):
        return JSONResponse({"error": "login required"}, status_code=401)
    return RedirectResponse("/staff/login", status_code=303)
