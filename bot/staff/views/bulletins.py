"""Consumer warnings (消费警示): the published list, and publishing one to subscribers."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from bot import texts
from bot.staff import warnings
from bot.staff.views.base import StaffRequest, back, staff_view


@staff_view(role="viewer")
async def warnings_page(call: StaffRequest) -> Response:
    async with call.sessions() as session:
        published = await warnings.latest(session, limit=50)
    return call.render("warnings.html", published=published)


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
