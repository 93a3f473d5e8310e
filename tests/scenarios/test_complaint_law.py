"""What a citizen is told about the procedure is what 市场监督管理投诉举报处理暂行办法 says: reports,
out-of-city businesses, joint complaints, and deadlines counted on the bureau's local day. The
articles and phrases come from the claims table, which is checked against the statute text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import texts
from bot.complaints import service
from bot.complaints.deadlines import Rule, WorkingCalendar, deadline
from bot.complaints.form import drafts_of
from bot.complaints.models import CaseRow
from bot.core.messages import UserRef
from bot.db import create_session_factory
from bot.staff import escalations
from bot.staff.models import EscalationRow
from bot.staff.reports import read_cases, summarize
from knowledge.base import DATA_DIR, load_statutes
from knowledge.check import load_cited_rules
from knowledge.claims import Claim, ClaimBook, check_claims, load_claims
from tests.conftest import PROJECT_ROOT
from tests.scenarios.chat import COMPLAINT_ANSWERS, Citizen

REFERENCE_STATUTES = PROJECT_ROOT.parent / "shared" / "reference" / "statutes"
MEASURES = "市场监督管理投诉举报处理暂行办法"
REPORT_ANSWERS = ("我要举报", "某某生鲜超市", "线下", "新城区中山西路某号",
                  "3月1日在超市冷柜看到在卖过期酸奶，生产日期是去年的。", "跳过", "实名", "同意", "李四",
                  "13912345678")


@pytest.fixture(scope="module")
def reference_library():
    if not REFERENCE_STATUTES.is_dir():
        pytest.skip("the reference statutes (../shared/reference/statutes) are not beside this clone")
    return load_statutes([], [REFERENCE_STATUTES])


def test_every_claim_quotes_its_article(reference_library):
    claims = ClaimBook(load_claims(DATA_DIR / "claims.toml"), reference_library)
    counts = {name: rule.articles for name, rule in load_cited_rules(DATA_DIR / "laws.toml").items()}
    problems, quoted = check_claims(claims, reference_library, counts)
    assert problems == []
    on_loaded_laws = [c for c in claims if reference_library.resolve(c.law) is not None]
    assert quoted == len(on_loaded_laws) and quoted >= 15


def test_a_claim_the_article_does_not_make_is_caught(reference_library):
    wrong = Claim("x", MEASURES, 23, "举报人实名举报的，应当在五个工作日内告知", "（{citation}）")
    problems, quoted = check_claims(ClaimBook([wrong], reference_library), reference_library, {})
    assert quoted == 0 and "does not say" in problems[0]


def test_a_claim_may_not_write_an_article_number_itself(tmp_path):
    path = Path(tmp_path / "claims.toml")
    claim = '[[claim]]\nkey = "k"\nlaw = "x"\narticle = 1\nquote = "q"\ntext = "见第十四条"\n'
    path.write_text(claim, encoding="utf-8")
    with pytest.raises(ValueError, match="citation"):
        load_claims(path)


async def test_a_report_is_told_the_report_rules_not_the_mediation_clue_rule(runtime):
    citizen = Citizen(runtime, "reporter")
    await citizen.answer_all(*REPORT_ANSWERS)
    screen = await citizen.say("确认")
    claims = runtime.services.knowledge.claims
    (case,) = await _cases(runtime)
    due = case.due_on.strftime("%Y年%m月%d日")
    assert claims.say("report_rules") in screen and "第三十一条" in claims.citation("report_rules")
    assert f"在{due}前核查线索并决定是否立案" in screen
    assert claims.say("reporter_notice") in screen and "作出是否立案决定之日起" in screen
    assert "第二十三条" not in screen and "第十四条" not in screen
    assert "被举报行为发生地" in case.routing_basis and "第二十五条" in case.routing_basis


async def test_an_anonymous_report_is_not_promised_a_notice(runtime):
    citizen = Citizen(runtime, "anon")
    await citizen.answer_all(*REPORT_ANSWERS[:6], "匿名")
    screen = await citizen.say("确认")
    assert runtime.services.knowledge.claims.say("reporter_notice") not in screen
    assert "立案" in screen


async def test_a_business_outside_the_city_gets_no_acceptance_promise_but_where_to_go(runtime):
    citizen, screen = await complaint_about_a_business_at(runtime, "far", "北京市朝阳区建国路某号")
    claims = runtime.services.knowledge.claims
    assert claims.say("no_jurisdiction") in screen and claims.say("competent_for_complaint") in screen
    assert "12315" in screen and "决定是否受理" not in screen
    assert "第十五条" in claims.citation("no_jurisdiction") and "第十二条" in claims.citation("competent_for_complaint")
    (case,) = await _cases(runtime)
    assert case.status == "referred" and "不属本市管辖" in case.routing_basis
    assert "不属本市管辖" in await citizen.say(case.ticket)


async def test_a_complaint_in_the_city_is_promised_the_article_14_date(runtime):
    citizen = Citizen(runtime, "near")
    await citizen.answer_all(*COMPLAINT_ANSWERS)
    screen = await citizen.say("确认")
    (case,) = await _cases(runtime)
    expected = runtime.services.knowledge.claims.say(
        "decide_acceptance", department=case_department(runtime, case), due=case.due_on.strftime("%Y年%m月%d日"))
    assert expected in screen and "第十四条" in expected


@pytest.mark.parametrize(
    "instant, local_day",
    [
        (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), date(2026, 3, 2)),   # Monday 07:30 in Hohhot, Sunday in UTC
        (datetime(2026, 3, 2, 15, 59, tzinfo=UTC), date(2026, 3, 2)),   # Monday 23:59
        (datetime(2026, 3, 2, 16, 0, tzinfo=UTC), date(2026, 3, 3)),    # exactly midnight: Tuesday
        (datetime(2026, 3, 2, 16, 1, tzinfo=UTC), date(2026, 3, 3)),    # Tuesday 00:01
        (datetime(2026, 9, 30, 16, 0, tzinfo=UTC), date(2026, 10, 1)),  # National Day at local midnight
        (datetime(2026, 9, 30, 15, 30, tzinfo=UTC), date(2026, 9, 30)),  # the evening before the holiday
    ],
)
async def test_deadlines_count_from_the_bureaus_local_day(runtime, instant, local_day):
    settings = runtime.services.complaints
    data = {"kind": "complaint", "business_name": "塞上健身俱乐部", "business_address": "赛罕区大学东街某号",
            "online": "no", "facts": "办卡后关门", "name": "张三", "phone": "+8613812345678"}
    async with create_session_factory(runtime.database).begin() as session:
        filed = await service.file(session, drafts_of(data, "塞上健身俱乐部"), user=UserRef("test", "clock"),
                                   now=instant, settings=settings)
    expected = deadline(settings.calendar, Rule.DECIDE_ACCEPTANCE, local_day).due
    assert filed.cases[0].due_on == expected


def test_monday_morning_in_hohhot_is_not_a_day_early():
    calendar = WorkingCalendar()
    assert deadline(calendar, Rule.DECIDE_ACCEPTANCE, date(2026, 3, 2)).due == date(2026, 3, 11)
    assert deadline(calendar, Rule.DECIDE_ACCEPTANCE, date(2026, 3, 1)).due == date(2026, 3, 10)


async def complaint_about_a_business_at(runtime, user_id: str, address: str) -> tuple[Citizen, str]:
    """The usual complaint with the business's address replaced; the citizen and the screen after 确认."""
    answers = list(COMPLAINT_ANSWERS)
    answers[COMPLAINT_ANSWERS.index("赛罕区大学东街某商场三楼")] = address
    citizen = Citizen(runtime, user_id)
    await citizen.answer_all(*answers)
    return citizen, await citizen.say("确认")


