"""After a case is closed: within the configured window the citizen may ask to reopen it (with a reason,
for the case's supervisors) and rate its handling 1-5; the dashboard shows satisfaction per department."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.complaints.models import CaseEventRow, CaseRatingRow, CaseRow
from bot.complaints.service import CaseSettings
from bot.db import as_utc

SCORES = range(1, 6)


async def closed_at(session: AsyncSession, case: CaseRow) -> datetime | None:
    """When the case was last closed (None while it is not closed)."""
    if case.status != "closed":
        return None
    moment = await session.scalar(select(func.max(CaseEventRow.created_at)).where(
        CaseEventRow.case_id == case.id, CaseEventRow.status == "closed"))
    return as_utc(moment) if moment is not None else None


async def open_for_follow_up(session: AsyncSession, case: CaseRow, now: datetime, settings: CaseSettings) -> bool:
    """Closed, and not longer ago than the reopen window."""
    closed = await closed_at(session, case)
    return closed is not None and now - closed <= settings.reopen_window


def request_reopen(session: AsyncSession, case: CaseRow, reason: str, now: datetime) -> None:
    """Kept in the case's history for staff (out of the citizen's list of steps)."""
    session.add(CaseEventRow(case_id=case.id, created_at=now, status=case.status, note=f"reopen:{reason[:300]}",
                             actor="citizen"))


async def rate(session: AsyncSession, case: CaseRow, score: int, now: datetime) -> None:
    """The citizen's score; rating again replaces it."""
    rating = await session.scalar(select(CaseRatingRow).where(CaseRatingRow.case_id == case.id))
    if rating is None:
        session.add(CaseRatingRow(case_id=case.id, score=score, comment="", created_at=now))
    else:
        rating.score, rating.created_at = score, now


async def comment(session: AsyncSession, case: CaseRow, text: str) -> None:
    rating = await session.scalar(select(CaseRatingRow).where(CaseRatingRow.case_id == case.id))
    if rating is not None:
        rating.comment = text[:500]


async def satisfaction(session: AsyncSession) -> list[tuple[str | None, float, int]]:
    """(department code, mean score, ratings) for every department with ratings."""
    rows = await session.execute(
        select(CaseRow.department_code, func.avg(CaseRatingRow.score), func.count(CaseRatingRow.id))
        .join(CaseRow, CaseRow.id == CaseRatingRow.case_id).group_by(CaseRow.department_code)
        .order_by(CaseRow.department_code))
    return [(code, float(mean), count) for code, mean, count in rows]
