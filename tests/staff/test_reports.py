"""Campaign reports on SQLite and PostgreSQL: exact counts, Chinese charts, exports without identities."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from matplotlib.text import Text
from openpyxl import load_workbook

from bot.complaints.models import CaseGroupRow, CasePartyRow, CaseRow, CaseStepRow
from bot.db import create_session_factory
from bot.staff import charts, reports
from bot.staff.charts import Chart, chart_svgs
from bot.staff.reports import Summary, export_csv, export_rows, read_cases, summarize
from bot.staff.xlsx_export import export_xlsx
from bot.texts import REPORT_COLUMNS as COLUMNS

START, END, TODAY = date(2026, 3, 2), date(2026, 3, 6), date(2026, 3, 10)
ZONE = ZoneInfo("Asia/Shanghai")
NAME, PHONE, HOME = "王小明", "+8613900001111", "新城区某某小区8号楼"
PARTY_DATA = (NAME, PHONE, PHONE.removeprefix("+86"), HOME, "wx-openid-secret")
TITLES = {"by_day": "每日登记案件数", "by_status": "案件状态分布", "by_department": "各承办单位案件数",
          "hotspots": "案件最多的商家", "by_field": "各消费领域案件数"}


def at(day: int, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    """A moment on the bureau's clock, stored in UTC as the app stores it: reports count local days."""
    return datetime(2026, 3, day, hour, minute, second, tzinfo=ZONE).astimezone(UTC)


def case(ticket: str, received_at: datetime, due_on: date, **fields) -> CaseRow:
    values = {"kind": "complaint", "status": "received", "department_code": "xincheng", "demand": "退款",
              "business_name": "阳光健身房", "business_key": "阳光健身", "group_id": None, **fields}
    if values["status"] == "received":  # waiting for the first decision: the first step of the chain runs
        values["step"] = "verification" if values["kind"] == "report" else "acceptance"
    return CaseRow(ticket=ticket, channel="wechat", external_id="wx-openid-secret", received_at=received_at,
                   due_on=due_on, **values)


@pytest.fixture
async def sessions(runtime):
    """A session factory on a database holding the hand-made campaign below."""
    factory = create_session_factory(runtime.database)
    async with factory() as session, session.begin():
        gym, market = CaseGroupRow(business_key="阳光健身", created_at=at(2)), CaseGroupRow(
            business_key="好再来超市", created_at=at(6))
        session.add_all([gym, market])
        await session.flush()
        first = case("T-0001", at(2, 9), date(2026, 3, 10), group_id=gym.id, amount=Decimal("1999.00"))
        session.add_all([
            case("T-0000", at(1, 23, 59, 59), date(2026, 3, 1)),  # the evening before the range
            first,
            case("T-0002", at(2, 15), date(2026, 3, 9), business_name="阳光健身房有限公司", group_id=gym.id,
                 due_provisional=True),
            case("T-0003", at(3), date(2026, 3, 5), status="accepted", department_code="huimin", demand="退货",
                 group_id=gym.id),
            # 3 March: no cases.
            case("R-0004", at(5), date(2026, 3, 16), kind="report", department_code=None, demand="",
                 business_name="好再来超市", business_key="好再来超市"),
            case("T-0005", at(6, 10), date(2026, 3, 17), department_code="saihan", demand="维修",
                 business_name="小李修车", business_key="小李修车"),
            case("T-0006", at(6, 23, 59, 59), date(2026, 3, 17), status="closed", department_code="saihan",
                 demand="赔偿", business_name="好再来超市", business_key="好再来超市", group_id=market.id),
            case("T-0007", at(7, 0), date(2026, 3, 8), business_name="好再来超市", business_key="好再来超市",
                 group_id=market.id),  # the first second after the range
        ])
        await session.flush()
        session.add(CasePartyRow(case_id=first.id, role="complainant", name=NAME, phone=PHONE, address=HOME))
    return factory


async def summary_of(sessions, start: date = START, end: date = END) -> Summary:
    return summarize(await read_cases(sessions, start, end, ZONE), today=TODAY)


@pytest.fixture
def department_names(config) -> dict[str, str]:
    return {department.code: department.name for department in config.complaints.departments}


