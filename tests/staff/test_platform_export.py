"""The hand-over to the national 12315 platform, on SQLite and PostgreSQL: one row per case in the
platform's column order, no identity for an anonymous report, and the platform's number shown back."""

from __future__ import annotations

import io

import httpx
import openpyxl
from sqlalchemy import select

from bot import texts
from bot.app import create_app
from bot.complaints.models import CaseRow
from tests.scenarios.chat import COMPLAINT_ANSWERS, Citizen
from tests.staff.console import StaffBrowser, create_staff

REPORT = ("我要举报", "惠民超市", "线下", "新城区海拉尔东路", "货架上在卖过期三个月的牛奶。", "跳过")


async def test_the_12315_export_and_the_platform_number(config, runtime):
    complainant = Citizen(runtime, "filer")
    await complainant.answer_all(*COMPLAINT_ANSWERS, "确认")
    await Citizen(runtime, "named").answer_all(*REPORT, "实名", "同意", "李四", "13700001111", "确认")
    await Citizen(runtime, "hidden").answer_all(*REPORT, "匿名", "确认")
    await create_staff(runtime, "chief", "supervisor")
    app = create_app(config, runtime=runtime)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        chief = StaffBrowser(client)
        await chief.log_in("chief")
        exported = await client.get("/staff/export-12315.xlsx")
        assert exported.status_code == 200, exported.text
        sheet = openpyxl.load_workbook(io.BytesIO(exported.content))[texts.PLATFORM_SHEET]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        async with runtime.sessions() as session:
            complaint = await session.scalar(select(CaseRow).where(CaseRow.kind == "complaint"))
        wrong = await chief.post(f"/staff/cases/{complaint.ticket}/platform-number", platform_number="12 315!")
        assert "flash" in wrong.headers["location"]
        saved = await chief.post(f"/staff/cases/{complaint.ticket}/platform-number",
                                 platform_number="1215000020261207001")
        assert saved.status_code == 303
    assert tuple(rows[0]) == texts.PLATFORM_COLUMNS and len(rows) == 4
    by_kind = {(row[1], bool(row[2])): row for row in rows[1:]}
    complaint_row, named_row, hidden_row = by_kind[("投诉", True)], by_kind[("举报", True)], by_kind[("举报", False)]
    assert complaint_row[2:5] == ["张三丰", "+8613812345678", "呼和浩特市赛罕区某小区3号楼"]
    assert complaint_row[5] == "塞上健身俱乐部" and complaint_row[10] == "退款"
    assert named_row[2] == "李四"
    assert hidden_row[2:5] == [None, None, None], "an anonymous report carries no identity"
    status = await complainant.say("查进度")
    assert "全国12315平台编号：1215000020261207001" in status
