"""Major incidents in the console: the reports and their checklists, reporting up level by level, gala
exposures registered, the watch list, and the report a superior bureau receives (xlsx).

Caseworkers read; supervisors register, tick steps off and export. A county's people see and act on their
county's incidents only, the city bureau on all (the department check of `@staff_view`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bot import texts
from bot.complaints.jurisdiction import Business
from bot.complaints.models import CaseRow, WatchedBusinessRow
from bot.db import as_utc
from bot.incidents import report as paper
from bot.incidents import service
from bot.incidents.models import IncidentReportRow
from bot.staff import render_pool
from bot.staff.views.base import NOT_FOUND, StaffRequest, back, staff_view
from bot.staff.views.dashboard import department_names

PAGE = "/staff/incidents"


async def report_department(session: AsyncSession, request: Request):
    report = await session.get(IncidentReportRow, int(request.path_params["report_id"]))
    return NOT_FOUND if report is None else report.department_code


async def watch_department(session: AsyncSession, request: Request):
    watch = await session.get(WatchedBusinessRow, int(request.path_params["watch_id"]))
    if watch is None:
        return NOT_FOUND
    return await session.scalar(select(CaseRow.department_code).where(CaseRow.id == watch.case_id))


@staff_view(role="agent")
async def incidents_page(call: StaffRequest) -> Response:
    async with call.sessions() as session:
        listed = await service.reports(session, call.staff.county, every_department=call.staff.county is None)
        watched = await service.watch_list(session)
    return call.render("incidents.html", reports=listed, watched=watched, today=call.today)


@staff_view(role="supervisor", post=True)
async def register_gala(call: StaffRequest) -> Response:
    name, product, exposed = call.field("business_name", 200), call.field("product", 200), call.field("exposed", 2000)
    try:
        aired_on = date.fromisoformat(call.field("aired_on", 10))
    except ValueError:
        aired_on = None
    if not name or not product or not exposed or aired_on is None or aired_on > call.today:
        return back(PAGE, texts.GALA_INVALID)
    knowledge = call.services.knowledge
    exposure = service.Exposure(
        business=Business(name=name, address=call.field("business_address", 300)),
        business_name_key=knowledge.normalizer.clean(name), product=product, exposed=exposed, aired_on=aired_on,
        consumer_field=knowledge.fields.suggest(knowledge.normalizer.clean(f"{name} {product} {exposed}")))
    async with call.sessions.begin() as session:
        incident = await service.register_gala(session, exposure, plan=call.services.staff.incidents,
                                               settings=call.services.complaints, actor=call.staff.username,
                                               now=call.at)
        await call.audit(session, "gala_register", f"incident:{incident.report.id}", {"case": incident.case.ticket})
    if not call.staff.covers(incident.report.department_code):  # routed to another county: theirs to work
        return back(PAGE, texts.GALA_ROUTED_ELSEWHERE)
    return back(f"{PAGE}/{incident.report.id}")


@staff_view(role="agent", department=report_department)
async def incident_page(call: StaffRequest) -> Response:
    async with call.sessions() as session:
        incident = await service.incident(session, int(call.request.path_params["report_id"]))
    states = {step.key: paper.step_state(step, call.at) for step in incident.steps}
    hours = int((call.at - as_utc(incident.report.opened_at)).total_seconds() // 3600)
    return call.render("incident.html", incident=incident, states=states, hours=hours,
                       unit=paper.reporting_unit(incident, call.services.staff.incidents, department_names(call)))


@staff_view(role="supervisor", post=True, department=report_department)
async def complete_step(call: StaffRequest) -> Response:
    report_id = int(call.request.path_params["report_id"])
    key, note = call.field("key", 40), call.field("note", 1000)
    async with call.sessions.begin() as session:
        problem = await service.complete_step(session, report_id, key, actor=call.staff.username, note=note,
                                              now=call.at)
        if problem is None:
            await call.audit(session, "incident_step", f"incident:{report_id}", {"step": key})
    return back(f"{PAGE}/{report_id}", problem or texts.INCIDENT_STEP_SAVED)


@staff_view(role="supervisor", department=report_department)
async def export_report(call: StaffRequest) -> Response:
    """The report as the superior bureau receives it; the audit log records the export once the file exists."""
    report_id = int(call.request.path_params["report_id"])
    plan, names = call.services.staff.incidents, department_names(call)
    async with call.sessions() as session:
        incident = await service.incident(session, report_id)
        tickets = [] if incident.report.group_id is None else list((await session.scalars(
            select(CaseRow.ticket).where(CaseRow.group_id == incident.report.group_id).order_by(CaseRow.id))).all())
    form = paper.form_lines(incident, plan, names, group_tickets=tickets, contact=call.staff.display_name,
                            zone=call.zone, now=call.at)
    try:
        content = await render_pool.incident_xlsx(form, paper.step_lines(incident, call.zone, call.at))
    except render_pool.RenderFailed:
        return HTMLResponse(texts.REPORT_RENDER_FAILED, status_code=503)
    async with call.sessions.begin() as session:
        await call.audit(session, "incident_export", f"incident:{report_id}", {})
    headers = {"content-disposition": f'attachment; filename="incident-{report_id}.xlsx"'}
    return Response(content, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers=headers)


@staff_view(role="supervisor", post=True, department=watch_department)
async def lift_watch(call: StaffRequest) -> Response:
    watch_id = int(call.request.path_params["watch_id"])
    async with call.sessions.begin() as session:
        if await service.lift_watch(session, watch_id, actor=call.staff.username, now=call.at):
            await call.audit(session, "watch_lift", f"watch:{watch_id}", {})
    return back(PAGE, texts.WATCH_LIFTED)


ROUTES = [
    Route(PAGE, incidents_page, methods=["GET"]),
    Route(f"{PAGE}/gala", register_gala, methods=["POST"]),
    Route(PAGE + "/{report_id:int}", incident_page, methods=["GET"]),
    Route(PAGE + "/{report_id:int}/steps", complete_step, methods=["POST"]),
    Route(PAGE + "/{report_id:int}/report.xlsx", export_report, methods=["GET"]),
    Route("/staff/watch/{watch_id:int}/lift", lift_watch, methods=["POST"]),
]
