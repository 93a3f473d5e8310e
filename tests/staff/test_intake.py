"""Intake by staff at desks and on the phone, on SQLite and PostgreSQL: the chat dialog's questions, checks
and routing, the channel recorded, the citizen reached by phone, and a form sent twice filed once."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.complaints.models import CasePartyRow, CaseRow
from bot.core.tables import OutboxRow
from tests.scenarios.chat import COMPLAINT_ANSWERS, Citizen
from tests.staff.console import StaffBrowser, create_staff

DESK_ANSWERS = {
    "kind": "投诉", "on_behalf": "本人", "occurred_on": "昨天", "handled_elsewhere": "否", "for_consumption": "是",
    "business_name": "塞上健身俱乐部", "online": "线下", "business_address": "赛罕区大学东街某商场三楼",
    "facts": "办了一年的健身卡，用了两个月就关门了，老板联系不上，卡里还有三千多块钱。", "amount": "3280元",
    "demand": "退款", "mediation": "同意", "name": "张三丰", "phone": "13812345678",
    "address": "呼和浩特市赛罕区某小区3号楼", "consent": "1",
}
TICKET = re.compile(r"T-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]")
SAME = ("kind", "consumer_field", "business_name", "business_address", "online", "facts", "occurred_on", "amount",
        "demand", "accepts_mediation", "on_behalf", "anonymous", "status", "department_code", "step", "due_on")


@pytest.fixture
async def desk(config, runtime):
    await create_staff(runtime, "desk1", "agent")
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        staff = StaffBrowser(client)
        await staff.log_in("desk1")
        yield staff


def key(label: str) -> str:
    return f"test-intake-key-{label}-0123456789"


async def cases_and_parties(runtime) -> list[tuple[CaseRow, CasePartyRow]]:
    async with runtime.sessions() as session:
        rows = (await session.execute(select(CaseRow, CasePartyRow).join(
            CasePartyRow, CasePartyRow.case_id == CaseRow.id).order_by(CaseRow.id))).all()
    return [tuple(row) for row in rows]


async def test_desk_phone_and_chat_complaints_look_the_same_apart_from_their_channel(desk, runtime):
    page = await desk.client.get("/staff/intake")
    assert page.status_code == 200 and 'name="facts"' in page.text and "塞上" not in page.text
    for channel in ("desk", "phone"):
        filed = await desk.post("/staff/intake", channel=channel, intake_key=key(channel), **DESK_ANSWERS)
        assert filed.status_code == 200 and TICKET.search(filed.text) and "第十四条" in filed.text
    await Citizen(runtime, "chat-filer").answer_all(*COMPLAINT_ANSWERS, "确认")
    (desk_case, desk_party), (phone_case, phone_party), (chat_case, chat_party) = await cases_and_parties(runtime)
    for field in SAME:
        assert getattr(desk_case, field) == getattr(phone_case, field) == getattr(chat_case, field), field
    assert (desk_case.channel, phone_case.channel, chat_case.channel) == ("desk", "phone", "test")
    assert chat_case.consumer_field == "fitness_training", "suggested from the complaint's own words"
    assert desk_party.phone == phone_party.phone == chat_party.phone == "+8613812345678"
    assert desk_party.consented_at is not None


async def test_a_form_sent_twice_or_at_once_is_filed_once(desk, runtime):
    twice = [desk.post("/staff/intake", channel="desk", intake_key=key("twice"), **DESK_ANSWERS) for _ in range(3)]
    pages = await asyncio.gather(*twice)
    tickets = {TICKET.search(page.text).group(0) for page in pages}
    assert len(tickets) == 1 and len(await cases_and_parties(runtime)) == 1


async def test_missing_answers_and_pre_check_warnings_are_shown_before_anything_is_filed(desk, runtime):
    incomplete = await desk.post("/staff/intake", channel="visit", intake_key=key("gaps"),
                                 **{**DESK_ANSWERS, "business_name": "", "consent": ""})
    assert incomplete.status_code == 422 and "商家名称" in incomplete.text and "个人信息告知" in incomplete.text
    assert 'value="赛罕区大学东街某商场三楼"' in incomplete.text, "what was typed is kept"
    warned = await desk.post("/staff/intake", channel="visit", intake_key=key("warn"),
                             **{**DESK_ANSWERS, "handled_elsewhere": "是"})
    assert warned.status_code == 422 and 'name="acknowledged"' in warned.text
    assert await cases_and_parties(runtime) == []
    filed = await desk.post("/staff/intake", channel="visit", intake_key=key("warn"), acknowledged="1",
                            **{**DESK_ANSWERS, "handled_elsewhere": "是"})
    assert filed.status_code == 200
    ((case, _party),) = await cases_and_parties(runtime)
    assert case.channel == "visit" and case.warnings == ["handled_elsewhere"]


async def test_a_desk_case_notice_is_marked_for_a_phone_call(desk, runtime):
    await create_staff(runtime, "chief", "supervisor")
    await desk.post("/staff/intake", channel="phone", intake_key=key("notice"), **DESK_ANSWERS)
    ((case, _party),) = await cases_and_parties(runtime)
    chief = StaffBrowser(desk.client)
    await desk.client.post("/staff/logout", data={"csrf": desk.csrf})
    await chief.log_in("chief")
    await chief.post(f"/staff/cases/{case.ticket}/action", action="accept", note="材料齐全")
    async with runtime.sessions() as session:
        notice = await session.scalar(select(OutboxRow).where(OutboxRow.case_id == case.id))
    assert notice.failed and "电话" in notice.last_error
    assert "电话告知" in (await chief.client.get(f"/staff/cases/{case.ticket}")).text


async def test_staff_correct_the_suggested_consumer_field_and_the_dashboard_counts_it(desk, runtime):
    await desk.post("/staff/intake", channel="desk", intake_key=key("field"), **DESK_ANSWERS)
    ((case, _party),) = await cases_and_parties(runtime)
    page = await desk.client.get(f"/staff/cases/{case.ticket}")
    assert "健身与教育培训" in page.text and 'name="consumer_field"' in page.text
    assert (await desk.post(f"/staff/cases/{case.ticket}/field", consumer_field="nonsense")).status_code == 404
    assert (await desk.post(f"/staff/cases/{case.ticket}/field", consumer_field="prepaid")).status_code == 303
    async with runtime.sessions() as session:
        corrected = await session.get(CaseRow, case.id)
    assert corrected.consumer_field == "prepaid"
    dashboard = await desk.client.get("/staff/dashboard")
    assert "各消费领域案件数" in dashboard.text
