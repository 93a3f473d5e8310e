"""Who is on duty now: the default week from config, plus console changes and the surge switch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import as_utc
from bot.incidents.checklist import IncidentPlan
from bot.staff.models import DutyChangeRow, DutySurgeRow, StaffRow
from bot.staff.roster import Change, Duty, Shift, Surge, next_duty_start, on_duty


@dataclass(frozen=True)
class StaffSettings:
    shifts: tuple[Shift, ...]
    timezone: ZoneInfo
    claim_timeout: timedelta
    max_open_per_agent: int
    escalation_timeout: timedelta
    """A group or overdue case nobody in the department takes up in this time goes to the city bureau."""
    incidents: IncidentPlan
    """The reporting levels and the emergency plan's checklist ([incidents]), for group cases and gala exposures."""


async def duty_now(session: AsyncSession, settings: StaffSettings, now: datetime) -> Duty:
    changes, surge = await _changes_and_surge(session, now)
    return on_duty(now, settings.shifts, changes, surge, tz=settings.timezone)


async def next_contact(session: AsyncSession, settings: StaffSettings, now: datetime) -> datetime | None:
    """When somebody is next on duty (now, if somebody is)."""
    changes, surge = await _changes_and_surge(session, now)
    if on_duty(now, settings.shifts, changes, surge, tz=settings.timezone).staff:
        return now
    return next_duty_start(now, settings.shifts, changes, tz=settings.timezone)


async def _changes_and_surge(session: AsyncSession, now: datetime) -> tuple[list[Change], Surge | None]:
    rows = (await session.scalars(select(DutyChangeRow).where(DutyChangeRow.ends_at > now))).all()
    changes = [Change(r.username, as_utc(r.starts_at), as_utc(r.ends_at), r.on_duty) for r in rows]
    surge_row = await session.scalar(
        select(DutySurgeRow).where(DutySurgeRow.until > now).order_by(DutySurgeRow.until.desc()).limit(1)
    )
    surge = None
    if surge_row is not None:
        names = (await session.scalars(select(StaffRow.username).where(StaffRow.active.is_(True),
                                                                       StaffRow.role != "viewer"))).all()
        surge = Surge(as_utc(surge_row.until), tuple(sorted(names)))
    return changes, surge
