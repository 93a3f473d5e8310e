"""The dashboard and the case exports (CSV, and xlsx with the charts)."""

from __future__ import annotations

from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bot import texts
from bot.staff import reports
from bot.staff.views.base import StaffRequest, staff_view

EXPORT_KINDS = ("csv", "xlsx")
MAX_RANGE_DAYS = 366
FIRST_DAY = date(2000, 1, 1)
"""No case is older; also keeps date arithmetic away from year 1 (0001-01-01 minus a year overflows)."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@staff_view(role="viewer")
async def dashboard(call: StaffRequest) -> Response:
    start, end = date_range(call.request, call.today)
    async with call.sessions() as session:
        summary = await reports.summarize(session, start, end, today=call.today, zone=call.zone)
    names = {d.code: d.name for d in call.services.complaints.jurisdiction.departments}
    # Imported here: keeps matplotlib out of every worker's memory until a staff member asks for a chart.
    from bot.staff import charts  # noqa: PLC0415

    return call.render("dashboard.html", summary=summary, charts=charts.chart_svgs(summary, names),
                       start=start.isoformat(), end=end.isoformat(), department_names=names)


@staff_view(role="supervisor")
async def export(call: StaffRequest) -> Response:
    kind = call.request.path_params["kind"]
    if kind not in EXPORT_KINDS:
        return HTMLResponse(texts.NOT_FOUND, status_code=404)
    start, end = date_range(call.request, call.today)
    async with call.sessions.begin() as session:
        rows = await reports.export_rows(session, start, end, call.zone)
        summary = await reports.summarize(session, start, end, today=call.today, zone=call.zone)
        await call.audit(session, "export", f"cases:{start}..{end}", {"format": kind})
    headers = {"content-disposition": f'attachment; filename="weiquan-{start}-{end}.{kind}"'}
    if kind == "csv":
        return Response(reports.export_csv(rows).encode("utf-8-sig"), media_type="text/csv", headers=headers)
    # Imported here: keeps matplotlib and openpyxl out of every worker's memory until someone exports xlsx.
    from bot.staff import charts, xlsx_export  # noqa: PLC0415

    names = {d.code: d.name for d in call.services.complaints.jurisdiction.departments}
    svgs = charts.chart_svgs(summary, names)
    return Response(xlsx_export.export_xlsx(rows, summary, svgs), headers=headers, media_type=XLSX)


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
    Route("/staff/export.{kind:str}", export, methods=["GET"]),
]
