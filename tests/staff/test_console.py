"""The staff console through the real ASGI app: security, hand-offs end to end, case work, export."""

from __future__ import annotations

import asyncio
import io
import time
from datetime import UTC, datetime, timedelta

import httpx
import openpyxl
import pytest
from sqlalchemy import select, update

from bot import texts
from bot.app import create_app
from bot.complaints.models import CaseRow
from bot.core.messages import Reply
from bot.core.tables import ConversationRow, OutboxRow
from bot.db import create_session_factory
from bot.runtime import start_runtime
from bot.staff.auth import add_staff, failure_delay
from bot.staff.models import AuditRow, EscalationRow, HandoffRow, StaffRow
from bot.staff.sweeper import sweep_once
from tests.conftest import INTEGRATION, make_config
from tests.scenarios.chat import COMPLAINT_ANSWERS, Citizen
from tests.staff.console import StaffBrowser, create_staff

STAFF_PAGES = ["/staff/", "/staff/cases", "/staff/dashboard", "/staff/duty", "/staff/export.xlsx",
               "/staff/handoffs/1", "/staff/cases/T-VA3P-RY1R-X"]
STAFF_POSTS = ["/staff/logout", "/staff/handoffs/1/claim", "/staff/handoffs/1/reply", "/staff/cases/x/action",
               "/staff/duty/surge"]


@pytest.fixture
async def http(config, runtime):
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


def browser(http) -> StaffBrowser:
    return StaffBrowser(httpx.AsyncClient(transport=http._transport, base_url="http://test"))


async def citizen_says(http, user_id: str, **body) -> list[dict]:
    response = await http.post("/api/chat", json={"user_id": user_id, **body}, headers=INTEGRATION)
    assert response.status_code == 200, response.text
    return response.json()["replies"]


async def citizen_updates(http, user_id: str) -> str:
    response = await http.get("/api/chat/updates", params={"user_id": user_id}, headers=INTEGRATION)
    return "\n".join(reply["text"] for reply in response.json()["replies"])


async def test_every_staff_route_needs_a_session(http):
    for path in STAFF_PAGES:
        response = await http.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/staff/login", path
    assert (await http.get("/staff/api/queue")).status_code == 401
    for path in STAFF_POSTS:
        response = await http.post(path, data={"csrf": "x"})
        assert response.status_code in (303, 401), path


async def test_staff_pages_are_never_framed_or_cached(http, runtime):
    await create_staff(runtime, "viewer1", "viewer")
    viewer = browser(http)
    login = await viewer.client.get("/staff/login")
    await viewer.log_in("viewer1")
    for response in (login, await viewer.client.get("/staff/cases"), await viewer.client.get("/staff/api/queue")):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_report_ranges_and_export_kinds_are_bounded(http, runtime):
    await create_staff(runtime, "chief", "supervisor")
    chief = browser(http)
    await chief.log_in("chief")
    started = time.perf_counter()
    wide = await chief.client.get("/staff/dashboard", params={"start": "0001-01-01", "end": "9999-12-31"})
    assert wide.status_code == 200 and time.perf_counter() - started < 10
    assert (await chief.client.get("/staff/export.csv", params={"start": "0001-01-01"})).status_code == 200
    assert (await chief.client.get("/staff/export.x%0d%0aSet-Cookie:%20a=b")).status_code == 404


async def test_cookies_are_secure_when_the_bureau_serves_https(tmp_path, database_url, knowledge, http):
    assert "secure" not in (await http.get("/staff/login")).headers["set-cookie"].lower(), "plain HTTP trials"
    config = make_config(tmp_path, database_url, WEIQUAN_SERVER_SECURE_COOKIES="true")
    runtime = await start_runtime(config, knowledge=knowledge)
    try:
        app = create_app(config, runtime=runtime)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://test") as client:
            assert "secure" in (await client.get("/staff/login")).headers["set-cookie"].lower()
    finally:
        await runtime.close()


async def test_banners_show_only_messages_the_server_chose(http, runtime):
    await create_staff(runtime, "viewer1", "viewer")
    viewer = browser(http)
    assert "请拨打" not in (await viewer.client.get("/staff/login", params={"error": "请拨打400-123"})).text
    await viewer.log_in("viewer1")
    assert "请拨打" not in (await viewer.client.get("/staff/", params={"flash": "系统升级，请拨打400-123"})).text
    taken = (await viewer.client.get("/staff/", params={"flash": "这个会话已被其他同事认领或已结束。"})).text
    assert "这个会话已被其他同事认领或已结束。" in taken