@pytest.fixture
async def report(sessions, department_names):
    """Everything a campaign report is made of, for the range 2 to 6 March."""
    cases = await read_cases(sessions, START, END, ZONE)
    summary = summarize(cases, today=TODAY)
    charts = chart_svgs(summary, department_names)
    return summary, export_rows(cases), charts


async def test_the_summary_counts_every_field(report):
    summary, _, _ = report
    assert summary == Summary(
        start=START,
        end=END,
        total=6,
        by_day=[(date(2026, 3, 2), 2), (date(2026, 3, 3), 1), (date(2026, 3, 4), 0), (date(2026, 3, 5), 1),
                (date(2026, 3, 6), 2)],
        by_kind={"complaint": 5, "report": 1},
        by_status={"received": 4, "accepted": 1, "closed": 1},
        by_department={"xincheng": 2, "saihan": 2, "huimin": 1, "triage": 1},
        by_demand={"退款": 2, "未填": 1, "维修": 1, "赔偿": 1, "退货": 1},
        by_field={"其他": 6},
        hotspots=[("阳光健身房", 3), ("好再来超市", 2), ("小李修车", 1)],
        due_this_week=2,  # T-0001 due today and R-0004 due today + 6; T-0005 (today + 7) is not
        overdue=1,  # T-0002; T-0003 was due earlier but is already accepted
        groups=2,
        on_time={},
    )


async def test_hotspots_are_the_ten_busiest_businesses(runtime):
    factory = create_session_factory(runtime.database)
    async with factory() as session, session.begin():
        session.add_all(case(f"H-{shop:02}-{n:02}", at(4), date(2026, 3, 20), business_name=f"商家{shop:02}",
                             business_key=f"商家{shop:02}") for shop in range(12) for n in range(shop + 1))
    summary = await summary_of(factory)
    assert summary.hotspots == [(f"商家{shop:02}", shop + 1) for shop in range(11, 1, -1)]


async def test_an_empty_range_still_has_its_days_and_charts(runtime, department_names):
    factory = create_session_factory(runtime.database)
    summary = await summary_of(factory, START, START)
    with pytest.raises(ValueError):
        await read_cases(factory, END, START, ZONE)
    assert (summary.total, summary.by_day, summary.hotspots, summary.groups) == (0, [(START, 0)], [], 0)
    charts = chart_svgs(summary, department_names)
    assert set(charts) == set(TITLES)
    assert load_workbook(io.BytesIO(export_xlsx([], summary, charts))).sheetnames == ["汇总", "案件明细"]


