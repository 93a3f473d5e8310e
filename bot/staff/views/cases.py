"""Cases: the filtered list, one case with its history, and the actions staff take on it."""

from __future__ import annotations

import mimetypes
import re
from datetime import date

from sqlalchemy import and_, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot import texts
from bot.complaints import service, typical
from bot.complaints.models import CasePartyRow, CaseRow
from bot.complaints.numbering import normalize_ticket
from bot.numbers import parse_count
from bot.staff import queue, warnings
from bot.staff.auth import REPORTER_ROLE, StaffUser
from bot.staff.models import StaffRow
from bot.staff.views.base import NOT_FOUND, StaffRequest, back, staff_view
from knowledge.claims import ClaimBook

CASE_LIMIT = 200
STORED_EVIDENCE = re.compile(r"^media:evidence:([0-9a-f]{64}\.[a-z0-9]{2,5})$")
"""An evidence item kept in the evidence folder (by its SHA-256): staff can open it."""
TYPICAL_STATUSES = ("closed", "filed", "not_filed", "mediated", "mediation_ended")
"""Cases whose handling has an outcome to tell."""
PLATFORM_NUMBER = re.compile(r"^[0-9A-Za-z-]{4,40}$")
EVIDENCE_POLICY = "sandbox; default-src 'none'; img-src 'self'; frame-ancestors 'none'"
"""A citizen's file is shown, never run: no scripts, no requests, no framing."""
FILTERS = ("q", "status", "kind", "department", "demand", "due_within", "overdue", "group")
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
NEEDS_REASON = ("not_accept", "extend")
MAX_DUE_WITHIN = 366
"""Working days ahead a filter may look (counting them day by day is bounded work)."""


async def case_department(session: AsyncSession, request: Request):
    """The department handling the case named in the path (None: not yet routed)."""
    case = await service.find(session, request.path_params["ticket"])
    return NOT_FOUND if case is None else case.department_code


def reveals_reporter(case: CaseRow, action: str = "") -> bool:
    """Whether showing the case, or taking `action` on it, would tell who reported (Art. 33).

    The report half of a combined filing (Art. 7) sits beside a complaint whose complainant caseworkers
    must see to work it: the report, and the link between the halves, would name the reporter. So below
    REPORTER_ROLE the report half is neither listed nor shown, and the complaint half reads as an ordinary
    complaint. Contacting a reporter opens a conversation with them: for REPORTER_ROLE and up as well.
    """
    return case.kind == "report" and (case.linked_case_id is not None or action == "contact")


async def shows_reporter(session: AsyncSession, request: Request) -> bool:
    """Whether the case page in the path would tell who reported."""
    case = await service.find(session, request.path_params["ticket"])
    return case is not None and reveals_reporter(case)


async def acts_on_reporter(session: AsyncSession, request: Request) -> bool:
    """Whether the posted action, on the case in the path, would tell who reported."""
    case = await service.find(session, request.path_params["ticket"])
    return case is not None and reveals_reporter(case, str((await request.form()).get("action", "")))


@staff_view(role="viewer")
async def case_list(call: StaffRequest) -> Response:
    filters = {key: call.query(key) for key in FILTERS}
    settings = call.services.complaints
    async with call.sessions() as session:
        cases = await _filtered_cases(session, filters, call.today, settings.calendar, call.staff)
    return call.render("cases.html", cases=cases, filters=filters, today=call.today,
                       departments=settings.jurisdiction.departments,
                       department_names={d.code: d.name for d in settings.jurisdiction.departments})


@staff_view(role="viewer", reporter=shows_reporter)
async def case_page(call: StaffRequest) -> Response:
    settings = call.services.complaints
    async with call.sessions.begin() as session:
        case = await service.find(session, call.request.path_params["ticket"])
        if case is None:
            return HTMLResponse(texts.NOT_FOUND, status_code=404)
        events = await service.history(session, case)
        colleagues = (await session.scalars(
            select(StaffRow.username).where(StaffRow.active.is_(True), StaffRow.role != "viewer")
            .order_by(StaffRow.username))).all()
        party = await _visible_party(session, case, call.staff)
        linked = await _visible_link(session, case, call.staff)
        undelivered = await service.undelivered_notices(session, case)
        await call.audit(session, "view", f"case:{case.id}", {"identity_shown": party is not None})
    return call.render("case.html", case=case, events=events, party=party, linked=linked, colleagues=colleagues,
                       evidence=evidence_links(case.evidence), fields=call.services.knowledge.fields.labels,
                       undelivered=undelivered, actions=actions_for(case, call.staff, call.services.knowledge.claims),
                       departments=settings.jurisdiction.departments,
                       department_names={d.code: d.name for d in settings.jurisdiction.departments})


