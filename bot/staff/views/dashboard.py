"""The dashboard and the case exports (CSV, and xlsx with the charts).

None of a report's work holds the event loop for long: the cases are read a page a transaction
(reports.read_cases), counted and written out in a thread, and drawn in the render process.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bot import texts
from bot.complaints import aftercare
from bot.staff import hotspots, platform_export, render_pool, reports
from bot.staff.views.base import StaffRequest, staff_view

MAX_RANGE_DAYS = 366
FIRST_DAY = date(2000, 1, 1)
"""No case is older; also keeps date arithmetic away from year 1 (0001-01-01 minus a year overflows)."""
MEDIA_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
"""The export kinds and their content types."""
EXPORT_ROLE = "supervisor"
"""Exports carry every case of a range: supervisors and admins only; others are not shown the buttons."""


@staff_view(role="viewer")
async def dashboard(call: StaffRequest) -> Response:
    start, end = date_range(call.request, call.today)
    cases = await reports.read_cases(call.sessions, start, end, call.zone)
    summary = await asyncio.to_thread(reports.summarize, cases, today=call.today)
    names = department_names(call)
    async with call.sessions() as session:
        spots = await hotspots.find(session, call.today, call.zone, call.services.knowledge.fields.labels)
        rated = await aftercare.satisfaction(session)
    try:
        charts = await render_pool.chart_svgs(summary, names)
    except render_pool.RenderFailed:
        return HTMLResponse(texts.REPORT_RENDER_FAILED, status_code=503)
    return call.render("dashboard.html", summary=summary, charts=charts, can_export=call.staff.can(EXPORT_ROLE),
                       start=start.isoformat(), end=end.isoformat(), department_names=names, hotspots=spots,
                       rated=rated, can_warn=call.staff.can("supervisor"))


@staff_view(role=EXPORT_ROLE)
async def export(call: StaffRequest) -> Response:
    """The cases of a range as CSV or xlsx; the audit log records the export once the file exists."""
    kind = call.request.path_params["kind"]
    if kind not in MEDIA_TYPES:
        return HTMLResponse(texts.NOT_FOUND, status_code=404)
    start, end = date_range(call.request, call.today)
    cases = await reports.read_cases(call.sessions, start, end, call.zone)
    try:
        content = await (asyncio.to_thread(csv_file, cases) if kind == "csv" else xlsx_file(call, cases))
    except render_pool.RenderFailed:
        return HTMLResponse(texts.REPORT_RENDER_FAILED, status_code=503)
    async with call.sessions.begin() as session:
        await call.audit(session, "export", f"cases:{start}..{end}", {"format": kind})
    headers = {"content-disposition": f'attachment; filename="weiquan-{start}-{end}.{kind}"'}
    return Response(content, media_type=MEDIA_TYPES[kind], headers=headers)


@staff_view(role=EXPORT_ROLE)
async def export_12315(call: StaffRequest) -> Response:
    """The cases of a range in the national 12315 platform's field order, for staff to register there."""
    start, end = date_range(call.request, call.today)
    names = {"departments": department_names(call), "fields": call.services.knowledge.fields.labels}
    async with call.sessions() as session:
        rows = await platform_export.platform_rows(session, start, end, call.zone, call.staff, names)
    try:
        content = await render_pool.platform_xlsx(rows)
    except render_pool.RenderFailed:
        return HTMLResponse(texts.REPORT_RENDER_FAILED, status_code=503)
    async with call.sessions.begin() as session:
        await call.audit(session, "export_12315", f"cases:{start}..{end}", {"rows": len(rows)})
    headers = {"content-disposition": f'attachment; filename="weiquan-12315-{start}-{end}.xlsx"'}
    return Response(content, media_type=MEDIA_TYPES["xlsx"], headers=headers)


def csv_file(cases: reports.Cases) -> bytes:
    """The CSV export, encoded so that Excel reads it (CPU-bound: runs in a thread)."""
    return reports.export_csv(reports.export_rows(cases)).encode("utf-8-sig")


async def xlsx_file(call: StaffRequest, cases: reports.Cases) -> bytes:
    """The xlsx export: rows and summary made in a thread, the workbook in the render process."""
    rows, summary = await asyncio.to_thread(_rows_and_summary, cases, call.today)
    return await render_pool.export_xlsx(rows, summary, department_names(call))


def _rows_and_summary(cases: reports.Cases, today: date) -> tuple[list[dict[str, object]], reports.Summary]:
    return reports.export_rows(cases), reports.summarize(cases, today=today)


def department_names(call: StaffRequest) -> dict[str, str]:
    return {d.code: d.name for d in call.services.complaints.jurisdiction.departments}


def date_range(request: Request, today: date) -> tuple[date, date]:
    """The `start` and `end` days asked for (the last 30 days when missing or malformed), in order, ending
    today at the latest and spanning at most MAX_RANGE_DAYS: a report's work is bounded."""
    try:
        start = date.fromisoformat(request.query_params.get("start", ""))
    except ValueError:
        start = today - timedelta(days=29)
    try:
        end = date.fromisoformat(request.query_params.get("end", ""))
    except ValueError:
        end = today
    start, end = sorted((min(max(start, FIRST_DAY), today), min(max(end, FIRST_DAY), today)))
    return max(start, end - timedelta(days=MAX_RANGE_DAYS - 1)), end


ROUTES = [
    Route("/staff/dashboard", dashboard, methods=["GET"]),
    Route("/staff/export-12315.xlsx", export_12315, methods=["GET"]),
    Route("/staff/export.{kind:str}", export, methods=["GET"]),
]
