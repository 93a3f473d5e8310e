"""Consumer warnings (消费警示): the published list, and publishing one to subscribers."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from bot import texts
from bot.answer_replies import numeral
from bot.staff import hotspots, warnings
from bot.staff.views.base import StaffRequest, back, staff_view


@staff_view(role="viewer")
async def warnings_page(call: StaffRequest) -> Response:
    """Published warnings; with ?hotspot=<field>, the publish form holds a draft about that field's jump."""
    async with call.sessions() as session:
        published = await warnings.latest(session, limit=50)
        draft = await _hotspot_draft(call, session, call.query("hotspot", 32)) if call.staff.can("supervisor") else None
    return call.render("warnings.html", published=published, draft=draft or {})


async def _hotspot_draft(call: StaffRequest, session, code: str) -> dict[str, str] | None:
    """A warning about a field that is a hot spot now, citing the field's article in its own words."""
    fields = call.services.knowledge.fields
    spots = await hotspots.find(session, call.today, call.zone, fields.labels)
    spot = next((s for s in spots if s.kind == "field" and s.key == code), None)
    if spot is None:
        return None
    cited = fields.by_code[code].citation
    body = texts.WARNING_DRAFT_BODY.format(label=spot.label, count=spot.this_week, mean=f"{spot.weekly_mean:.1f}",
                                           law=cited.law, article=numeral(cited.article), quote=cited.quote)
    return {"title": texts.WARNING_DRAFT_TITLE.format(label=spot.label), "body": body}


@staff_view(role="supervisor", post=True)
async def publish_warning(call: StaffRequest) -> Response:
    title, body = call.field("title", 100), call.field("body", 1000)
    if not title or not body:
        return back("/staff/warnings", texts.WARNING_EMPTY)
    async with call.sessions.begin() as session:
        count = await warnings.publish(session, call.staff, title, body, call.at)
        await call.audit(session, "publish_warning", "warnings", {"title": title})
    return back("/staff/warnings", texts.WARNING_PUBLISHED.format(count=count))


ROUTES = [
    Route("/staff/warnings", warnings_page, methods=["GET"]),
    Route("/staff/warnings", publish_warning, methods=["POST"]),
]
