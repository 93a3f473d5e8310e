"""The audit log for supervisors and admins: logins, views of cases and reporters' identities, case
decisions, exports, FAQ approvals … filtered by action, staff member, target and days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from bot.staff.models import AuditRow, StaffRow
from bot.staff.views.base import StaffRequest, staff_view

SHOWN = 300


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _midnight(day: date, call: StaffRequest) -> datetime:
    """The start of a local day, as the UTC instant stored values are compared with."""
    return datetime.combine(day, time(), call.zone).astimezone(UTC)


@staff_view(role="supervisor")
async def audit_page(call: StaffRequest) -> Response:
    filters = {key: call.query(key, 64) for key in ("action", "staff", "target", "start", "end")}
    query = select(AuditRow, StaffRow.username).outerjoin(StaffRow, StaffRow.id == AuditRow.staff_id)
    if filters["action"]:
        query = query.where(AuditRow.action == filters["action"])
    if filters["staff"]:
        query = query.where(StaffRow.username == filters["staff"])
    if filters["target"]:
        query = query.where(AuditRow.target.contains(filters["target"], autoescape=True))
    start, end = _day(filters["start"]), _day(filters["end"])
    if start:
        query = query.where(AuditRow.created_at >= _midnight(start, call))
    if end:
        query = query.where(AuditRow.created_at < _midnight(end + timedelta(days=1), call))
    async with call.sessions() as session:
        rows = (await session.execute(query.order_by(AuditRow.id.desc()).limit(SHOWN))).all()
    return call.render("audit.html", rows=rows, filters=filters)


ROUTES = [Route("/staff/audit", audit_page, methods=["GET"])]