async def test_a_forged_host_cannot_steer_a_redirect(http):
    response = await http.get("/staff/cases/", headers={"host": "evil.example"})
    assert "evil.example" not in response.headers.get("location", "")


async def test_posts_without_the_csrf_token_are_refused(http, runtime):
    await create_staff(runtime, "boss", "admin")
    agent = browser(http)
    await agent.log_in("boss")
    response = await agent.client.post("/staff/duty/surge", data={"until": "2030-01-01T00:00"})
    assert response.status_code == 403
    forged = await agent.client.post("/staff/duty/surge", data={"until": "2030-01-01T00:00", "csrf": "forged"})
    assert forged.status_code == 403
    login = await http.post("/staff/login", data={"username": "boss", "password": "correct horse 1"})
    assert login.status_code == 403, "the login form needs its double-submit token too"


async def test_wrong_passwords_slow_an_account_down_without_locking_its_owner_out(http, runtime):
    await create_staff(runtime, "target", "agent")
    attacker = browser(http)
    for _ in range(5):
        refused = await attacker.log_in("target", "wrong password")
        assert "error=" in refused.headers["location"]
    waiting = await attacker.log_in("target")
    unknown = await attacker.log_in("nobody-here", "wrong password")
    assert waiting.headers["location"] == unknown.headers["location"] == refused.headers["location"], \
        "unknown, wrong and waiting give one answer: no username can be told apart"
    assert (await attacker.client.get("/staff/")).status_code == 303
    async with runtime.sessions.begin() as session:  # the delay (4 s after five) has passed
        await session.execute(update(StaffRow).values(locked_until=datetime.now(UTC) - timedelta(seconds=1)))
    assert (await browser(http).log_in("target")).headers["location"] == "/staff/"
    assert [failure_delay(n).total_seconds() for n in (1, 3, 4, 5, 6)] == [0, 0, 2, 4, 8]
    assert failure_delay(1000) == timedelta(minutes=15), "at most a quarter of an hour, even for admin"


async def test_unknown_wrong_and_waiting_logins_take_the_same_time(http, runtime):
    """A waiting account used to answer in 10 ms and an unknown one in 600 ms: the names could be listed."""
    await create_staff(runtime, "timed", "agent")
    prober = browser(http)
    for _ in range(6):
        await prober.log_in("timed", "wrong password")

    async def median_seconds(username: str) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            await prober.log_in(username, "wrong password")
            times.append(time.perf_counter() - started)
        return sorted(times)[1]

    waiting, unknown = await median_seconds("timed"), await median_seconds("nobody-at-all")
    assert 0.4 < waiting / unknown < 2.5, (waiting, unknown)


async def test_password_checks_do_not_stall_other_requests(http, runtime):
    """argon2 takes about 0.1 s of CPU per check: on the event loop, logins would hold up every citizen."""
    await create_staff(runtime, "target", "agent")
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        for _ in range(60):
            await asyncio.sleep(0.005)
            gaps.append(time.perf_counter() - last)
            last = time.perf_counter()

    attempts = [browser(http).log_in("target", "wrong password") for _ in range(3)]
    await asyncio.gather(ticker(), *attempts, browser(http).log_in("nobody", "wrong password"))
    assert max(gaps) < 0.08, f"the event loop stalled for {max(gaps):.3f} s"


