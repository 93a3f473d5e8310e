"""County staff work their own county's matters: a hand-off about another county's case is neither listed
for them nor opened, claimed or answered by them; plain chats stay in the shared queue."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select, update

from bot.app import create_app
from bot.complaints.models import CaseRow
from bot.core.messages import UserRef
from bot.staff import queue
from bot.staff.auth import add_staff
from tests.scenarios.chat import COMPLAINT_ANSWERS, Citizen
from tests.staff.console import StaffBrowser


@pytest.fixture
async def http(config, runtime):
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def county_agent(http, runtime, name: str, county: str | None) -> StaffBrowser:
    async with runtime.sessions.begin() as session:
        await add_staff(session, username=name, display_name=name, role="agent", password="correct horse 1",
                        now=datetime.now(UTC), department_code=county)
    agent = StaffBrowser(httpx.AsyncClient(transport=http._transport, base_url="http://test"))
    await agent.log_in(name)
    return agent


async def test_a_hand_off_about_another_countys_case_is_not_theirs(http, runtime):
    await Citizen(runtime, "filer").answer_all(*COMPLAINT_ANSWERS, "确认")
    now = datetime.now(UTC)
    async with runtime.sessions.begin() as session:
        await session.execute(update(CaseRow).values(department_code="xincheng"))
        case = await session.scalar(select(CaseRow))
        about_case = await queue.open_handoff(session, UserRef("test", "filer"), "group", now, case_id=case.id)
        plain = await queue.open_handoff(session, UserRef("test", "walk-in"), "requested", now)
        await session.flush()
        ids = about_case.id, plain.id
    elsewhere = await county_agent(http, runtime, "saihan-agent", "saihan")
    listed = [h["id"] for h in (await elsewhere.client.get("/staff/api/queue")).json()["waiting"]]
    assert listed == [ids[1]], "the plain chat only"
    assert (await elsewhere.client.get(f"/staff/handoffs/{ids[0]}")).status_code == 403
    assert (await elsewhere.post(f"/staff/handoffs/{ids[0]}/claim")).status_code == 403
    home = await county_agent(http, runtime, "xincheng-agent", "xincheng")
    assert sorted(h["id"] for h in (await home.client.get("/staff/api/queue")).json()["waiting"]) == sorted(ids)
    claimed = await home.post(f"/staff/handoffs/{ids[0]}/claim")
    assert claimed.headers["location"] == f"/staff/handoffs/{ids[0]}"
    city = await county_agent(http, runtime, "city-agent", None)
    assert (await city.client.get(f"/staff/handoffs/{ids[0]}")).status_code == 200, "the city bureau sees all"
