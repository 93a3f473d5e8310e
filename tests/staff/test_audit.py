"""The audit page, on SQLite and PostgreSQL: supervisors read who logged in, failed to, viewed and
exported what; filters narrow it; agents may not read it."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from bot.app import create_app
from tests.staff.console import StaffBrowser, create_staff


async def test_supervisors_read_the_audit_log_with_filters(config, runtime):
    await create_staff(runtime, "chief", "supervisor")
    await create_staff(runtime, "agent1", "agent")
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        agent = StaffBrowser(client)
        await agent.log_in("agent1", password="wrong password 1")
        await agent.log_in("agent1")
        assert (await client.get("/staff/audit")).status_code == 403
        await client.post("/staff/logout", data={"csrf": agent.csrf})
        chief = StaffBrowser(client)
        await chief.log_in("chief")
        await client.get("/staff/export.csv")
        everything = (await client.get("/staff/audit")).text
        assert everything.count('class="audit-row"') >= 4
        assert "登录失败" in everything and "导出" in everything and "agent1" in everything
        logins = (await client.get("/staff/audit", params={"action": "login"})).text
        assert logins.count('class="audit-row"') == 2 and "登录失败" not in logins
        today = datetime.now(runtime.services.staff.timezone).date()
        old = (await client.get("/staff/audit", params={"end": (today - timedelta(days=1)).isoformat()})).text
        assert 'class="audit-row"' not in old
        mine = (await client.get("/staff/audit", params={"staff": "chief", "start": today.isoformat()})).text
        assert 'class="audit-row"' in mine and "agent1" not in mine