@staff_view(role="agent", post=True, department=case_department, reporter=acts_on_reporter)
async def case_action(call: StaffRequest) -> Response:
    action, note = call.field("action"), call.field("note")
    assignee, department = call.field("assignee"), call.field("department")
    allowed = {key for key, _label in actions_for(None, call.staff, call.services.knowledge.claims)}
    if action not in allowed or ((assignee or department) and "assign" not in allowed):
        return HTMLResponse(texts.FORBIDDEN, status_code=403)
    ticket = call.request.path_params["ticket"]
    if action in NEEDS_REASON and not note:
        return back(f"/staff/cases/{ticket}", texts.REASON_REQUIRED)
    try:
        async with call.sessions.begin() as session:
            case = await service.find(session, ticket)
            await _reassign(call, session, case, assignee, department)
            target = await _apply(call, session, case, action, note)
            await call.audit(session, action, f"case:{case.id}",
                             {"note": note, "department": department, "assignee": assignee})
    except queue.QueueError as problem:
        return back(f"/staff/cases/{ticket}", str(problem))
    return RedirectResponse(target, status_code=303)


async def _reassign(call: StaffRequest, session: AsyncSession, case: CaseRow, assignee: str, department: str) -> None:
    """A supervisor's change of responsible person or department, sent with any action."""
    if assignee and await session.scalar(select(StaffRow.id).where(StaffRow.username == assignee)):
        await service.assign(session, case, assignee, actor=call.staff.username, now=call.at)
    found = call.services.complaints.jurisdiction.by_code(department) if department else None
    if found is not None:
        await service.route_to(session, case, found, actor=call.staff.username, now=call.at)


async def _apply(call: StaffRequest, session: AsyncSession, case: CaseRow, action: str, note: str) -> str:
    """Carry out one case action; the page to go to next."""
    settings, actor = call.services.complaints, call.staff.username
    if action in STATUS_ACTIONS:
        await service.change_status(session, case, STATUS_ACTIONS[action], note=note, actor=actor, now=call.at,
                                    settings=settings)
    elif action == "extend":
        await service.extend_verification(session, case, note=note, actor=actor, now=call.at, settings=settings)
    elif action == "message" and note:
        await service.message_citizen(session, case, note, now=call.at)
    elif action == "contact":
        handoff = await queue.contact(session, case, call.staff, call.at)
        return f"/staff/handoffs/{handoff.id}"
    return f"/staff/cases/{case.ticket}"


def actions_for(case: CaseRow | None, staff: StaffUser, claims: ClaimBook) -> list[tuple[str, str]]:
    """The actions this staff member may take (on this case, when given); 不予受理 names its article."""
    keys = [key for key in AGENT_ACTIONS
            if case is None or staff.can(REPORTER_ROLE) or not reveals_reporter(case, key)]
    if staff.can("supervisor"):
        status_keys = list(dict.fromkeys(k for keys in KIND_ACTIONS.values() for k in keys)) if case is None \
            else KIND_ACTIONS[case.kind]
        keys = [*status_keys, *keys, "assign"]
    return [(key, claims.say("not_accepted") if key == "not_accept" else texts.CASE_ACTIONS[key]) for key in keys]


async def _visible_party(session: AsyncSession, case: CaseRow, staff: StaffUser) -> CasePartyRow | None:
    """A complainant is shown to agents and up; a reporter's identity only to REPORTER_ROLE and up (Art. 33)."""
    needed = REPORTER_ROLE if case.kind == "report" else "agent"
    if not staff.can(needed):
        return None
    return await session.scalar(select(CasePartyRow).where(CasePartyRow.case_id == case.id))


async def _visible_link(session: AsyncSession, case: CaseRow, staff: StaffUser) -> str | None:
    """The ticket of the other half of a combined filing, for REPORTER_ROLE and up: to anyone else the link
    would tell that the complainant also reported (see `reveals_reporter`)."""
    if case.linked_case_id is None or not staff.can(REPORTER_ROLE):
        return None
    return await session.scalar(select(CaseRow.ticket).where(CaseRow.id == case.linked_case_id))


async def _filtered_cases(session: AsyncSession, filters: dict[str, str], today: date, calendar,
                          staff: StaffUser) -> list[CaseRow]:
    query = select(CaseRow)
    if not staff.can(REPORTER_ROLE):  # `reveals_reporter` of a listed case, in SQL
        query = query.where(not_(and_(CaseRow.kind == "report", CaseRow.linked_case_id.is_not(None))))
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
    due_within = min(parse_count(filters["due_within"]) or 0, MAX_DUE_WITHIN)
    if due_within > 0:
        horizon = calendar.add_working_days(today, due_within).due
        query = query.where(CaseRow.step.is_not(None), CaseRow.due_on <= horizon)
    if filters["overdue"]:
        query = query.where(CaseRow.step.is_not(None), CaseRow.due_on < today)
    if filters["group"]:
        query = query.where(CaseRow.group_id.is_not(None))
    return list((await session.scalars(query.order_by(CaseRow.received_at.desc()).limit(CASE_LIMIT))).all())


