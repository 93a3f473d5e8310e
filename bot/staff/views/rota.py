"""The duty page: who is on duty now, surge mode for the 3·15 night, and changes to the roster."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot import texts
from bot.staff import duty
from bot.staff.models import DutyChangeRow, DutySurgeRow
from bot.staff.views.base import StaffRequest, back, staff_view


@staff_view(role="viewer")
async def duty_page(call: StaffRequest) -> Response:
    async with call.sessions() as session:
        current = await duty.duty_now(session, call.services.staff, call.at)
    return call.render("duty.html", duty=current)


@staff_view(role="supervisor", post=True)
async def surge(call: StaffRequest) -> Response:
    until = _utc(call, "until")
    if until is None:
        return back("/staff/duty", texts.BAD_TIME)
    async with call.sessions.begin() as session:
        session.add(DutySurgeRow(until=until, created_at=call.at, created_by=call.staff.id))
        await call.audit(session, "surge", "duty", {"until": until.isoformat()})
    return RedirectResponse("/staff/duty", status_code=303)


@staff_view(role="supervisor", post=True)
async def duty_change(call: StaffRequest) -> Response:
    starts, ends = _utc(call, "starts_at"), _utc(call, "ends_at")
    username = call.field("username")
    if starts is None or ends is None or ends <= starts or not username:
        return back("/staff/duty", texts.BAD_TIME)
    on_duty = call.field("on_duty")
    async with call.sessions.begin() as session:
        session.add(DutyChangeRow(username=username, starts_at=starts, ends_at=ends, on_duty=on_duty == "1",
                                  created_by=call.staff.id))
        await call.audit(session, "duty_change", f"staff:{username}",
                         {"from": starts.isoformat(), "to": ends.isoformat(), "on_duty": on_duty})
    return RedirectResponse("/staff/duty", status_code=303)


def _utc(call: StaffRequest, name: str) -> datetime | None:
    """A posted local date-time (bureau's clock unless it names its offset) in UTC, or None if malformed."""
    try:
        local = datetime.fromisoformat(call.field(name, 40))
    except ValueError:
        return None
    return (local.replace(tzinfo=call.zone) if local.tzinfo is None else local).astimezone(UTC)


ROUTES = [
    Route("/staff/duty", duty_page, methods=["GET"]),
    Route("/staff/duty/surge", surge, methods=["POST"]),
    Route("/staff/duty/changes", duty_change, methods=["POST"]),
]