def case_department(runtime, case: CaseRow) -> str:
    return runtime.services.complaints.jurisdiction.by_code(case.department_code).name


async def _cases(runtime) -> list[CaseRow]:
    async with create_session_factory(runtime.database)() as session:
        return list((await session.scalars(select(CaseRow).order_by(CaseRow.id))).all())


async def test_a_case_walks_the_deadline_chain_and_each_late_step_is_escalated(runtime):
    """Acceptance (Art. 14) -> mediation (Art. 21(5)) -> notice of its end (Art. 21) -> closed; the sweep
    raises each step that passes its due day, and the dashboard's on-time rate is counted from the steps."""
    settings = runtime.services.complaints
    zone = settings.timezone
    filed_at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Hohhot
    data = {"kind": "complaint", "business_name": "塞上健身俱乐部", "business_address": "赛罕区大学东街某号",
            "online": "no", "facts": "办卡后关门", "name": "张三", "phone": "+8613812345678"}
    factory = create_session_factory(runtime.database)

    async def at(day: date, hour: int = 2):
        return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)

    async with factory.begin() as session:
        filed = await service.file(session, drafts_of(data, "塞上健身俱乐部"), user=UserRef("test", "chain"),
                                   now=filed_at, settings=settings)
    acceptance_due = filed.cases[0].due_on
    assert filed.cases[0].step == "acceptance" and acceptance_due == date(2026, 3, 11)

    async def sweep(day: date) -> list[str]:
        async with factory.begin() as session:
            await escalations.raise_new(session, await at(day), day)
        async with factory() as session:
            return sorted((await session.scalars(select(EscalationRow.reason))).all())

    async def move(status: str, day: date) -> CaseRow:
        async with factory.begin() as session:
            case = await session.scalar(select(CaseRow))
            await service.change_status(session, case, status, note="", actor="staff:1", now=await at(day),
                                        settings=settings)
            return case

    assert await sweep(acceptance_due) == [], "due today is not overdue"
    assert await sweep(date(2026, 3, 12)) == ["acceptance"]
    case = await move("accepted", date(2026, 3, 12))  # one day late
    mediation_due = deadline(settings.calendar, Rule.MEDIATION_ENDS, date(2026, 3, 12)).due
    assert (case.step, case.due_on) == ("mediation", mediation_due)
    citizen = Citizen(runtime, "chain")
    status = await citizen.say(case.ticket)
    assert "组织调解的期限到" in status and "第二十一条" in status
    later = date.fromordinal(mediation_due.toordinal() + 1)
    assert await sweep(later) == ["acceptance", "mediation"]
    case = await move("mediation_ended", later)
    assert case.step == "end_notice"
    case = await move("closed", later)
    assert case.step is None
    assert await sweep(date(2026, 12, 31)) == ["acceptance", "mediation"], "a closed case is not raised again"
    cases = await read_cases(factory, date(2026, 3, 1), date(2026, 3, 31), zone)
    summary = summarize(cases, today=date(2026, 12, 31))
    department = case.department_code
    assert summary.on_time == {(department, "acceptance"): (0, 1), (department, "end_notice"): (1, 0),
                               (department, "mediation"): (0, 1)}


