"""Drive the staff console like a browser would: cookies, forms with the CSRF token."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime

import httpx

from bot.app import create_app
from bot.db import create_session_factory
from bot.staff.auth import add_staff

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def create_staff(runtime, username: str, role: str, password: str = "correct horse 1") -> None:
    async with create_session_factory(runtime.database).begin() as session:
        await add_staff(session, username=username, display_name=f"{username}同志", role=role, password=password,
                        now=datetime.now(UTC))


class StaffBrowser:
    """A logged-in staff member; keeps cookies and the page's CSRF token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.csrf = ""

    async def log_in(self, username: str, password: str = "correct horse 1") -> httpx.Response:
        page = await self.client.get("/staff/login")
        token = CSRF.search(page.text).group(1)
        response = await self.client.post("/staff/login", data={"csrf": token, "username": username,
                                                                 "password": password})
        if response.status_code == 303 and response.headers["location"] == "/staff/":
            inbox = await self.client.get("/staff/")
            self.csrf = CSRF.search(inbox.text).group(1)
        return response

    async def post(self, path: str, **data: str) -> httpx.Response:
        return await self.client.post(path, data={"csrf": self.csrf, **data})


@contextlib.asynccontextmanager
async def signed_in_supervisor(config, runtime):
    """A supervisor "chief" signed in to the real app, its lifespan running (it stops the render process)."""
    await create_staff(runtime, "chief", "supervisor")
    app = create_app(config, runtime=runtime)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client):
        browser = StaffBrowser(client)
        await browser.log_in("chief")
        yield browser
