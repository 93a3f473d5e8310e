"""Logging in and out of the console (argon2 passwords, server-side sessions, double-submit CSRF)."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot import texts
from bot.staff import auth
from bot.staff.auth import AuthError
from bot.staff.views.base import COOKIE, LOGIN_COOKIE, StaffRequest, guarded, now, render, shown, staff_view, storable


async def login_page(request: Request) -> Response:
    token = secrets.token_urlsafe(24)  # double-submit: the form must echo this cookie
    zone = request.app.state.runtime.services.staff.timezone
    error = shown(request.query_params.get("error", ""), (auth.WRONG_LOGIN,))
    response = render("login.html", zone, staff=None, csrf=token, error=error)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/staff",
                        secure=_secure(request))
    return guarded(response)


async def login(request: Request) -> Response:
    form = await request.form()
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not auth.csrf_matches(expected, str(form.get("csrf", ""))):
        return HTMLResponse(texts.CSRF_FAILED, status_code=403)
    limits = request.app.state.runtime.services.limits
    limited = await limits.hit("login", request.client.host if request.client else "") if limits else None
    if limited is not None:
        return HTMLResponse(texts.LOGIN_THROTTLED.format(wait=texts.wait_phrase(limited.retry_after)),
                            status_code=429, headers={"Retry-After": str(limited.retry_after)})
    try:
        token, _staff = await auth.log_in(request.app.state.runtime.sessions, storable(str(form.get("username", ""))),
                                          str(form.get("password", "")), now())
    except AuthError as refused:
        return RedirectResponse(f"/staff/login?error={refused}", status_code=303)
    response = RedirectResponse("/staff/", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", path="/staff", secure=_secure(request),
                        max_age=int(auth.SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/staff")
    return response


@staff_view(role="viewer", post=True)
async def logout(call: StaffRequest) -> Response:
    async with call.sessions.begin() as session:
        await auth.log_out(session, call.request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(COOKIE, path="/staff")
    return response


def _secure(request: Request) -> bool:
    return request.app.state.runtime.config.server.secure_cookies


ROUTES = [
    Route("/staff/login", login_page, methods=["GET"]),
    Route("/staff/login", login, methods=["POST"]),
    Route("/staff/logout", logout, methods=["POST"]),
]
