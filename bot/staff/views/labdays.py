"""Laboratory open days in the console: publish an event, see how many booked, export the bookings."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bot import texts
from bot.db import as_utc
from bot.labdays import service
from bot.labdays.models import LabEventRow
from bot.numbers import parse_count
from bot.staff.views.base import StaffRequest, back, staff_view

MAX_CAPACITY = 10_000


@staff_view(role="viewer")
async def lab_page(call: StaffRequest) -> Response:
    async with call.sessions() as session:
        events = await service.upcoming(session, call.at, limit=50)
    return call.render("labdays.html", events=events)


@staff_view(role="supervisor", post=True)
async def publish(call: StaffRequest) -> Response:
    title, place, bring = call.field("title", 100), call.field("place", 200), call.field("bring", 500)
    capacity = parse_count(call.field("capacity", 6), max_digits=5)
    try:
        local = datetime.fromisoformat(call.field("starts_at", 40))
    except ValueError:
        local = None
    starts_at = (local.replace(tzinfo=call.zone) if local and local.tzinfo is None else local)
    if not title or not place or not capacity or capacity > MAX_CAPACITY or starts_at is None or starts_at <= call.at:
        return back("/staff/lab", texts.LAB_EVENT_INVALID)
    async with call.sessions.begin() as session:
        event = await service.publish(session, title=title, starts_at=starts_at.astimezone(UTC), place=place,
                                      capacity=capacity, bring=bring, staff_id=call.staff.id, now=call.at)
        await call.audit(session, "lab_publish", f"lab:{event.id}", {"title": title})
    return back("/staff/lab", texts.LAB_EVENT_PUBLISHED)


@staff_view(role="agent")
async def export_bookings(call: StaffRequest) -> Response:
    """The event's bookings as CSV (who booked on which channel, when, and whether they cancelled)."""
    event_id = int(call.request.path_params["event_id"])
    async with call.sessions.begin() as session:
        event = await session.get(LabEventRow, event_id)
        if event is None:
            return HTMLResponse(texts.NOT_FOUND, status_code=404)
        rows = await service.bookings(session, event_id)
        await call.audit(session, "lab_export", f"lab:{event_id}", {"rows": len(rows)})
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(texts.LAB_EXPORT_COLUMNS)
    for row in rows:
        booked = as_utc(row.created_at).astimezone(call.zone).strftime("%Y-%m-%d %H:%M")
        writer.writerow([row.id, row.channel, row.external_id, booked, texts.LAB_BOOKING_STATUSES[row.status]])
    headers = {"content-disposition": f'attachment; filename="lab-{event_id}-bookings.csv"'}
    return Response(buffer.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8", headers=headers)


ROUTES = [
    Route("/staff/lab", lab_page, methods=["GET"]),
    Route("/staff/lab", publish, methods=["POST"]),
    Route("/staff/lab/{event_id:int}/bookings.csv", export_bookings, methods=["GET"]),
]