async def test_staff_open_the_photos_a_citizen_uploaded_and_the_opening_is_audited(http, runtime):
    evidence_step = COMPLAINT_ANSWERS.index("跳过")
    for answer in COMPLAINT_ANSWERS[:evidence_step]:
        await citizen_says(http, "w-photo", text=answer)
    photo = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"receipt" * 40
    uploaded = await http.post("/api/chat/upload", params={"user_id": "w-photo"}, content=photo, headers=INTEGRATION)
    assert "第1件" in uploaded.json()["replies"][0]["text"]
    for answer in ("完成", *COMPLAINT_ANSWERS[evidence_step + 1:], "确认"):
        await citizen_says(http, "w-photo", text=answer)
    async with create_session_factory(runtime.database)() as session:
        case = await session.scalar(select(CaseRow))
    await create_staff(runtime, "watcher2", "viewer")
    viewer = browser(http)
    await viewer.log_in("watcher2")
    page = await viewer.client.get(f"/staff/cases/{case.ticket}")
    assert f"/staff/cases/{case.ticket}/evidence/0" in page.text
    opened = await viewer.client.get(f"/staff/cases/{case.ticket}/evidence/0")
    assert opened.status_code == 200 and opened.content == photo
    assert opened.headers["content-type"] == "image/png"
    assert opened.headers["content-security-policy"].startswith("sandbox;")
    for wrong in ("1", "-1", "..%2F..%2Fweiquan.db", "x"):
        assert (await viewer.client.get(f"/staff/cases/{case.ticket}/evidence/{wrong}")).status_code == 404
    async with create_session_factory(runtime.database)() as session:
        audited = (await session.scalars(select(AuditRow.action))).all()
    assert audited.count("view_evidence") == 1
    async with httpx.AsyncClient(transport=http._transport, base_url="http://test") as stranger:
        refused = await stranger.get(f"/staff/cases/{case.ticket}/evidence/0")
    assert refused.status_code in (303, 401) and refused.content != photo


async def test_a_viewer_cannot_change_a_case(http, runtime):
    await create_staff(runtime, "watcher", "viewer")
    citizen = Citizen(runtime, "v-citizen")
    await citizen.answer_all(*COMPLAINT_ANSWERS, "确认")
    async with create_session_factory(runtime.database)() as session:
        case = await session.scalar(select(CaseRow))
    viewer = browser(http)
    await viewer.log_in("watcher")
    page = await viewer.client.get(f"/staff/cases/{case.ticket}")
    assert page.status_code == 200 and "张三丰" not in page.text, "a viewer does not see the complainant"
    assert (await viewer.post(f"/staff/cases/{case.ticket}/action", action="accept")).status_code == 403
    assert (await viewer.post("/staff/handoffs/1/claim")).status_code == 403


async def test_a_hand_off_from_request_to_close(http, runtime):
    await create_staff(runtime, "agent1", "agent")
    assert "转接人工" in (await citizen_says(http, "w-1", text="转人工"))[0]["text"]
    agent = browser(http)
    await agent.log_in("agent1")
    queue = (await agent.client.get("/staff/api/queue")).json()
    (waiting,) = queue["waiting"]
    assert waiting["reason"] == "requested"
    claimed = await agent.post(f"/staff/handoffs/{waiting['id']}/claim")
    assert claimed.headers["location"] == f"/staff/handoffs/{waiting['id']}"
    assert "已接入" in await citizen_updates(http, "w-1")
    await agent.post(f"/staff/handoffs/{waiting['id']}/reply", text="您好，请问是哪家店？")
    assert "请问是哪家店" in await citizen_updates(http, "w-1")
    silent = await citizen_says(http, "w-1", text="是楼下的惠民超市")
    assert silent == [], "while a person is attached the bot does not answer"
    transcript = (await agent.client.get(f"/staff/api/handoffs/{waiting['id']}/messages")).json()["messages"]
    assert [m["sender"] for m in transcript][-2:] == ["staff", "citizen"]
    assert transcript[-1]["text"] == "是楼下的惠民超市"
    await agent.post(f"/staff/handoffs/{waiting['id']}/close", note="已答复")
    assert "结束本次人工服务" in await citizen_updates(http, "w-1")
    answer = await citizen_says(http, "w-1", text="网购的衣服七天内能退吗")
    assert "依据" in answer[0]["text"], "after the hand-off the bot answers again"


