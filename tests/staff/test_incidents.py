"""Major incidents, on SQLite and PostgreSQL: a CCTV 3·15 gala exposure starts its clock, flags the next
complaint against the business and is reported up level by level with every checklist step timestamped;
a group case opens its report once; the checklist's times are the bureau's local ones."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import openpyxl
import pytest
from sqlalchemy import func, select

from bot import texts
from bot.complaints import service
from bot.complaints.models import CaseRow, CaseStepRow, WatchedBusinessRow
from bot.core.tables import OutboxRow
from bot.incidents import checklist, report
from bot.incidents.checklist import IncidentPlan, PlanStep
from bot.incidents.models import IncidentReportRow, IncidentStepRow
from bot.staff.auth import add_staff
from bot.staff.models import EscalationRow
from bot.staff.sweeper import sweep_once
from tests.scenarios.chat import COMPLAINT_ANSWERS, Citizen
from tests.staff.console import StaffBrowser, create_staff, signed_in_supervisor

PLAN = IncidentPlan(("旗县区局", "市局", "自治区局"),
                    (PlanStep("verify", "核实", 2), PlanStep("report", "上报", 2), PlanStep("final", "终报", 24)))
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_county_reports_to_the_city_then_the_region_and_the_city_to_the_region_only():
    opened = datetime(2027, 3, 15, 15, 30, tzinfo=UTC)  # 23:30 in the bureau's zone, the gala night
    county = checklist.due_steps(PLAN, checklist.start_level("saihan"), opened)
    assert [s.key for s in county] == ["verify", "report:1", "report:2", "final"]
    assert [s.title for s in county[1:3]] == ["上报：上报至市局", "上报：上报至自治区局"]
    assert county[0].due_at.astimezone(SHANGHAI) == datetime(2027, 3, 16, 1, 30, tzinfo=SHANGHAI)
    city = checklist.due_steps(PLAN, checklist.start_level(None), opened)
    assert [s.key for s in city] == ["verify", "report:2", "final"]
    assert checklist.blocking("report:2", ["report:1", "final"]) == "report:1"
    assert checklist.blocking("report:1", ["report:2"]) is None
    assert checklist.blocking("final", ["report:1"]) is None


def test_a_step_is_late_or_overdue_by_its_deadline():
    due = datetime(2027, 3, 15, 16, 0, tzinfo=UTC)
    step = IncidentStepRow(key="verify", title="核实", due_at=due, done_at=None, note="")
    assert report.step_state(step, due - timedelta(minutes=1)) == texts.INCIDENT_PENDING
    assert report.step_state(step, due + timedelta(minutes=1)) == texts.INCIDENT_OVERDUE
    step.done_at = due + timedelta(hours=1)
    assert report.step_state(step, due + timedelta(days=1)) == texts.INCIDENT_LATE
    step.done_at = due
    assert report.step_state(step, due + timedelta(days=1)) == texts.INCIDENT_ON_TIME


@pytest.fixture
async def console(config, runtime):
    await create_staff(runtime, "clerk", "agent")
    async with signed_in_supervisor(config, runtime) as chief:
        yield chief


async def beside(chief: StaffBrowser, username: str) -> StaffBrowser:
    """Another staff member signed in to the same app, with cookies of their own."""
    other = StaffBrowser(httpx.AsyncClient(transport=chief.client._transport, base_url="http://test"))
    await other.log_in(username)
    return other


async def register_gala(chief: StaffBrowser, today: date, *, expect_page: bool = True):
    """Register the exposure; the report's id from the redirect to its page (or the redirect itself)."""
    registered = await chief.post("/staff/incidents/gala", business_name="塞上健身俱乐部",
                                  business_address="赛罕区大学东街某商场三楼", product="健身年卡",
                                  exposed="诱导办卡后闭店跑路，卡内余额不退。", aired_on=today.isoformat())
    assert registered.status_code == 303, registered.text
    location = registered.headers["location"]
    return int(location.rsplit("/", 1)[1]) if expect_page else location


