"""Group cases, cases against a watched business (exposed on the 3·15 gala) and overdue cases raised to
the responsible people, then to the city bureau if nobody acts.

Level 1: supervisors of the case's department (the department's responsible person). Level 2:
supervisors of the city bureau (no department) and admins. Runs from the sweeper in every worker;
the unique (case, reason) row and conditional updates make each step happen once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.complaints.models import CaseRow
from bot.staff.auth import StaffUser
from bot.staff.models import EscalationRow, StaffRow

DEPARTMENT, CITY = 1, 2


async def raise_new(session: AsyncSession, now: datetime, today: date) -> int:
    """Open level-1 escalations for group cases, for cases against a watched business, and for cases past
    the due day of their current step (one per case and step: acceptance, mediation, end_notice, verification)."""
    grouped = await _not_yet_raised(session, "group", CaseRow.group_id.is_not(None))
    watched = await _not_yet_raised(session, "watch", CaseRow.watch_id.is_not(None))
    known_overdue = select(EscalationRow.id).where(EscalationRow.case_id == CaseRow.id,
                                                   EscalationRow.reason == CaseRow.step)
    overdue = (await session.scalars(
        select(CaseRow).where(CaseRow.step.is_not(None), CaseRow.due_on < today, ~known_overdue.exists())
    )).all()
    opened = 0
    flagged = [*((case, "group") for case in grouped), *((case, "watch") for case in watched),
               *((case, case.step) for case in overdue)]
    for case, reason in flagged:
        level = DEPARTMENT if case.department_code else CITY
        try:
            async with session.begin_nested():
                session.add(EscalationRow(case_id=case.id, reason=reason, level=level,
                                          department_code=case.department_code, created_at=now, raised_at=now))
            opened += 1
        except IntegrityError:  # another worker opened it first
            continue
    return opened


async def _not_yet_raised(session: AsyncSession, reason: str, condition) -> list[CaseRow]:
    known = select(EscalationRow.case_id).where(EscalationRow.reason == reason)
    return list((await session.scalars(select(CaseRow).where(condition, CaseRow.id.not_in(known)))).all())


async def raise_unclaimed(session: AsyncSession, now: datetime, timeout: timedelta) -> int:
    """Level-1 escalations nobody claimed in time go up to the city bureau."""
    raised = await session.execute(
        update(EscalationRow)
        .where(EscalationRow.level == DEPARTMENT, EscalationRow.claimed_by.is_(None),
               EscalationRow.raised_at <= now - timeout)
        .values(level=CITY, raised_at=now)
        .execution_options(synchronize_session=False)
    )
    return raised.rowcount


async def visible_to(session: AsyncSession, staff: StaffUser) -> list[EscalationRow]:
    """Open escalations this person is responsible for."""
    if not staff.can("supervisor"):
        return []
    department = await session.scalar(select(StaffRow.department_code).where(StaffRow.id == staff.id))
    query = select(EscalationRow).where(EscalationRow.claimed_by.is_(None))
    if staff.role != "admin" and department is None:  # the city bureau
        query = query.where(EscalationRow.level == CITY)
    elif staff.role != "admin":  # a county bureau's responsible people
        query = query.where(EscalationRow.level == DEPARTMENT, EscalationRow.department_code == department)
    return list((await session.scalars(query.order_by(EscalationRow.level.desc(), EscalationRow.id))).all())


async def claim(session: AsyncSession, escalation_id: int, staff: StaffUser, now: datetime) -> bool:
    taken = await session.execute(
        update(EscalationRow).where(EscalationRow.id == escalation_id, EscalationRow.claimed_by.is_(None))
        .values(claimed_by=staff.id, claimed_at=now).execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1
