"""Art. 33 (市场监督管理部门应当对举报人的信息予以保密) in the staff console: who reported is known only to
supervisors and up, in the case list and page, in conversations with a reporter, and in a combined filing."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select, update

from bot import texts
from bot.app import create_app
from bot.complaints.models import CaseRow
from bot.db import create_session_factory
from bot.staff.models import HandoffRow
from tests.channels.test_telegram import STAFF_GROUP, telegram  # noqa: F401 (a fixture)
from tests.fakes.telegram import group_reply_update
from tests.scenarios.chat import COMPLAINT_ANSWERS, Citizen
from tests.staff.console import StaffBrowser, create_staff

ROLES = ("viewer", "agent", "supervisor", "admin")
KNOWS_REPORTERS = {"viewer": False, "agent": False, "supervisor": True, "admin": True}
REPORTER = ("李四", "13700001111")
COMPLAINANT = ("张三丰", "13812345678")
REPORT_ANSWERS = ("我要举报", "惠民超市", "线下", "新城区海拉尔东路", "货架上在卖过期三个月的牛奶。", "跳过",
                  "实名", "同意", *REPORTER, "确认")


@pytest.fixture
async def http(config, runtime):
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def log_in(http, runtime, role: str) -> StaffBrowser:
    """A new staff member of that role, signed in with a browser of their own."""
    await create_staff(runtime, f"{role}1", role)
    member = StaffBrowser(httpx.AsyncClient(transport=http._transport, base_url="http://test"))
    await member.log_in(f"{role}1")
    return member


async def staff_of_every_role(http, runtime) -> dict[str, StaffBrowser]:
    return {role: await log_in(http, runtime, role) for role in ROLES}


async def case_of(runtime, kind: str) -> CaseRow:
    async with create_session_factory(runtime.database)() as session:
        return await session.scalar(select(CaseRow).where(CaseRow.kind == kind))


async def handoffs(runtime) -> list[HandoffRow]:
    async with create_session_factory(runtime.database)() as session:
        return list((await session.scalars(select(HandoffRow).order_by(HandoffRow.id))).all())


async def file_report(runtime, user_id: str, channel: str = "test") -> tuple[Citizen, CaseRow]:
    citizen = Citizen(runtime, user_id, channel=channel)
    await citizen.answer_all(*REPORT_ANSWERS)
    return citizen, await case_of(runtime, "report")


async def file_combined(runtime, user_id: str) -> tuple[CaseRow, CaseRow]:
    """One filing that is both a complaint and a (real-name) report, as the dialog stores it."""
    citizen = Citizen(runtime, user_id)
    await citizen.press("complaint")
    answers = list(COMPLAINT_ANSWERS)
    answers[0:1] = ["都有"]
    answers.insert(answers.index("3280元"), "店里没有营业执照，还在卖三无蛋白粉。")
    await citizen.answer_all(*answers, "确认")
    complaint, report = await case_of(runtime, "complaint"), await case_of(runtime, "report")
    assert complaint.linked_case_id == report.id
    return complaint, report


def shows_identity(text: str, who: tuple[str, str]) -> bool:
    return any(part in text for part in who)


@pytest.mark.parametrize("role", ROLES)
async def test_only_supervisors_and_up_may_contact_a_reporter(http, runtime, role):
    member = await log_in(http, runtime, role)
    _citizen, report = await file_report(runtime, "reporter-c")
    page = (await member.client.get(f"/staff/cases/{report.ticket}")).text
    assert ('value="contact"' in page) is KNOWS_REPORTERS[role], "the menu offers it only to those allowed"
    response = await member.post(f"/staff/cases/{report.ticket}/action", action="contact", note="")
    if KNOWS_REPORTERS[role]:
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/handoffs/")
        (handoff,) = await handoffs(runtime)
        assert handoff.case_id == report.id and handoff.status == "active"
    else:
        assert response.status_code == 403
        assert await handoffs(runtime) == [], "no conversation with the reporter was opened"


async def test_a_conversation_with_a_reporter_is_kept_to_supervisors_and_up(http, runtime):
    staff = await staff_of_every_role(http, runtime)
    citizen, report = await file_report(runtime, "reporter-h")
    opened = await staff["supervisor"].post(f"/staff/cases/{report.ticket}/action", action="contact", note="")
    path = opened.headers["location"]
    await citizen.say("我是李四，电话13700001111，那家店还在卖")
    for role, member in staff.items():
        page = await member.client.get(path)
        messages = await member.client.get(f"/staff/api{path.removeprefix('/staff')}/messages")
        if KNOWS_REPORTERS[role]:
            assert page.status_code == 200, role
            assert shows_identity(messages.text, REPORTER), role
        else:
            assert (page.status_code, messages.status_code) == (403, 403), role
            assert not shows_identity(page.text + messages.text, REPORTER), role
    for action in ("claim", "reply", "close"):
        assert (await staff["agent"].post(f"{path}/{action}", text="你好", note="")).status_code == 403, action
    async with create_session_factory(runtime.database).begin() as session:  # as if put back in the queue
        await session.execute(update(HandoffRow).values(status="waiting", claimed_by=None))
    for role, member in staff.items():
        listed = (await member.client.get("/staff/api/queue")).json()["waiting"]
        assert bool(listed) is KNOWS_REPORTERS[role], role


async def test_a_reporter_already_in_the_queue_is_contacted_in_confidence(http, runtime):
    staff = await staff_of_every_role(http, runtime)
    citizen, report = await file_report(runtime, "reporter-q")
    await citizen.say("转人工")
    (waiting,) = (await staff["agent"].client.get("/staff/api/queue")).json()["waiting"]
    opened = await staff["supervisor"].post(f"/staff/cases/{report.ticket}/action", action="contact", note="")
    assert opened.headers["location"] == f"/staff/handoffs/{waiting['id']}", "the open hand-off is reused"
    await citizen.say("我就是举报的李四")
    assert (await staff["agent"].client.get(f"/staff/handoffs/{waiting['id']}")).status_code == 403
    assert (await staff["viewer"].client.get(f"/staff/api/handoffs/{waiting['id']}/messages")).status_code == 403


async def test_a_reporter_chatting_with_an_agent_is_not_drawn_into_that_chat(http, runtime):
    staff = await staff_of_every_role(http, runtime)
    citizen, report = await file_report(runtime, "reporter-a")
    await citizen.say("转人工")
    (waiting,) = (await staff["agent"].client.get("/staff/api/queue")).json()["waiting"]
    await staff["agent"].post(f"/staff/handoffs/{waiting['id']}/claim")
    refused = await staff["supervisor"].post(f"/staff/cases/{report.ticket}/action", action="contact", note="")
    assert refused.status_code == 303 and refused.headers["location"].startswith(f"/staff/cases/{report.ticket}?")
    page = await staff["supervisor"].client.get(refused.headers["location"])
    assert texts.QUEUE_TAKEN in page.text
    (handoff,) = await handoffs(runtime)
    assert handoff.case_id is None, "the agent's conversation is not tied to the report"


async def test_a_combined_filing_does_not_tell_caseworkers_who_reported(http, runtime):
    staff = await staff_of_every_role(http, runtime)
    complaint, report = await file_combined(runtime, "both-c")
    for role, member in staff.items():
        listed = (await member.client.get("/staff/cases")).text
        complaint_page = (await member.client.get(f"/staff/cases/{complaint.ticket}")).text
        report_page = await member.client.get(f"/staff/cases/{report.ticket}")
        if KNOWS_REPORTERS[role]:
            assert report.ticket in listed and report_page.status_code == 200, role
            assert report.ticket in complaint_page and complaint.ticket in report_page.text, "the link, for them"
            assert shows_identity(report_page.text, COMPLAINANT), role
            continue
        assert complaint.ticket in listed and report.ticket not in listed, role
        assert report.ticket not in complaint_page, role
        assert report_page.status_code == 403 and not shows_identity(report_page.text, COMPLAINANT), role
        for kind in ("", "report"):
            assert report.ticket not in (await member.client.get("/staff/cases", params={"kind": kind})).text
    agent_page = (await staff["agent"].client.get(f"/staff/cases/{complaint.ticket}")).text
    assert shows_identity(agent_page, COMPLAINANT), "caseworkers still work the complaint with its complainant"
    acted = await staff["agent"].post(f"/staff/cases/{report.ticket}/action", action="message", note="您好")
    assert acted.status_code == 403
    assert (await staff["agent"].post(f"/staff/cases/{complaint.ticket}/action", action="contact")).status_code == 303


async def test_a_report_shows_no_reporter_below_supervisor_in_list_page_and_export(http, runtime):
    staff = await staff_of_every_role(http, runtime)
    _citizen, report = await file_report(runtime, "reporter-e")
    await staff["supervisor"].post(f"/staff/cases/{report.ticket}/action", action="verify", note="已派员核查")
    for role, member in staff.items():
        listed = (await member.client.get("/staff/cases", params={"kind": "report"})).text
        page = (await member.client.get(f"/staff/cases/{report.ticket}")).text
        assert report.ticket in listed and "已派员核查" in page, role
        assert shows_identity(page, REPORTER) is KNOWS_REPORTERS[role], role
        assert not shows_identity(listed, REPORTER), role
        for kind in ("csv", "xlsx"):
            export = await member.client.get(f"/staff/export.{kind}")
            assert export.status_code == (200 if KNOWS_REPORTERS[role] else 403), (role, kind)
    csv = (await staff["supervisor"].client.get("/staff/export.csv")).content.decode("utf-8-sig")
    assert report.ticket in csv and not shows_identity(csv, REPORTER), "exports carry no identity at all"


async def test_the_telegram_staff_group_does_not_follow_a_conversation_with_a_reporter(telegram):  # noqa: F811
    runtime, api, chat = telegram.runtime, telegram.api, 4301
    chief = await log_in(telegram.client, runtime, "supervisor")
    _citizen, report = await file_report(runtime, str(chat), channel="telegram")
    await telegram.say(chat, "转人工")
    await telegram.deliver()
    notice = api.messages(STAFF_GROUP)[-1]
    assert "#H" in notice["text"], "an ordinary request reaches the group"
    await chief.post(f"/staff/cases/{report.ticket}/action", action="contact", note="")
    await telegram.say(chat, "我是李四，电话13700001111")
    await telegram.deliver()
    assert not any(shows_identity(message["text"], REPORTER) for message in api.messages(STAFF_GROUP))
    reply = group_reply_update(telegram.next_id(), STAFF_GROUP, 10_001, "我是值班员小王", notice,
                               message_id=api.next_message_id(STAFF_GROUP))
    await telegram.post(reply)
    await telegram.deliver()
    assert not any("小王" in text for text in api.sent_texts(chat)), "the group cannot join the conversation"
