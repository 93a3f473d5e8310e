"""After a case is closed, on SQLite and PostgreSQL: its citizen may ask to reopen it (the request reaches the
case's supervisors with the reason) and rate it; not someone else's case, not after the window."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.complaints import aftercare, service
from bot.complaints.models import CaseEventRow, CaseRatingRow, CaseRow
from bot.staff.models import HandoffMessageRow, HandoffRow
from tests.scenarios.chat import COMPLAINT_ANSWERS, Citizen


async def closed_case(runtime, citizen: Citizen) -> CaseRow:
    await citizen.answer_all(*COMPLAINT_ANSWERS, "确认")
    async with runtime.sessions.begin() as session:
        case = await session.scalar(select(CaseRow))
        await service.change_status(session, case, "closed", note="已调解", actor="chief", now=datetime.now(UTC),
                                    settings=runtime.services.complaints)
    return case


async def test_the_citizen_reopens_and_rates_a_closed_case(runtime):
    citizen = Citizen(runtime, "after")
    case = await closed_case(runtime, citizen)
    status = await citizen.say("查进度")
    assert "申请重新处理" in status and "1分" in "".join(b.label for r in citizen.replies for b in r.buttons)
    assert "谢谢您的评价" in await citizen.press(f"after:rate:{case.ticket}:4")
    assert "已记录您的意见" in await citizen.say("调解员很耐心，但商家退款慢")
    assert "请说明需要重新处理的原因" in await citizen.press(f"after:reopen:{case.ticket}")
    assert "转给承办部门负责人" in await citizen.say("商家没有按调解协议退款")
    async with runtime.sessions() as session:
        rating = await session.scalar(select(CaseRatingRow))
        handoff = await session.scalar(select(HandoffRow))
        said = (await session.scalars(select(HandoffMessageRow.text))).all()
        notes = (await session.scalars(select(CaseEventRow.note).where(CaseEventRow.case_id == case.id))).all()
        rated = await aftercare.satisfaction(session)
    assert (rating.score, rating.comment) == (4, "调解员很耐心，但商家退款慢")
    assert handoff.reason == "reopen" and handoff.case_id == case.id
    assert any("商家没有按调解协议退款" in text for text in said)
    assert "reopen:商家没有按调解协议退款" in notes
    assert rated == [(case.department_code, 4.0, 1)]
    history = await citizen.say("查进度")
    steps = [line for line in history.splitlines() if re.match(r"\d\d-\d\d ", line)]
    assert len(steps) == 2 and "reopen" not in history, "the request is for staff, not a step of the procedure"


async def test_not_someone_elses_case_and_not_after_the_window(runtime):
    owner = Citizen(runtime, "owner")
    case = await closed_case(runtime, owner)
    stranger = Citizen(runtime, "stranger")
    assert "不能申请重新处理" in await stranger.press(f"after:rate:{case.ticket}:1")
    long_ago = datetime.now(UTC) - runtime.services.complaints.reopen_window - timedelta(days=1)
    async with runtime.sessions.begin() as session:
        await session.execute(update(CaseEventRow).where(CaseEventRow.case_id == case.id).values(created_at=long_ago))
    assert "不能申请重新处理" in await owner.press(f"after:reopen:{case.ticket}")
    assert "申请重新处理" not in await owner.say("查进度")
    async with runtime.sessions() as session:
        assert await session.scalar(select(CaseRatingRow)) is None
