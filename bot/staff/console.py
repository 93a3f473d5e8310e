"""The staff console under /staff: login, the live hand-off inbox, cases, dashboard, export, duty.

Every page checks the session and the role; every form post checks the session's CSRF token;
every case view and change is written to the audit log.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot import texts
from bot.complaints import service
from bot.complaints.models import CaseEventRow, CasePartyRow, CaseRow
from bot.complaints.numbering import normalize_ticket
from bot.core.messages import Reply, UserRef
from bot.core.tables import OutboxRow
from bot.db import as_utc
from bot.services import Services
from bot.staff import auth, duty, escalations, queue, reports, warnings
from bot.staff.auth import AuthError, StaffUser
from bot.staff.models import DutyChangeRow, DutySurgeRow, EscalationRow, HandoffRow, StaffRow
from knowledge.claims import ClaimBook

COOKIE = "weiquan_staff"
LOGIN_COOKIE = "weiquan_login"
CASE_LIMIT = 200
STATUS_ACTIONS = {
    "accept": "accepted", "not_accept": "not_accepted", "mediate": "mediating", "mediated": "mediated",
    "mediation_ended": "mediation_ended", "verify": "verifying", "file": "filed", "not_file": "not_filed",
    "close": "closed",
}
AGENT_ACTIONS = ("message", "contact")
KIND_ACTIONS = {
    "complaint": ["accept", "not_accept", "mediate", "mediated", "mediation_ended", "close"],
    "report": ["verify", "extend", "file", "not_file", "close"],
}


@dataclass(frozen=True)
class Signed:
    """The staff member behind a request and the CSRF token of their session."""

    staff: StaffUser
    csrf: str


def console_routes(sessions: Callable[[], async_sessionmaker], services: Callable[[], Services]) -> list[Route]:
    """The console's routes; `sessions` and `services` return the running ones."""
    pages = Environment(loader=PackageLoader("bot.staff", "templates"), autoescape=select_autoescape())

    def _zone() -> tzinfo:
        return services().staff.timezone

    def _today() -> date:
        """Today on the bureau's clock ([app] timezone)."""
        return _now().astimezone(_zone()).date()

    pages.filters["local"] = lambda moment: as_utc(moment).astimezone(_zone())

    def render(name: str, signed: Signed | None, *, csrf: str = "", **context: Any) -> HTMLResponse:
        page = pages.get_template(name).render(
            t=texts, staff=signed.staff if signed else None, csrf=signed.csrf if signed else csrf, **context
        )
        return HTMLResponse(page)

    async def signed_in(request: Request, role: str) -> Signed | Response:
        async with sessions()() as session:
            found = await auth.session_user(session, request.cookies.get(COOKIE, ""), _now())
        if found is None:
            if request.url.path.startswith("/staff/api/"):
                return JSONResponse({"error": "login required"}, status_code=401)
            return RedirectResponse("/staff/login", status_code=303)
        staff, csrf = found
        if not staff.can(role):
            return HTMLResponse(texts.FORBIDDEN, status_code=403)
        return Signed(staff, csrf)

    async def posted(request: Request, role: str) -> tuple[Signed, Any] | Response:
        signed = await signed_in(request, role)
        if isinstance(signed, Response):
            return signed
        form = await request.form()
        if not auth.csrf_matches(signed.csrf, str(form.get("csrf", ""))):
            return HTMLResponse(texts.CSRF_FAILED, status_code=403)
        return signed, form

    async def login_page(request: Request) -> Response:
        token = secrets.token_urlsafe(24)  # double-submit: the form must echo this cookie
        response = render("login.html", None, csrf=token, error=request.query_params.get("error", ""))
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/staff")
        return response

    async def login(request: Request) -> Response:
        form = await request.form()
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not auth.csrf_matches(expected, str(form.get("csrf", ""))):
            return HTMLResponse(texts.CSRF_FAILED, status_code=403)
        async with sessions().begin() as session:  # a failed attempt is counted: commit it too
            try:
                token, _staff = await auth.log_in(session, str(form.get("username", "")),
                                                  str(form.get("password", "")), _now())
            except AuthError as refused:
                return RedirectResponse(f"/staff/login?error={refused}", status_code=303)
        response = RedirectResponse("/staff/", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="lax", path="/staff",
                            max_age=int(auth.SESSION_LIFETIME.total_seconds()))
        response.delete_cookie(LOGIN_COOKIE, path="/staff")
        return response

    async def logout(request: Request) -> Response:
        result = await posted(request, "viewer")
        if isinstance(result, Response):
            return result
        async with sessions().begin() as session:
            await auth.log_out(session, request.cookies.get(COOKIE, ""))
        response = RedirectResponse("/staff/login", status_code=303)
        response.delete_cookie(COOKIE, path="/staff")
        return response

    async def inbox(request: Request) -> Response:
        signed = await signed_in(request, "viewer")
        if isinstance(signed, Response):
            return signed
        return render("inbox.html", signed, flash=request.query_params.get("flash", ""))

    async def queue_json(request: Request) -> Response:
        signed = await signed_in(request, "viewer")
        if isinstance(signed, Response):
            return signed
        now = _now()
        async with sessions()() as session:
            waiting = await queue.waiting(session)
            mine = await queue.mine(session, signed.staff)
            raised = await escalations.visible_to(session, signed.staff)
            tickets = {c.id: c.ticket for c in (await session.scalars(
                select(CaseRow).where(CaseRow.id.in_([e.case_id for e in raised])))).all()}
        flagged = sum(1 for h in waiting if h.supervisor_notified_at) if signed.staff.can("supervisor") else 0
        return JSONResponse({
            "escalations": [{"id": e.id, "reason": e.reason, "level": e.level, "ticket": tickets.get(e.case_id)}
                            for e in raised],
            "waiting": [_handoff_json(h, now) for h in waiting],
            "mine": [_handoff_json(h, now) for h in mine],
            "unclaimed_too_long": flagged,
        })

    async def claim(request: Request) -> Response:
        result = await posted(request, "agent")
        if isinstance(result, Response):
            return result
        signed, _form = result
        handoff_id = int(request.path_params["handoff_id"])
        try:
            async with sessions().begin() as session:
                await queue.claim(session, handoff_id, signed.staff, _now(),
                                  max_open=services().staff.max_open_per_agent)
        except queue.QueueError as problem:
            return RedirectResponse(f"/staff/?flash={problem}", status_code=303)
        return RedirectResponse(f"/staff/handoffs/{handoff_id}", status_code=303)

    async def claim_escalation(request: Request) -> Response:
        result = await posted(request, "supervisor")
        if isinstance(result, Response):
            return result
        signed, _form = result
        escalation_id = int(request.path_params["escalation_id"])
        async with sessions().begin() as session:
            taken = await escalations.claim(session, escalation_id, signed.staff, _now())
            row = await session.get(EscalationRow, escalation_id)
            case = await session.get(CaseRow, row.case_id) if row else None
            await queue.audit(session, signed.staff, "claim", f"escalation:{escalation_id}", _now())
        if not taken or case is None:
            return RedirectResponse(f"/staff/?flash={texts.QUEUE_TAKEN}", status_code=303)
        return RedirectResponse(f"/staff/cases/{case.ticket}", status_code=303)

    async def handoff_page(request: Request) -> Response:
        signed = await signed_in(request, "viewer")
        if isinstance(signed, Response):
            return signed
        async with sessions().begin() as session:
            handoff = await session.get(HandoffRow, int(request.path_params["handoff_id"]))
            if handoff is None:
                return HTMLResponse(texts.NOT_FOUND, status_code=404)
            await queue.audit(session, signed.staff, "view", f"handoff:{handoff.id}", _now())
        return render("handoff.html", signed, handoff=handoff)

    async def handoff_messages(request: Request) -> Response:
        signed = await signed_in(request, "viewer")
        if isinstance(signed, Response):
            return signed
        after = request.query_params.get("after", "0")
        async with sessions()() as session:
            handoff = await session.get(HandoffRow, int(request.path_params["handoff_id"]))
            if handoff is None:
                return JSONResponse({"error": "not found"}, status_code=404)
            messages = await queue.transcript(session, handoff, int(after) if after.isdigit() else 0)
        return JSONResponse({"messages": [
            {"id": m.id, "sender": m.sender, "text": m.text,
             "at": as_utc(m.created_at).astimezone(_zone()).strftime("%H:%M:%S")}
            for m in messages
        ]})

    async def handoff_action(request: Request) -> Response:
        result = await posted(request, "agent")
        if isinstance(result, Response):
            return result
        signed, form = result
        handoff_id = int(request.path_params["handoff_id"])
        action = request.path_params["action"]
        try:
            async with sessions().begin() as session:
                handoff = await session.get(HandoffRow, handoff_id)
                if handoff is None or handoff.claimed_by != signed.staff.id or handoff.status != "active":
                    raise queue.QueueError(texts.QUEUE_NOT_YOURS)
                if action == "reply":
                    text = str(form.get("text", "")).strip()[:2000]
                    if text:
                        await queue.staff_reply(session, handoff, signed.staff, text, _now())
                else:
                    await queue.close(session, handoff, _now(), note=str(form.get("note", ""))[:500],
                                      staff=signed.staff)
        except queue.QueueError as problem:
            return RedirectResponse(f"/staff/?flash={problem}", status_code=303)
        target = f"/staff/handoffs/{handoff_id}" if action == "reply" else "/staff/"
        return RedirectResponse(target, status_code=303)

    async def case_list(request: Request) -> Response:
        signed = await signed_in(request, "viewer")
        if isinstance(signed, Response):
            return signed
        filters = {key: request.query_params.get(key, "") for key in
                   ("q", "status", "kind", "department", "demand", "due_within", "overdue", "group")}
        settings = services().complaints
        today = _today()
        async with sessions()() as session:
            cases = await _filtered_cases(session, filters, today, settings.calendar)
        return render("cases.html", signed, cases=cases, filters=filters, today=today,
                      departments=settings.jurisdiction.departments,
                      department_names={d.code: d.name for d in settings.jurisdiction.departments})

    async def case_page(request: Request) -> Response:
        signed = await signed_in(request, "viewer")
        if isinstance(signed, Response):
            return signed
        settings = services().complaints
        async with sessions().begin() as session:
            case = await service.find(session, request.path_params["ticket"])
            if case is None:
                return HTMLResponse(texts.NOT_FOUND, status_code=404)
            events = await service.history(session, case)
            colleagues = (await session.scalars(
                select(StaffRow.username).where(StaffRow.active.is_(True), StaffRow.role != "viewer")
                .order_by(StaffRow.username))).all()
            party = await _visible_party(session, case, signed.staff)
            undelivered = await service.undelivered_notices(session, case)
            await queue.audit(session, signed.staff, "view", f"case:{case.id}", _now(),
                              {"identity_shown": party is not None})
        return render("case.html", signed, case=case, events=events, party=party, colleagues=colleagues,
                      undelivered=undelivered,
                      actions=_actions_for(case, signed.staff, services().knowledge.claims),
                      departments=settings.jurisdiction.departments,
                      department_names={d.code: d.name for d in settings.jurisdiction.departments})

    async def case_action(request: Request) -> Response:
        result = await posted(request, "agent")
        if isinstance(result, Response):
            return result
        signed, form = result
        action = str(form.get("action", ""))
        note = str(form.get("note", "")).strip()[:1000]
        allowed = {key for key, _label in _actions_for(None, signed.staff, services().knowledge.claims)}
        if action not in allowed:
            return HTMLResponse(texts.FORBIDDEN, status_code=403)
        if action in ("not_accept", "extend") and not note:
            return RedirectResponse(f"/staff/cases/{request.path_params['ticket']}?flash={texts.REASON_REQUIRED}",
                                    status_code=303)
        now = _now()
        async with sessions().begin() as session:
            case = await service.find(session, request.path_params["ticket"])
            if case is None:
                return HTMLResponse(texts.NOT_FOUND, status_code=404)
            target = f"/staff/cases/{case.ticket}"
            assignee = str(form.get("assignee", ""))
            if assignee and await session.scalar(select(StaffRow.id).where(StaffRow.username == assignee)):
                case.assignee = assignee
                session.add(CaseEventRow(case_id=case.id, created_at=now, status=case.status,
                                         note=texts.ASSIGNED_PERSON.format(name=assignee),
                                         actor=signed.staff.username))
            department = str(form.get("department", ""))
            if department and services().complaints.jurisdiction.by_code(department):
                case.department_code = department
                case.responsible = services().complaints.jurisdiction.by_code(department).responsible
                session.add(CaseEventRow(case_id=case.id, created_at=now, status=case.status,
                                         note=texts.ASSIGNED.format(code=department), actor=signed.staff.username))
            if action in STATUS_ACTIONS:
                await service.change_status(session, case, STATUS_ACTIONS[action], note=note,
                                            actor=signed.staff.username, now=now, settings=services().complaints)
            elif action == "extend":
                await service.extend_verification(session, case, note=note, actor=signed.staff.username, now=now,
                                                  settings=services().complaints)
            elif action == "message" and note:
                reply = Reply(texts.BUREAU_MESSAGE.format(ticket=case.ticket, text=note))
                session.add(OutboxRow(channel=case.channel, external_id=case.external_id,
                                      replies=[reply.to_dict()], created_at=now, attempts=0))
            elif action == "contact":
                handoff = await queue.open_handoff(session, UserRef(case.channel, case.external_id), "staff", now,
                                                   case_id=case.id)
                await session.flush()
                target = f"/staff/handoffs/{handoff.id}"
                await queue.claim(session, handoff.id, signed.staff, now, max_open=10**6)
            await queue.audit(session, signed.staff, action, f"case:{case.id}", now,
                              {"note": note, "department": department, "assignee": assignee})
        return RedirectResponse(target, status_code=303)

    async def dashboard(request: Request) -> Response:
        signed = await signed_in(request, "viewer")
        if isinstance(signed, Response):
            return signed
        start, end = _range(request, _today())
        settings = services().complaints
        async with sessions()() as session:
            summary = await reports.summarize(session, start, end, today=_today(), zone=_zone())
        names = {d.code: d.name for d in settings.jurisdiction.departments}
        # Imported here: keeps matplotlib out of every worker's memory until a staff member asks for a chart.
        from bot.staff import charts

        return render("dashboard.html", signed, summary=summary, charts=charts.chart_svgs(summary, names),
                      start=start.isoformat(), end=end.isoformat(), department_names=names)

    async def export(request: Request) -> Response:
        signed = await signed_in(request, "supervisor")
        if isinstance(signed, Response):
            return signed
        start, end = _range(request, _today())
        kind = request.path_params["kind"]
        settings = services().complaints
        async with sessions().begin() as session:
            rows = await reports.export_rows(session, start, end, _zone())
            summary = await reports.summarize(session, start, end, today=_today(), zone=_zone())
            await queue.audit(session, signed.staff, "export", f"cases:{start}..{end}", _now(), {"format": kind})
        name = f"weiquan-{start}-{end}.{kind}"
        headers = {"content-disposition": f'attachment; filename="{name}"'}
        if kind == "csv":
            return Response(reports.export_csv(rows).encode("utf-8-sig"), media_type="text/csv", headers=headers)
        # Imported here: keeps matplotlib and openpyxl out of every worker's memory until someone exports xlsx.
        from bot.staff import charts, xlsx_export

        svgs = charts.chart_svgs(summary, {d.code: d.name for d in settings.jurisdiction.departments})
        return Response(xlsx_export.export_xlsx(rows, summary, svgs), headers=headers,
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    async def warnings_page(request: Request) -> Response:
        signed = await signed_in(request, "viewer")
        if isinstance(signed, Response):
            return signed
        async with sessions()() as session:
            published = await warnings.latest(session, limit=50)
        return render("warnings.html", signed, published=published, flash=request.query_params.get("flash", ""))

    async def publish_warning(request: Request) -> Response:
        result = await posted(request, "supervisor")
        if isinstance(result, Response):
            return result
        signed, form = result
        title, body = str(form.get("title", "")).strip()[:100], str(form.get("body", "")).strip()[:1000]
        if not title or not body:
            return RedirectResponse(f"/staff/warnings?flash={texts.WARNING_EMPTY}", status_code=303)
        async with sessions().begin() as session:
            count = await warnings.publish(session, signed.staff, title, body, _now())
            await queue.audit(session, signed.staff, "publish_warning", "warnings", _now(), {"title": title})
        return RedirectResponse(f"/staff/warnings?flash={texts.WARNING_PUBLISHED.format(count=count)}",
                                status_code=303)

    async def duty_page(request: Request) -> Response:
        signed = await signed_in(request, "viewer")
        if isinstance(signed, Response):
            return signed
        async with sessions()() as session:
            current = await duty.duty_now(session, services().staff, _now())
        return render("duty.html", signed, duty=current, flash=request.query_params.get("flash", ""))

    async def surge(request: Request) -> Response:
        result = await posted(request, "supervisor")
        if isinstance(result, Response):
            return result
        signed, form = result
        try:
            local = datetime.fromisoformat(str(form.get("until", "")))
        except ValueError:
            return RedirectResponse(f"/staff/duty?flash={texts.BAD_TIME}", status_code=303)
        until = (local.replace(tzinfo=services().staff.timezone) if local.tzinfo is None else local).astimezone(UTC)
        async with sessions().begin() as session:
            session.add(DutySurgeRow(until=until, created_at=_now(), created_by=signed.staff.id))
            await queue.audit(session, signed.staff, "surge", "duty", _now(), {"until": until.isoformat()})
        return RedirectResponse("/staff/duty", status_code=303)

    async def duty_change(request: Request) -> Response:
        result = await posted(request, "supervisor")
        if isinstance(result, Response):
            return result
        signed, form = result
        zone = services().staff.timezone
        try:
            starts, ends = (datetime.fromisoformat(str(form.get(key, ""))).replace(tzinfo=zone).astimezone(UTC)
                            for key in ("starts_at", "ends_at"))  # stored in UTC, like every time
        except ValueError:
            return RedirectResponse(f"/staff/duty?flash={texts.BAD_TIME}", status_code=303)
        username = str(form.get("username", "")).strip()
        if ends <= starts or not username:
            return RedirectResponse(f"/staff/duty?flash={texts.BAD_TIME}", status_code=303)
        async with sessions().begin() as session:
            session.add(DutyChangeRow(username=username, starts_at=starts, ends_at=ends,
                                      on_duty=form.get("on_duty") == "1", created_by=signed.staff.id))
            await queue.audit(session, signed.staff, "duty_change", f"staff:{username}", _now(),
                              {"from": starts.isoformat(), "to": ends.isoformat(), "on_duty": form.get("on_duty")})
        return RedirectResponse("/staff/duty", status_code=303)

    return [
        Route("/staff/login", login_page, methods=["GET"]),
        Route("/staff/login", login, methods=["POST"]),
        Route("/staff/logout", logout, methods=["POST"]),
        Route("/staff/", inbox, methods=["GET"]),
        Route("/staff", lambda request: RedirectResponse("/staff/", status_code=303), methods=["GET"]),
        Route("/staff/api/queue", queue_json, methods=["GET"]),
        Route("/staff/handoffs/{handoff_id:int}/claim", claim, methods=["POST"]),
        Route("/staff/handoffs/{handoff_id:int}", handoff_page, methods=["GET"]),
        Route("/staff/escalations/{escalation_id:int}/claim", claim_escalation, methods=["POST"]),
        Route("/staff/api/handoffs/{handoff_id:int}/messages", handoff_messages, methods=["GET"]),
        Route("/staff/handoffs/{handoff_id:int}/{action:str}", handoff_action, methods=["POST"]),
        Route("/staff/cases", case_list, methods=["GET"]),
        Route("/staff/cases/{ticket:str}", case_page, methods=["GET"]),
        Route("/staff/cases/{ticket:str}/action", case_action, methods=["POST"]),
        Route("/staff/dashboard", dashboard, methods=["GET"]),
        Route("/staff/export.{kind:str}", export, methods=["GET"]),
        Route("/staff/warnings", warnings_page, methods=["GET"]),
        Route("/staff/warnings", publish_warning, methods=["POST"]),
        Route("/staff/duty", duty_page, methods=["GET"]),
        Route("/staff/duty/surge", surge, methods=["POST"]),
        Route("/staff/duty/changes", duty_change, methods=["POST"]),
    ]


def _now() -> datetime:
    return datetime.now(UTC)


def _handoff_json(handoff: HandoffRow, now: datetime) -> dict[str, Any]:
    waited = now - as_utc(handoff.created_at)
    return {
        "id": handoff.id, "reason": handoff.reason, "priority": handoff.priority, "channel": handoff.channel,
        "callback": handoff.callback, "waiting_since": texts.WAITED.format(minutes=int(waited.total_seconds() // 60)),
    }


def _actions_for(case: CaseRow | None, staff: StaffUser, claims: ClaimBook) -> list[tuple[str, str]]:
    """The actions this staff member may take (on this kind of case, when given); 不予受理 names its article."""
    keys = list(AGENT_ACTIONS)
    if staff.can("supervisor"):
        status_keys = list(dict.fromkeys(k for keys in KIND_ACTIONS.values() for k in keys)) if case is None \
            else KIND_ACTIONS[case.kind]
        keys = [*status_keys, *keys, "assign"]
    return [(key, claims.say("not_accepted") if key == "not_accept" else texts.CASE_ACTIONS[key]) for key in keys]


async def _visible_party(session: AsyncSession, case: CaseRow, staff: StaffUser) -> CasePartyRow | None:
    """A complainant is shown to agents and up; a reporter's identity only to supervisors (Art. 33)."""
    needed = "supervisor" if case.kind == "report" else "agent"
    if not staff.can(needed):
        return None
    return await session.scalar(select(CasePartyRow).where(CasePartyRow.case_id == case.id))


async def _filtered_cases(session: AsyncSession, filters: dict[str, str], today: date, calendar) -> list[CaseRow]:
    query = select(CaseRow)
    search = filters["q"].strip()
    if search:
        ticket = normalize_ticket(search)
        compact = "".join(ch for ch in search.upper() if ch.isalnum())
        query = query.where(CaseRow.ticket == ticket) if ticket else query.where(
            func.replace(CaseRow.ticket, "-", "").like(f"%{compact[-6:]}"))
    if filters["status"]:
        query = query.where(CaseRow.status == filters["status"])
    if filters["kind"]:
        query = query.where(CaseRow.kind == filters["kind"])
    if filters["department"] == "triage":
        query = query.where(CaseRow.department_code.is_(None))
    elif filters["department"]:
        query = query.where(CaseRow.department_code == filters["department"])
    if filters["demand"]:
        query = query.where(CaseRow.demand == filters["demand"])
    if filters["due_within"].isdigit() and int(filters["due_within"]) > 0:
        horizon = calendar.add_working_days(today, int(filters["due_within"])).due
        query = query.where(CaseRow.step.is_not(None), CaseRow.due_on <= horizon)
    if filters["overdue"]:
        query = query.where(CaseRow.step.is_not(None), CaseRow.due_on < today)
    if filters["group"]:
        query = query.where(CaseRow.group_id.is_not(None))
    return list((await session.scalars(query.order_by(CaseRow.received_at.desc()).limit(CASE_LIMIT))).all())


def _range(request: Request, today: date) -> tuple[date, date]:
    try:
        start = date.fromisoformat(request.query_params.get("start", ""))
    except ValueError:
        start = today - timedelta(days=29)
    try:
        end = date.fromisoformat(request.query_params.get("end", ""))
    except ValueError:
        end = today
    return (start, end) if start <= end else (end, start)
