"""Knowledge gaps: the weekly report of questions the bot could not answer, FAQ drafts made from a group
(checked like `weiquan kb check` on save), their approval, and the TOML export for the repository."""

from __future__ import annotations

from datetime import timedelta

from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot import texts
from bot.gaps import service
from bot.numbers import parse_count
from bot.staff.views.base import StaffRequest, back, staff_view

GAPS_ROLE = "supervisor"
DEFAULT_DAYS = 7
MAX_DAYS = 90
GROUPS_SHOWN = 30


async def _groups(call: StaffRequest) -> tuple[int, list[service.Group]]:
    days = min(parse_count(call.query("days", 4), max_digits=3) or DEFAULT_DAYS, MAX_DAYS)
    knowledge = call.services.knowledge

    def words(text: str) -> list[str]:
        return knowledge.normalizer.whole_words(knowledge.normalizer.clean(text))

    async with call.sessions() as session:
        found = await service.report(session, call.at - timedelta(days=days), call.at + timedelta(seconds=1), words)
    return days, found[:GROUPS_SHOWN]


@staff_view(role=GAPS_ROLE)
async def gaps_page(call: StaffRequest) -> Response:
    days, groups = await _groups(call)
    async with call.sessions() as session:
        drafts = await service.drafts(session)
    return call.render("gaps.html", days=days, groups=groups, drafts=drafts)


@staff_view(role=GAPS_ROLE)
async def draft_form(call: StaffRequest) -> Response:
    days, groups = await _groups(call)
    index = parse_count(call.query("group", 4), max_digits=3)
    text = service.draft_template(groups[index]) if index is not None and index < len(groups) else ""
    return call.render("draft.html", text=text, problems=[], days=days)


@staff_view(role=GAPS_ROLE, post=True)
async def save_draft(call: StaffRequest) -> Response:
    text = call.field("toml", 20_000)
    try:
        async with call.sessions.begin() as session:
            draft = await service.save_draft(session, call.services.knowledge, text, staff_id=call.staff.id,
                                             now=call.at)
            await call.audit(session, "save_faq_draft", f"faq:{draft.entry_id}")
    except service.DraftRejected as rejected:
        response = call.render("draft.html", text=text, problems=rejected.problems, days=DEFAULT_DAYS)
        response.status_code = 422
        return response
    return back("/staff/gaps", texts.DRAFT_SAVED)


@staff_view(role=GAPS_ROLE, post=True)
async def approve_draft(call: StaffRequest) -> Response:
    async with call.sessions.begin() as session:
        draft = await service.approve(session, int(call.request.path_params["draft_id"]), staff_id=call.staff.id,
                                      now=call.at)
        if draft is not None:
            await call.audit(session, "approve_faq_draft", f"faq:{draft.entry_id}")
    return back("/staff/gaps", texts.DRAFT_APPROVED if draft else texts.DRAFT_NOT_APPROVABLE)


@staff_view(role=GAPS_ROLE)
async def export_approved(call: StaffRequest) -> Response:
    async with call.sessions() as session:
        sources = await service.approved_sources(session)
    return PlainTextResponse(service.export_toml(sources), media_type="application/toml; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="console-approved.toml"'})


ROUTES = [
    Route("/staff/gaps", gaps_page, methods=["GET"]),
    Route("/staff/gaps/draft", draft_form, methods=["GET"]),
    Route("/staff/faq-drafts", save_draft, methods=["POST"]),
    Route("/staff/faq-drafts/{draft_id:int}/approve", approve_draft, methods=["POST"]),
    Route("/staff/faq-drafts.toml", export_approved, methods=["GET"]),
]
