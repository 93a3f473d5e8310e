"""Typical cases, on SQLite and PostgreSQL: a closed case becomes a draft with no names, phones, addresses or
exact days, the business unnamed unless a violation was found; published, it reaches subscribers."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from bot.app import create_app
from bot.complaints import service
from bot.complaints.models import CaseRow
from bot.core.outbox import take_pending
from tests.scenarios.chat import COMPLAINT_ANSWERS, Citizen
from tests.staff.console import StaffBrowser, create_staff

FACTS = "3月5日我（张三丰，电话13812345678）在这家店办了健身卡，才用两个月就关门了，卡里还有三千多块钱。"


async def test_a_closed_case_becomes_an_anonymous_typical_case_that_reaches_subscribers(config, runtime):
    answers = list(COMPLAINT_ANSWERS)
    answers[answers.index("办了一年的健身卡，用了两个月就关门了，老板联系不上，卡里还有三千多块钱。")] = FACTS
    citizen = Citizen(runtime, "typical")
    await citizen.answer_all(*answers, "确认")
    await citizen.say("订阅消费警示")
    await create_staff(runtime, "chief", "supervisor")
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        chief = StaffBrowser(client)
        await chief.log_in("chief")
        async with runtime.sessions() as session:
            ticket = await session.scalar(select(CaseRow.ticket))
        still_open = await client.get(f"/staff/cases/{ticket}/typical")
        assert still_open.status_code == 303 and "flash" in still_open.headers["location"]
        async with runtime.sessions.begin() as session:
            case = await service.find(session, ticket)
            await service.change_status(session, case, "closed", note="已调解", actor="chief", now=datetime.now(UTC),
                                        settings=runtime.services.complaints)
        page = html.unescape((await client.get(f"/staff/cases/{ticket}/typical")).text)
        title = re.search(r'name="title"[^>]*value="([^"]+)"', page).group(1)
        body = re.search(r'<textarea name="body"[^>]*>([^<]+)</textarea>', page).group(1)
        for secret in ("张三丰", "13812345678", "3月5日", "塞上健身俱乐部", "某小区3号楼"):
            assert secret not in body, secret
        assert "典型案例" in title and "某经营者" in body and "3月" in body and "已办结" in body
        assert (await chief.post("/staff/warnings", title=title, body=body)).status_code == 303
    async with runtime.sessions.begin() as session:
        pushed = await take_pending(session, citizen.user, datetime.now(UTC))
    assert any(title in reply.text for reply in pushed), "subscribers get it like a warning"
    assert title in await citizen.say("最新消费警示")
