"""What a citizen is told about the procedure is what 市场监督管理投诉举报处理暂行办法 says: reports,
out-of-city businesses, joint complaints, and deadlines counted on the bureau's local day. The
articles and phrases come from the claims table, which is checked against the statute text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.complaints import service
from bot.complaints.deadlines import Rule, deadline
from bot.complaints.models import CaseRow
from bot.core.messages import UserRef
from bot.db import create_session_factory
from knowledge.base import DATA_DIR, load_statutes
from knowledge.check import load_cited_rules
from knowledge.claims import Claim, ClaimBook, check_claims, load_claims
from tests.conftest import PROJECT_ROOT
from tests.scenarios.chat import COMPLAINT_ANSWERS, Citizen

REFERENCE_STATUTES = PROJECT_ROOT.parent / "shared" / "reference" / "statutes"
MEASURES = "市场监督管理投诉举报处理暂行办法"
REPORT_ANSWERS = ("我要举报", "某某生鲜超市", "线下", "新城区中山西路某号",
                  "3月1日在超市冷柜看到在卖过期酸奶，生产日期是去年的。", "跳过", "实名", "李四", "13912345678")


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
    answers = list(COMPLAINT_ANSWERS)
    answers[7] = "北京市朝阳区建国路某号"
    citizen = Citizen(runtime, "far")
    await citizen.answer_all(*answers)
    screen = await citizen.say("确认")
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
        filed = await service.file(session, data=data, user=UserRef("test", "clock"), now=instant,
                                   settings=settings, cleaned_name="塞上健身俱乐部")
    expected = deadline(settings.calendar, Rule.DECIDE_ACCEPTANCE, local_day).due
    assert filed.cases[0].due_on == expected


def test_monday_morning_in_hohhot_is_not_a_day_early():
    from bot.complaints.deadlines import WorkingCalendar

    calendar = WorkingCalendar()
    assert deadline(calendar, Rule.DECIDE_ACCEPTANCE, date(2026, 3, 2)).due == date(2026, 3, 11)
    assert deadline(calendar, Rule.DECIDE_ACCEPTANCE, date(2026, 3, 1)).due == date(2026, 3, 10)


def case_department(runtime, case: CaseRow) -> str:
    return runtime.services.complaints.jurisdiction.by_code(case.department_code).name


async def _cases(runtime) -> list[CaseRow]:
    async with create_session_factory(runtime.database)() as session:
        return list((await session.scalars(select(CaseRow).order_by(CaseRow.id))).all())