async def test_a_gala_exposure_starts_its_clock_flags_the_next_complaint_and_is_reported_up(console, runtime):
    chief, now = console, datetime.now(UTC)
    zone = runtime.services.staff.timezone
    report_id = await register_gala(chief, now.astimezone(zone).date())
    async with runtime.sessions() as session:
        gala = await session.scalar(select(CaseRow).where(CaseRow.channel == "gala"))
        clock = await session.scalar(select(CaseStepRow).where(CaseStepRow.case_id == gala.id))
        steps = (await session.scalars(select(IncidentStepRow).where(IncidentStepRow.report_id == report_id)
                                       .order_by(IncidentStepRow.position))).all()
        assert await session.scalar(select(func.count(WatchedBusinessRow.id))) == 1
    assert gala.kind == "report" and gala.anonymous and gala.department_code == "saihan"
    assert clock.step == "verification" and clock.done_on is None, "the investigation clock runs"
    keys = [s.key for s in steps]
    assert keys == ["verify", "control", "report:1", "report:2", "follow_up", "final"]
    assert all(s.done_at is None and s.due_at is not None for s in steps)
    page = await chief.client.get(f"/staff/incidents/{report_id}")
    assert "上报至呼和浩特市市场监督管理局" in page.text and "赛罕区市场监督管理局" in page.text

    await Citizen(runtime, "next").answer_all(*COMPLAINT_ANSWERS, "确认")
    assert await sweep_once(runtime.sessions, runtime.services.staff, datetime.now(UTC)) >= 1
    async with runtime.sessions() as session:
        complaint = await session.scalar(select(CaseRow).where(CaseRow.kind == "complaint"))
        flags = (await session.scalars(select(EscalationRow.reason).where(EscalationRow.case_id == complaint.id))).all()
    assert complaint.watch_id is not None and flags == ["watch"]
    case_page = await chief.client.get(f"/staff/cases/{complaint.ticket}")
    assert texts.WATCH_MARK in case_page.text and texts.EVENT_NOTES["watch"] in case_page.text

    skipped = await chief.post(f"/staff/incidents/{report_id}/steps", key="report:2", note="直接报自治区局")
    assert httpx.URL(skipped.headers["location"]).params["flash"] == texts.INCIDENT_LEVEL_BY_LEVEL
    clerk = await beside(chief, "clerk")
    assert (await clerk.post(f"/staff/incidents/{report_id}/steps", key="verify")).status_code == 403
    for key in keys:
        done = await chief.post(f"/staff/incidents/{report_id}/steps", key=key, note=f"{key}已办")
        assert httpx.URL(done.headers["location"]).params["flash"] == texts.INCIDENT_STEP_SAVED
    exported = await chief.client.get(f"/staff/incidents/{report_id}/report.xlsx")
    assert exported.status_code == 200, exported.text
    workbook = openpyxl.load_workbook(io.BytesIO(exported.content))
    form = {label: value for label, value in workbook[texts.INCIDENT_SHEET].iter_rows(values_only=True)}
    assert list(form) == list(texts.INCIDENT_FORM)
    assert form["事件类型"] == "央视3·15晚会曝光" and form["报告单位"] == "赛罕区市场监督管理局"
    assert form["报送单位"] == "呼和浩特市市场监督管理局、内蒙古自治区市场监督管理局"
    assert form["涉及案件"] == gala.ticket and form["下一步工作"] == texts.NONE
    rows = list(workbook[texts.INCIDENT_STEPS_SHEET].iter_rows(values_only=True))
    assert tuple(rows[0]) == texts.INCIDENT_STEP_COLUMNS and len(rows) == 1 + len(keys)
    assert all(row[3] and row[4] == "chief" and row[6] == texts.INCIDENT_ON_TIME for row in rows[1:]), rows
    async with runtime.sessions.begin() as session:
        gala = await session.get(CaseRow, gala.id)
        await service.change_status(session, gala, "verifying", note="", actor="chief", now=datetime.now(UTC),
                                    settings=runtime.services.complaints)
        told = await session.scalar(select(func.count(OutboxRow.id)).where(OutboxRow.channel == "gala"))
    assert told == 0, "a gala exposure has no citizen to notify"


async def test_a_group_case_opens_its_incident_report_once(runtime):
    for citizen in ("g1", "g2", "g3"):
        await Citizen(runtime, citizen).answer_all(*COMPLAINT_ANSWERS, "确认")
    await sweep_once(runtime.sessions, runtime.services.staff, datetime.now(UTC))
    await sweep_once(runtime.sessions, runtime.services.staff, datetime.now(UTC))
    async with runtime.sessions() as session:
        reports = (await session.scalars(select(IncidentReportRow))).all()
        group_id = await session.scalar(select(CaseRow.group_id).where(CaseRow.group_id.is_not(None)).limit(1))
    assert len(reports) == 1 and reports[0].kind == "group" and reports[0].group_id == group_id
    assert reports[0].title == texts.INCIDENT_GROUP_TITLE.format(business="塞上健身俱乐部", count=3)


async def test_another_countys_supervisor_cannot_open_or_act_on_the_report(console, runtime):
    chief, today = console, datetime.now(UTC).astimezone(runtime.services.staff.timezone).date()
    report_id = await register_gala(chief, today)
    async with runtime.sessions.begin() as session:
        await add_staff(session, username="xc-chief", display_name="新城", role="supervisor",
                        password="correct horse 1", now=datetime.now(UTC), department_code="xincheng")
    other = await beside(chief, "xc-chief")
    assert (await other.client.get(f"/staff/incidents/{report_id}")).status_code == 403
    assert (await other.post(f"/staff/incidents/{report_id}/steps", key="verify")).status_code == 403
    listing = await other.client.get("/staff/incidents")
    assert "塞上健身俱乐部（健身年卡）" not in listing.text
    assert (await other.client.get("/staff/incidents/99999")).status_code == 404
    registered = await register_gala(other, today, expect_page=False)
    assert httpx.URL(registered).params["flash"] == texts.GALA_ROUTED_ELSEWHERE, "the exposure is 赛罕区's to work"