async def test_a_business_name_of_only_punctuation_is_asked_again(runtime):
    citizen = Citizen(runtime, "punct")
    await citizen.answer_all(*COMPLAINT_ANSWERS[:5])
    assert texts.COMPLAINT_BUSINESS_INVALID in await citizen.say("！！！？")
    assert "网上买的" in await citizen.say("塞上健身俱乐部"), "a real name moves on to the next question"


async def test_an_address_with_no_county_is_promised_by_the_competent_bureau_not_a_guessed_one(runtime):
    _citizen, screen = await complaint_about_a_business_at(runtime, "nocounty", "呼和浩特市")
    (case,) = await _cases(runtime)
    assert case.department_code is None and case.status == "received"
    assert "有处理权限的市场监管部门将在" in screen and "第十四条" in screen


def test_a_paragraph_claim_is_checked_against_that_paragraph(reference_library):
    right = Claim("p", MEASURES, 12, "上级市场监督管理部门认为有必要的", "（{citation}）", paragraph=3)
    wrong = Claim("q", MEASURES, 12, "上级市场监督管理部门认为有必要的", "（{citation}）", paragraph=1)
    book = ClaimBook([right, wrong], reference_library)
    problems, quoted = check_claims(book, reference_library, {})
    assert quoted == 1 and problems == [f"claim q: 《{MEASURES}》第12条 does not say “{wrong.quote}”"]
    assert book.citation("p") == f"《{MEASURES}》第十二条第三款"


async def test_verification_of_a_report_may_be_extended_once_by_15_working_days(runtime):
    settings = runtime.services.complaints
    citizen = Citizen(runtime, "extend")
    await citizen.answer_all(*REPORT_ANSWERS)
    await citizen.say("确认")
    factory = create_session_factory(runtime.database)
    async with factory.begin() as session:
        case = await session.scalar(select(CaseRow))
        first_due = case.due_on
        received = case.received_at if case.received_at.tzinfo else case.received_at.replace(tzinfo=UTC)
        start = received.astimezone(settings.timezone).date()
        assert await service.extend_verification(session, case, note="需要抽样检验", actor="chief",
                                                 now=datetime.now(UTC), settings=settings)
        assert case.due_on == deadline(settings.calendar, Rule.VERIFY_CLUE_EXTENDED, start).due > first_due
        assert not await service.extend_verification(session, case, note="再延", actor="chief",
                                                     now=datetime.now(UTC), settings=settings), "once only"
        extended_due = case.due_on
    assert extended_due.strftime("%Y年%m月%d日") in await citizen.say(case.ticket)