async def test_cases_are_read_in_pages_each_once_in_order_with_their_steps(runtime, monkeypatch):
    """Pages end inside a run of cases received in the same second: none is read twice or skipped."""
    monkeypatch.setattr(reports, "PAGE_ROWS", 3)
    factory = create_session_factory(runtime.database)
    async with factory() as session, session.begin():
        added = [case(f"P-{n:04}", at(3 + n // 4), date(2026, 3, 9)) for n in range(10)]
        session.add_all(added)
        await session.flush()
        session.add_all(CaseStepRow(case_id=row.id, step="acceptance", started_on=date(2026, 3, 2),
                                    due_on=date(2026, 3, 9), done_on=date(2026, 3, 8) if n % 2 else None)
                        for n, row in enumerate(added))
    cases = await read_cases(factory, START, END, ZONE)
    assert [row["编号"] for row in export_rows(cases)] == [f"P-{n:04}" for n in range(10)]
    assert summarize(cases, today=TODAY).on_time == {("xincheng", "acceptance"): (5, 5)}


async def test_each_chart_is_an_svg_document_with_a_chinese_title(report):
    _, _, charts = report
    assert set(charts) == set(TITLES)
    for key, svg in charts.items():
        assert ET.fromstring(svg.encode("utf-8")).tag == "{http://www.w3.org/2000/svg}svg"
        assert TITLES[key] in svg
        assert not any(secret in svg for secret in PARTY_DATA)
    assert "新城区市场监督管理局" in charts["by_department"]
    assert "待确定承办单位" in charts["by_department"]
    assert "已登记，等待决定是否受理" in charts["by_status"]


async def test_export_rows_are_ordered_and_hold_no_identity(report):
    _, rows, _ = report
    assert [row["编号"] for row in rows] == ["T-0001", "T-0002", "T-0003", "R-0004", "T-0005", "T-0006"]
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0] == {
        "编号": "T-0001", "类型": "投诉", "状态": "已登记，等待决定是否受理", "承办单位代码": "xincheng",
        "商家": "阳光健身房", "诉求": "退款", "消费领域": "其他", "金额": Decimal("1999.00"),
        "登记时间": datetime(2026, 3, 2, 9, 0),
        "受理期限": date(2026, 3, 10), "期限暂定": "否", "群体投诉": rows[0]["群体投诉"],
    }
    assert rows[0]["群体投诉"].startswith("是") and rows[1]["期限暂定"] == "是"
    assert (rows[3]["类型"], rows[3]["承办单位代码"], rows[3]["群体投诉"]) == ("举报", "triage", "否")


async def test_the_csv_has_a_header_and_one_line_per_case(report):
    _, rows, _ = report
    text = export_csv(rows)
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == list(COLUMNS)
    assert len(lines) == 1 + len(rows) == 7
    assert lines[1][:9] == ["T-0001", "投诉", "已登记，等待决定是否受理", "xincheng", "阳光健身房", "退款", "其他",
                            "1999.00", "2026-03-02 09:00:00"]
    assert not any(secret in text for secret in PARTY_DATA)
    assert text.encode("utf-8-sig").startswith(b"\xef\xbb\xbf")


def test_citizen_text_never_becomes_a_spreadsheet_formula():
    row = {"编号": "T-0009", "商家": "=HYPERLINK(\"http://x\")", "诉求": "+1"}
    line = list(csv.reader(io.StringIO(export_csv([row]))))[1]
    assert (line[4], line[5]) == ("'=HYPERLINK(\"http://x\")", "'+1")


async def test_the_workbook_has_the_summary_with_charts_and_the_case_sheet(report):
    summary, rows, charts = report
    rows[0]["商家"] = "=1+1"
    content = export_xlsx(rows, summary, charts)
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["汇总", "案件明细"]
    cases = workbook["案件明细"]
    assert [cell.value for cell in cases[1]] == list(COLUMNS)
    assert all(cell.font.bold for cell in cases[1])
    assert cases.freeze_panes == "A2"
    assert cases.max_row == 1 + len(rows)
    assert (cases["E2"].value, cases["E2"].data_type) == ("=1+1", "s")
    assert cases.column_dimensions["E"].width > cases.column_dimensions["B"].width
    overview = {row[0]: row[1:] for row in workbook["汇总"].iter_rows(values_only=True) if row[0]}
    assert overview["案件总数"][0] == 6
    assert overview["已超期的待处理案件"][0] == 1
    assert overview["7日内到期的待处理案件"][0] == 2
    assert overview["群体投诉组数"][0] == 2
    assert overview["新城区市场监督管理局"][0] == 2 and overview["待确定承办单位"][0] == 1
    assert overview["阳光健身房"][0] == 3 and overview["未填"][0] == 1
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        images = [name for name in archive.namelist() if name.startswith("xl/media/")]
        everything = "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    assert len(images) == len(charts)
    assert not any(secret in everything for secret in PARTY_DATA)


async def test_a_business_name_with_math_markup_is_drawn_as_plain_text(runtime, department_names):
    """`$\\foo{x}$商店` typed by a citizen made matplotlib fail, and the dashboard and export with it."""
    factory = create_session_factory(runtime.database)
    async with factory() as session, session.begin():
        session.add(case("M-0001", at(4), date(2026, 3, 20), business_name="$\\foo{x}$商店", business_key="商店"))
    summary = await summary_of(factory)
    charts = chart_svgs(summary, department_names)
    assert "<svg" in charts["hotspots"]
    assert load_workbook(io.BytesIO(export_xlsx([], summary, charts))).sheetnames == ["汇总", "案件明细"]


def test_every_chart_text_is_readable_at_the_size_the_console_shows_it():
    chart = Chart("标题", ("a", "b"), ("一个很长的部门名称用来测试", "乙"), (3, 5), horizontal=True)
    sizes = [text.get_fontsize() for text in charts._figure(chart).findobj(Text) if text.get_text()]
    assert sizes and min(sizes) >= charts.TEXT_POINTS >= 11