@staff_view(role="viewer", reporter=shows_reporter)
async def evidence_file(call: StaffRequest) -> Response:
    """One photo or PDF a citizen sent with the case, served inline for reading (never run: sandboxed)."""
    index = parse_count(call.request.path_params["index"], max_digits=3)
    async with call.sessions.begin() as session:
        case = await service.find(session, call.request.path_params["ticket"])
        items = list(case.evidence) if case is not None else []
        stored = STORED_EVIDENCE.match(items[index]) if index is not None and index < len(items) else None
        if stored is None:
            return HTMLResponse(texts.NOT_FOUND, status_code=404)
        await call.audit(session, "view_evidence", f"case:{case.id}", {"item": index})
    path = call.services.evidence_dir / stored.group(1)
    if not path.is_file():
        return HTMLResponse(texts.NOT_FOUND, status_code=404)
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type, content_disposition_type="inline",
                        headers={"Content-Security-Policy": EVIDENCE_POLICY, "X-Content-Type-Options": "nosniff"})


@staff_view(role="agent", post=True, department=case_department, reporter=shows_reporter)
async def consumer_field(call: StaffRequest) -> Response:
    """Correct the consumer field the case was filed under (suggested from its text)."""
    ticket, code = call.request.path_params["ticket"], call.field("consumer_field", 32)
    if code not in call.services.knowledge.fields.labels:
        return HTMLResponse(texts.NOT_FOUND, status_code=404)
    async with call.sessions.begin() as session:
        case = await service.find(session, ticket)
        await service.set_consumer_field(session, case, code, actor=call.staff.username, now=call.at)
        await call.audit(session, "consumer_field", f"case:{case.id}", {"field": code})
    return RedirectResponse(f"/staff/cases/{ticket}", status_code=303)


@staff_view(role="agent", post=True, department=case_department, reporter=shows_reporter)
async def platform_number(call: StaffRequest) -> Response:
    """Record the number the national 12315 platform gave the case (the citizen's status lookup shows it)."""
    ticket, number = call.request.path_params["ticket"], call.field("platform_number", 40)
    if not PLATFORM_NUMBER.match(number):
        return back(f"/staff/cases/{ticket}", texts.BAD_PLATFORM_NUMBER)
    async with call.sessions.begin() as session:
        case = await service.find(session, ticket)
        await service.set_platform_number(session, case, number, actor=call.staff.username, now=call.at)
        await call.audit(session, "platform_number", f"case:{case.id}", {"number": number})
    return RedirectResponse(f"/staff/cases/{ticket}", status_code=303)


@staff_view(role="supervisor", reporter=shows_reporter)
async def typical_case(call: StaffRequest) -> Response:
    """The warnings page with a typical-case draft of this closed case, anonymised, for review and publishing."""
    async with call.sessions.begin() as session:
        case = await service.find(session, call.request.path_params["ticket"])
        if case is None:
            return HTMLResponse(texts.NOT_FOUND, status_code=404)
        if case.status not in TYPICAL_STATUSES:
            return back(f"/staff/cases/{case.ticket}", texts.TYPICAL_ONLY_CLOSED)
        party = await session.scalar(select(CasePartyRow).where(CasePartyRow.case_id == case.id))
        published = await warnings.latest(session, limit=50)
        await call.audit(session, "typical_draft", f"case:{case.id}")
    return call.render("warnings.html", published=published,
                       draft=typical.draft(case, party, call.services.knowledge.fields.labels, call.zone))


def evidence_links(evidence: list[str]) -> list[tuple[int | None, str]]:
    """Each evidence item as the case page shows it: (index to open, label) for a kept file, else (None, text)."""
    shown = []
    for index, item in enumerate(evidence):
        if STORED_EVIDENCE.match(item):
            kind = texts.EVIDENCE_PDF if item.endswith(".pdf") else texts.EVIDENCE_IMAGE
            shown.append((index, kind.format(number=index + 1)))
        else:
            shown.append((None, texts.EVIDENCE_PLATFORM if item.startswith("media:") else item))
    return shown


ROUTES = [
    Route("/staff/cases", case_list, methods=["GET"]),
    Route("/staff/cases/{ticket:str}", case_page, methods=["GET"]),
    Route("/staff/cases/{ticket:str}/action", case_action, methods=["POST"]),
    Route("/staff/cases/{ticket:str}/evidence/{index:str}", evidence_file, methods=["GET"]),
    Route("/staff/cases/{ticket:str}/field", consumer_field, methods=["POST"]),
    Route("/staff/cases/{ticket:str}/typical", typical_case, methods=["GET"]),
    Route("/staff/cases/{ticket:str}/platform-number", platform_number, methods=["POST"]),
]