async def test_the_desk_shows_what_the_citizen_wants_when_each_line_was_said_and_keeps_closed_chats(http, runtime):
    await create_staff(runtime, "agent5", "agent")
    for answer in (*COMPLAINT_ANSWERS, "确认"):
        await citizen_says(http, "w-desk", text=answer)
    await citizen_says(http, "w-desk", text="健身房老板跑路了，预付的三千块钱怎么要回来")
    earlier = datetime.now(UTC) - timedelta(hours=3)
    async with create_session_factory(runtime.database).begin() as session:
        row = await session.scalar(select(ConversationRow).where(ConversationRow.external_id == "api:w-desk"))
        recent = [[speaker, text, earlier.isoformat()] for speaker, text, _at in row.slots["recent"]]
        await session.execute(update(ConversationRow).where(ConversationRow.id == row.id)
                              .values(slots={**row.slots, "recent": recent}, version=row.version + 1))
    await citizen_says(http, "w-desk", text="转人工")
    agent = browser(http)
    await agent.log_in("agent5")
    (waiting,) = (await agent.client.get("/staff/api/queue")).json()["waiting"]
    assert waiting["request"].startswith("健身房老板跑路了") and waiting["ticket"] is None
    await agent.post(f"/staff/handoffs/{waiting['id']}/claim")
    page = await agent.client.get(f"/staff/handoffs/{waiting['id']}")
    (case,) = (await session_cases(runtime))
    assert f'href="/staff/cases/{case.ticket}"' in page.text, "the citizen's cases are one click away"
    messages = (await agent.client.get(f"/staff/api/handoffs/{waiting['id']}/messages")).json()["messages"]
    local = earlier.astimezone(runtime.services.staff.timezone).strftime("%m-%d %H:%M")
    assert messages[0]["at"].startswith(local) and messages[-1]["at"] != messages[0]["at"]
    await citizen_says(http, "w-desk", text="好的谢谢，结束人工")
    closed = (await agent.client.get("/staff/api/queue")).json()["closed"]
    assert [h["id"] for h in closed] == [waiting["id"]]
    again = (await agent.client.get(f"/staff/api/handoffs/{waiting['id']}/messages")).json()["messages"]
    assert again[-1]["text"] == "好的谢谢，结束人工", "the agent reads the chat after the citizen ended it"


async def session_cases(runtime) -> list[CaseRow]:
    async with create_session_factory(runtime.database)() as session:
        return list((await session.scalars(select(CaseRow))).all())


async def test_an_unknown_hand_off_action_changes_nothing(http, runtime):
    await create_staff(runtime, "agent1", "agent")
    await citizen_says(http, "w-2", text="转人工")
    agent = browser(http)
    await agent.log_in("agent1")
    (waiting,) = (await agent.client.get("/staff/api/queue")).json()["waiting"]
    await agent.post(f"/staff/handoffs/{waiting['id']}/claim")
    assert (await agent.post(f"/staff/handoffs/{waiting['id']}/cl0se")).status_code == 404
    async with create_session_factory(runtime.database)() as session:
        assert (await session.get(HandoffRow, waiting["id"])).status == "active"


async def test_the_citizen_can_end_the_hand_off(http, runtime):
    await create_staff(runtime, "agent2", "agent")
    await citizen_says(http, "w-2", text="人工")
    agent = browser(http)
    await agent.log_in("agent2")
    (waiting,) = (await agent.client.get("/staff/api/queue")).json()["waiting"]
    await agent.post(f"/staff/handoffs/{waiting['id']}/claim")
    ended = await citizen_says(http, "w-2", text="结束人工")
    assert "已结束人工服务" in ended[0]["text"]
    assert (await agent.client.get("/staff/api/queue")).json()["mine"] == []


async def test_what_a_waiting_citizen_types_reaches_the_agent_not_the_bot(http, runtime):
    await create_staff(runtime, "agent3", "agent")
    await citizen_says(http, "w-3", text="转人工")
    passed_on = await citizen_says(http, "w-3", text="我在网上买的羽绒服跑绒严重，商家不给退")
    assert [reply["text"] for reply in passed_on] == [texts.HANDOFF_RELAYED_WAITING]
    assert not passed_on[0]["citations"]
    agent = browser(http)
    await agent.log_in("agent3")
    (waiting,) = (await agent.client.get("/staff/api/queue")).json()["waiting"]
    await agent.post(f"/staff/handoffs/{waiting['id']}/claim")
    transcript = (await agent.client.get(f"/staff/api/handoffs/{waiting['id']}/messages")).json()["messages"]
    assert ("citizen", "我在网上买的羽绒服跑绒严重，商家不给退") in [(m["sender"], m["text"]) for m in transcript]
    ended = await citizen_says(http, "w-3", text="好的谢谢，结束人工！")
    assert "已结束人工服务" in ended[0]["text"]


