"""The live inbox: waiting and claimed hand-offs, their transcripts and replies, and escalations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot import texts
from bot.complaints import service as complaints
from bot.complaints.models import CaseRow
from bot.core.messages import UserRef
from bot.db import as_utc
from bot.numbers import parse_count
from bot.staff import escalations, queue
from bot.staff.auth import REPORTER_ROLE
from bot.staff.models import EscalationRow, HandoffRow
from bot.staff.views.base import NOT_FOUND, StaffRequest, back, staff_view

HANDOFF_ACTIONS = ("reply", "close")
REQUEST_PREVIEW_CHARS = 40


async def escalation_department(session: AsyncSession, request: Request):
    """The county an escalation is raised to (None once it is the city bureau's)."""
    row = await session.get(EscalationRow, int(request.path_params["escalation_id"]))
    if row is None:
        return NOT_FOUND
    return row.department_code if row.level == escalations.DEPARTMENT else None


async def handoff_department(session: AsyncSession, request: Request):
    """The county of the case a hand-off is about; None (the city's shared queue) for a plain chat."""
    handoff = await session.get(HandoffRow, int(request.path_params["handoff_id"]))
    if handoff is None:
        return NOT_FOUND
    case = await session.get(CaseRow, handoff.case_id) if handoff.case_id else None
    return case.department_code if case is not None else None


async def handoff_with_reporter(session: AsyncSession, request: Request) -> bool:
    """Whether the hand-off in the path is a conversation with a reporter (Art. 33)."""
    return await queue.confidential(session, int(request.path_params["handoff_id"]))


@staff_view(role="viewer")
async def inbox(call: StaffRequest) -> Response:
    return call.render("inbox.html")


@staff_view(role="viewer")
async def queue_json(call: StaffRequest) -> Response:
    async with call.sessions() as session:
        waiting = await queue.waiting(session, call.staff)
        mine = await queue.mine(session, call.staff)
        closed = await queue.recently_closed(session, call.staff)
        raised = await escalations.visible_to(session, call.staff)
        requests = await queue.requests_of(session, [*waiting, *mine, *closed])
        case_ids = {e.case_id for e in raised} | {h.case_id for h in (*waiting, *mine, *closed) if h.case_id}
        found = await session.execute(select(CaseRow.id, CaseRow.ticket).where(CaseRow.id.in_(case_ids)))
        tickets = dict(found.all())
    flagged = sum(1 for h in waiting if h.supervisor_notified_at) if call.staff.can("supervisor") else 0

    def listed(handoffs: list[HandoffRow]) -> list[dict[str, Any]]:
        return [_handoff_json(h, call.at, requests.get(h.id, ""), tickets.get(h.case_id)) for h in handoffs]

    return JSONResponse({
        "escalations": [{"id": e.id, "reason": e.reason, "level": e.level, "ticket": tickets.get(e.case_id)}
                        for e in raised],
        "waiting": listed(waiting),
        "mine": listed(mine),
        "closed": listed(closed),
        "unclaimed_too_long": flagged,
    })


@staff_view(role="agent", post=True, department=handoff_department,
             reporter=handoff_with_reporter)
async def claim(call: StaffRequest) -> Response:
    handoff_id = int(call.request.path_params["handoff_id"])
    try:
        async with call.sessions.begin() as session:
            await queue.claim(session, handoff_id, call.staff, call.at, max_open=call.services.staff.max_open_per_agent)
    except queue.QueueError as problem:
        return back("/staff/", str(problem))
    return RedirectResponse(f"/staff/handoffs/{handoff_id}", status_code=303)


@staff_view(role="supervisor", post=True, department=escalation_department)
async def claim_escalation(call: StaffRequest) -> Response:
    escalation_id = int(call.request.path_params["escalation_id"])
    async with call.sessions.begin() as session:
        taken = await escalations.claim(session, escalation_id, call.staff, call.at)
        row = await session.get(EscalationRow, escalation_id)
        case = await session.get(CaseRow, row.case_id)
        await call.audit(session, "claim", f"escalation:{escalation_id}")
    if not taken or case is None:
        return back("/staff/", texts.QUEUE_TAKEN)
    return RedirectResponse(f"/staff/cases/{case.ticket}", status_code=303)


@staff_view(role="viewer", department=handoff_department,
             reporter=handoff_with_reporter)
async def handoff_page(call: StaffRequest) -> Response:
    async with call.sessions.begin() as session:
        handoff = await session.get(HandoffRow, int(call.request.path_params["handoff_id"]))
        if handoff is None:
            return HTMLResponse(texts.NOT_FOUND, status_code=404)
        citizen = UserRef(handoff.channel, handoff.external_id)
        cases = [case for case in await complaints.cases_of(session, citizen, limit=20)
                 if case.kind != "report" or call.staff.can(REPORTER_ROLE)]  # who reported: Art. 33
        await call.audit(session, "view", f"handoff:{handoff.id}")
    return call.render("handoff.html", handoff=handoff, cases=cases)


@staff_view(role="viewer", department=handoff_department,
             reporter=handoff_with_reporter)
async def handoff_messages(call: StaffRequest) -> Response:
    after = call.request.query_params.get("after", "0")
    async with call.sessions() as session:
        handoff = await session.get(HandoffRow, int(call.request.path_params["handoff_id"]))
        if handoff is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        messages = await queue.transcript(session, handoff, parse_count(after, max_digits=18) or 0)
    return JSONResponse({"messages": [
        {"id": m.id, "sender": m.sender, "text": m.text,
         "at": as_utc(m.created_at).astimezone(call.zone).strftime("%m-%d %H:%M:%S")}
        for m in messages
    ]})


@staff_view(role="agent", post=True, department=handoff_department,
             reporter=handoff_with_reporter)
async def handoff_action(call: StaffRequest) -> Response:
    handoff_id = int(call.request.path_params["handoff_id"])
    action = call.request.path_params["action"]
    if action not in HANDOFF_ACTIONS:
        return HTMLResponse(texts.NOT_FOUND, status_code=404)
    try:
        async with call.sessions.begin() as session:
            handoff = await session.get(HandoffRow, handoff_id)
            if handoff is None or handoff.claimed_by != call.staff.id or handoff.status != "active":
                raise queue.QueueError(texts.QUEUE_NOT_YOURS)
            if action == "reply":
                text = call.field("text", 2000)
                if text:
                    await queue.staff_reply(session, handoff, call.staff, text, call.at)
            else:
                await queue.close(session, handoff, call.at, note=call.field("note", 500), staff=call.staff)
    except queue.QueueError as problem:
        return back("/staff/", str(problem))
    target = f"/staff/handoffs/{handoff_id}" if action == "reply" else "/staff/"
    return RedirectResponse(target, status_code=303)


def _handoff_json(handoff: HandoffRow, at: datetime, request: str, ticket: str | None) -> dict[str, Any]:
    """A queue row: who waits how long for what (the first words of what they said), about which case."""
    waited = at - as_utc(handoff.created_at)
    return {
        "id": handoff.id, "reason": handoff.reason, "priority": handoff.priority, "channel": handoff.channel,
        "callback": handoff.callback, "waiting_since": texts.WAITED.format(minutes=int(waited.total_seconds() // 60)),
        "request": request[:REQUEST_PREVIEW_CHARS] + ("…" if len(request) > REQUEST_PREVIEW_CHARS else ""),
        "ticket": ticket,
    }


ROUTES = [
    Route("/staff/", inbox, methods=["GET"]),
    Route("/staff", lambda _request: RedirectResponse("/staff/", status_code=303), methods=["GET"]),
    Route("/staff/api/queue", queue_json, methods=["GET"]),
    Route("/staff/handoffs/{handoff_id:int}/claim", claim, methods=["POST"]),
    Route("/staff/handoffs/{handoff_id:int}", handoff_page, methods=["GET"]),
    Route("/staff/escalations/{escalation_id:int}/claim", claim_escalation, methods=["POST"]),
    Route("/staff/api/handoffs/{handoff_id:int}/messages", handoff_messages, methods=["GET"]),
    Route("/staff/handoffs/{handoff_id:int}/{action:str}", handoff_action, methods=["POST"]),
]