async def test_a_waiting_citizen_can_leave_the_queue_and_ask_the_bot_again(http, runtime):
    await citizen_says(http, "w-4", text="人工")
    left = await citizen_says(http, "w-4", text="算了，不用人工了")
    assert left[0]["text"] == texts.HANDOFF_CANCELLED
    async with create_session_factory(runtime.database)() as session:
        handoff = await session.scalar(select(HandoffRow).where(HandoffRow.external_id == "api:w-4"))
    assert handoff.status == "closed"
    answer = await citizen_says(http, "w-4", text="网购的衣服七天内能退吗")
    assert "依据" in answer[0]["text"]


async def test_urgent_hand_offs_come_first_and_get_emergency_numbers(http, runtime):
    await create_staff(runtime, "agent1", "agent")
    await citizen_says(http, "calm", text="人工")
    urgent = await citizen_says(http, "scared", text="孩子在商场被困电梯里了怎么办")
    assert all(number in urgent[0]["text"] for number in ("110", "119", "96333"))
    agent = browser(http)
    await agent.log_in("agent1")
    waiting = (await agent.client.get("/staff/api/queue")).json()["waiting"]
    assert [h["reason"] for h in waiting] == ["urgent", "requested"]


async def test_not_knowing_twice_hands_off(http, runtime):
    await citizen_says(http, "puzzled", text="量子纠缠的退相干时间怎么测量")
    second = await citizen_says(http, "puzzled", text="黑洞蒸发需要多少年")
    assert any("转接人工" in reply["text"] for reply in second)
    async with create_session_factory(runtime.database)() as session:
        handoff = await session.scalar(select(HandoffRow))
    assert handoff.reason == "unsure"


async def test_nobody_claims_in_time(http, runtime):
    await citizen_says(http, "waiting", text="人工")
    async with create_session_factory(runtime.database).begin() as session:
        await session.execute(update(HandoffRow).values(created_at=datetime.now(UTC) - timedelta(minutes=30)))
    flagged = await sweep_once(runtime.sessions, runtime.services.staff, datetime.now(UTC))
    assert flagged == 1
    assert "都在忙" in await citizen_updates(http, "waiting")
    assert await sweep_once(runtime.sessions, runtime.services.staff, datetime.now(UTC)) == 0, "told once only"
    await create_staff(runtime, "chief", "supervisor")
    supervisor = browser(http)
    await supervisor.log_in("chief")
    assert (await supervisor.client.get("/staff/api/queue")).json()["unclaimed_too_long"] == 1


async def test_after_hours_a_hand_off_becomes_a_callback(tmp_path, database_url, knowledge):
    runtime = await start_runtime(make_config(tmp_path, database_url, shifts=()), knowledge=knowledge)
    try:
        citizen = Citizen(runtime, "night")
        assert "不是人工服务时间" in await citizen.say("人工")
        async with create_session_factory(runtime.database)() as session:
            handoff = await session.scalar(select(HandoffRow))
        assert handoff.callback and handoff.status == "waiting"
    finally:
        await runtime.close()


async def test_case_work_filters_actions_audit_and_export(http, runtime):
    await create_staff(runtime, "chief", "supervisor")
    await create_staff(runtime, "agent1", "agent")
    complainant = Citizen(runtime, "api:case-citizen", channel="web")  # as the integration below
    await complainant.answer_all(*COMPLAINT_ANSWERS, "确认")
    reporter = Citizen(runtime, "reporter", channel="web")
    await reporter.answer_all("我要举报", "惠民超市", "线下", "新城区海拉尔东路", "货架上在卖过期三个月的牛奶。",
                              "跳过", "实名", "同意", "李四", "13700001111", "确认")
    async with create_session_factory(runtime.database)() as session:
        complaint = await session.scalar(select(CaseRow).where(CaseRow.kind == "complaint"))
        report = await session.scalar(select(CaseRow).where(CaseRow.kind == "report"))
    agent = browser(http)
    await agent.log_in("agent1")
    assert "张三丰" in (await agent.client.get(f"/staff/cases/{complaint.ticket}")).text
    assert "李四" not in (await agent.client.get(f"/staff/cases/{report.ticket}")).text, "Art. 33"
    chief = browser(http)
    await chief.log_in("chief")
    assert "李四" in (await chief.client.get(f"/staff/cases/{report.ticket}")).text
    listed = await chief.client.get("/staff/cases", params={"q": complaint.ticket.replace("-", "")[-6:]})
    assert complaint.ticket in listed.text and report.ticket not in listed.text
    assert report.ticket in (await chief.client.get("/staff/cases", params={"kind": "report"})).text
    assert complaint.ticket in (await chief.client.get("/staff/cases", params={"due_within": "10"})).text
    refused = await chief.post(f"/staff/cases/{complaint.ticket}/action", action="not_accept", note="")
    assert "flash" in refused.headers["location"]
    await chief.post(f"/staff/cases/{complaint.ticket}/action", action="accept", note="材料齐全", department="xincheng",
                     assignee="agent1")
    assert "已受理" in await citizen_updates(http, "case-citizen")
    page = await chief.client.get(f"/staff/cases/{complaint.ticket}")
    assert "已受理" in page.text and "新城区市场监督管理局" in page.text and "承办人改为 agent1" in page.text
    async with create_session_factory(runtime.database)() as session:
        actions = [(row.action, row.target) for row in (await session.scalars(select(AuditRow))).all()]
    assert ("accept", f"case:{complaint.id}") in actions and ("view", f"case:{report.id}") in actions
    dashboard = await chief.client.get("/staff/dashboard")
    assert dashboard.status_code == 200 and dashboard.text.count("<svg") >= 4
    assert "/staff/export.xlsx" in dashboard.text
    agents_view = await agent.client.get("/staff/dashboard")
    assert agents_view.status_code == 200 and "/staff/export" not in agents_view.text, "no buttons they cannot use"
    assert (await agent.client.get("/staff/export.xlsx")).status_code == 403
    export = await chief.client.get("/staff/export.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames == ["汇总", "案件明细"]
    dumped = repr([[cell for cell in row] for row in workbook["案件明细"].iter_rows(values_only=True)])
    assert complaint.ticket in dumped and "张三丰" not in dumped and "李四" not in dumped
    assert (await agent.client.get("/staff/export.csv")).status_code == 403, "export is for supervisors"


async def test_staff_can_start_a_conversation_from_a_case(http, runtime):
    await create_staff(runtime, "agent1", "agent")
    citizen = Citizen(runtime, "api:picked", channel="web")  # as the integration below
    await citizen.answer_all(*COMPLAINT_ANSWERS, "确认")
    async with create_session_factory(runtime.database)() as session:
        case = await session.scalar(select(CaseRow))
    agent = browser(http)
    await agent.log_in("agent1")
    started = await agent.post(f"/staff/cases/{case.ticket}/action", action="contact", note="")
    assert started.headers["location"].startswith("/staff/handoffs/")
    assert "已接入" in await citizen_updates(http, "picked")


async def test_consumer_warnings_are_published_shown_and_pushed_to_subscribers(http, runtime):
    await create_staff(runtime, "chief", "supervisor")
    assert "订阅消费警示" in (await citizen_says(http, "fan", text="订阅消费警示"))[0]["text"]
    await citizen_says(http, "quitter", text="订阅消费警示")
    assert "取消" in (await citizen_says(http, "quitter", text="取消订阅"))[0]["text"]
    chief = browser(http)
    await chief.log_in("chief")
    published = await chief.post("/staff/warnings", title="警惕预付卡跑路",
                                 body="办卡前查看经营者资质，单次充值不宜过多。")
    assert "1" in published.headers["location"], "pushed to the one remaining subscriber"
    assert "警惕预付卡跑路" in await citizen_updates(http, "fan")
    assert await citizen_updates(http, "quitter") == ""
    latest = (await citizen_says(http, "anyone", text="最新消费警示"))[0]["text"]
    assert "警惕预付卡跑路" in latest and "单次充值" in latest
    shown = (await http.get("/api/warnings")).json()["warnings"]
    assert shown[0]["title"] == "警惕预付卡跑路"
    agent_only = browser(http)
    await create_staff(runtime, "agent1", "agent")
    await agent_only.log_in("agent1")
    assert (await agent_only.post("/staff/warnings", title="x", body="y")).status_code == 403


async def test_group_and_overdue_cases_escalate_level_by_level(http, runtime):
    async with create_session_factory(runtime.database).begin() as session:
        await add_staff(session, username="saihan-chief", display_name="赛罕科长", role="supervisor",
                        password="correct horse 1", now=datetime.now(UTC), department_code="saihan")
    await create_staff(runtime, "city-chief", "supervisor")
    for number in range(3):
        citizen = Citizen(runtime, f"grouped{number}")
        await citizen.answer_all(*COMPLAINT_ANSWERS, "确认")
    async with create_session_factory(runtime.database).begin() as session:
        late = await session.scalar(select(CaseRow).where(CaseRow.external_id == "grouped0"))
        late.due_on = datetime.now(UTC).date() - timedelta(days=1)
    await sweep_once(runtime.sessions, runtime.services.staff, datetime.now(UTC))
    county, city = browser(http), browser(http)
    await county.log_in("saihan-chief")
    await city.log_in("city-chief")
    raised = (await county.client.get("/staff/api/queue")).json()["escalations"]
    assert sorted(e["reason"] for e in raised) == ["acceptance", "group", "group", "group"]
    assert {e["level"] for e in raised} == {1}
    assert (await city.client.get("/staff/api/queue")).json()["escalations"] == []
    later = datetime.now(UTC) + runtime.services.staff.escalation_timeout + timedelta(minutes=1)
    await sweep_once(runtime.sessions, runtime.services.staff, later)
    assert (await county.client.get("/staff/api/queue")).json()["escalations"] == []
    risen = (await city.client.get("/staff/api/queue")).json()["escalations"]
    assert len(risen) == 4 and {e["level"] for e in risen} == {2}
    taken = await city.post(f"/staff/escalations/{risen[0]['id']}/claim")
    assert taken.headers["location"] == f"/staff/cases/{risen[0]['ticket']}"
    assert len((await city.client.get("/staff/api/queue")).json()["escalations"]) == 3


async def test_leave_entered_in_the_console_takes_someone_off_duty(http, runtime):
    await create_staff(runtime, "chief", "supervisor")
    chief = browser(http)
    await chief.log_in("chief")
    assert "agent1" in (await chief.client.get("/staff/duty")).text
    now = datetime.now(runtime.services.staff.timezone)
    await chief.post("/staff/duty/changes", username="agent1", on_duty="0",
                     starts_at=(now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
                     ends_at=(now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page = (await chief.client.get("/staff/duty")).text
    assert "agent2" in page and "agent1" not in page


async def hand_off_in_the_middle_of_a_complaint(http, runtime, user_id: str, agent_name: str) -> list[dict]:
    """Four answers of the complaint form, then 人工; an agent claims and ends the hand-off. The replies to 人工."""
    await create_staff(runtime, agent_name, "agent")
    for text in COMPLAINT_ANSWERS[:4]:
        await citizen_says(http, user_id, text=text)
    kept = await citizen_says(http, user_id, text="人工")
    agent = browser(http)
    await agent.log_in(agent_name)
    (waiting,) = (await agent.client.get("/staff/api/queue")).json()["waiting"]
    await agent.post(f"/staff/handoffs/{waiting['id']}/claim")
    await agent.post(f"/staff/handoffs/{waiting['id']}/close", note="已答复")
    return kept


async def test_a_complaint_draft_survives_a_hand_off(http, runtime):
    """结束人工 by the agent, then 我要投诉: the kept draft is offered back, and 继续 goes on where it stopped."""
    kept = await hand_off_in_the_middle_of_a_complaint(http, runtime, "w-draft", "agent9")
    assert any("已保存" in reply["text"] for reply in kept)
    offered = await citizen_says(http, "w-draft", text="我要投诉")
    assert "继续" in str(offered[0]["buttons"]), "the kept draft is offered back, not a new form"
    resumed = await citizen_says(http, "w-draft", text="继续")
    assert "生活用" in resumed[-1]["text"], "the next question of the form"


async def test_continue_after_a_hand_off_goes_on_with_the_form(http, runtime):
    await hand_off_in_the_middle_of_a_complaint(http, runtime, "w-cont", "agent8")
    resumed = await citizen_says(http, "w-cont", text="继续")
    assert "生活用" in resumed[-1]["text"], "the next question of the form, not a chat reply"


async def test_a_notice_that_did_not_reach_the_citizen_shows_on_the_case(http, runtime):
    citizen = Citizen(runtime, "unreached")
    await citizen.answer_all(*COMPLAINT_ANSWERS)
    await citizen.say("确认")
    async with create_session_factory(runtime.database).begin() as session:
        case = await session.scalar(select(CaseRow))
        session.add(OutboxRow(channel="wechat", external_id="o", replies=[Reply("通知").to_dict()],
                              created_at=datetime.now(UTC), attempts=1, failed=True, case_id=case.id,
                              notice={"ticket": case.ticket, "status": "已受理", "time": "2026-03-02 09:00"},
                              last_error="45015 response out of time limit"))
    await create_staff(runtime, "viewer9", "viewer")
    viewer = browser(http)
    await viewer.log_in("viewer9")
    page = (await viewer.client.get(f"/staff/cases/{case.ticket}")).text
    assert "没能送达市民" in page and "45015" in page and "已受理" in page


async def test_a_supervisor_extends_a_reports_verification_from_the_console(http, runtime):
    await create_staff(runtime, "chief7", "supervisor")
    citizen = Citizen(runtime, "reporter7")
    await citizen.answer_all("我要举报", "某某生鲜超市", "线下", "新城区中山西路某号",
                             "3月1日在超市冷柜看到在卖过期酸奶，生产日期是去年的。", "跳过", "匿名")
    await citizen.say("确认")
    async with create_session_factory(runtime.database)() as session:
        case = await session.scalar(select(CaseRow))
    chief = browser(http)
    await chief.log_in("chief7")
    refused = await chief.post(f"/staff/cases/{case.ticket}/action", action="extend")
    assert refused.status_code == 303 and "flash" in refused.headers["location"], "a reason is required"
    done = await chief.post(f"/staff/cases/{case.ticket}/action", action="extend", note="需要抽样检验")
    assert done.status_code == 303
    async with create_session_factory(runtime.database)() as session:
        extended = await session.scalar(select(CaseRow))
    assert extended.due_on > case.due_on and extended.step == "verification"


async def test_an_agent_cannot_reassign_a_case(http, runtime):
    await create_staff(runtime, "agent1", "agent")
    citizen = Citizen(runtime, "kept")
    await citizen.answer_all(*COMPLAINT_ANSWERS, "确认")
    async with create_session_factory(runtime.database)() as session:
        before = await session.scalar(select(CaseRow))
    agent = browser(http)
    await agent.log_in("agent1")
    refused = await agent.post(f"/staff/cases/{before.ticket}/action", action="message", note="您好",
                               assignee="agent1", department="xincheng")
    assert refused.status_code == 403
    async with create_session_factory(runtime.database)() as session:
        after = await session.scalar(select(CaseRow))
    assert (after.assignee, after.department_code) == (before.assignee, before.department_code)


async def test_county_staff_act_only_on_their_own_countys_matters(http, runtime):
    async with create_session_factory(runtime.database).begin() as session:
        for username, role, county in (("saihan-chief", "supervisor", "saihan"),
                                       ("xincheng-chief", "supervisor", "xincheng"),
                                       ("xincheng-agent", "agent", "xincheng")):
            await add_staff(session, username=username, display_name=username, role=role,
                            password="correct horse 1", now=datetime.now(UTC), department_code=county)
    for number in range(3):
        await Citizen(runtime, f"grouped{number}").answer_all(*COMPLAINT_ANSWERS, "确认")
    await sweep_once(runtime.sessions, runtime.services.staff, datetime.now(UTC))
    async with create_session_factory(runtime.database)() as session:
        escalation = await session.scalar(select(EscalationRow))
        case = await session.get(CaseRow, escalation.case_id)
    assert case.department_code == "saihan"
    other_chief, other_agent, own_chief = browser(http), browser(http), browser(http)
    await other_chief.log_in("xincheng-chief")
    await other_agent.log_in("xincheng-agent")
    await own_chief.log_in("saihan-chief")
    assert (await other_chief.post(f"/staff/escalations/{escalation.id}/claim")).status_code == 403
    assert (await other_agent.post(f"/staff/cases/{case.ticket}/action", action="contact")).status_code == 403
    taken = await own_chief.post(f"/staff/escalations/{escalation.id}/claim")
    assert taken.headers["location"] == f"/staff/cases/{case.ticket}"
