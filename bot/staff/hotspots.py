"""Hot spots: a consumer field or a business whose complaints jump this week (at least JUMP times its
mean over the four weeks before, and at least MIN_CASES), to drive consumer warnings and inspections."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.complaints.models import CaseRow
from bot.db import as_utc
from knowledge.fields import OTHER

WEEK = timedelta(days=7)
PRIOR_WEEKS = 4
JUMP = 3
MIN_CASES = 3


@dataclass(frozen=True)
class HotSpot:
    kind: str
    """"field" or "business"."""
    key: str
    label: str
    this_week: int
    weekly_mean: float


async def find(session: AsyncSession, today: date, zone: tzinfo, field_labels: Mapping[str, str]) -> list[HotSpot]:
    """Fields and businesses whose cases of the last 7 days (to `today`, local) jumped; the biggest first."""
    end = datetime.combine(today + timedelta(days=1), time(), zone).astimezone(UTC)
    start = end - WEEK * (PRIOR_WEEKS + 1)
    rows = (await session.execute(
        select(CaseRow.received_at, CaseRow.consumer_field, CaseRow.business_key, CaseRow.business_name)
        .where(CaseRow.received_at >= start, CaseRow.received_at < end))).all()
    fields: dict[int, Counter] = {week: Counter() for week in range(PRIOR_WEEKS + 1)}
    businesses: dict[int, Counter] = {week: Counter() for week in range(PRIOR_WEEKS + 1)}
    names: dict[str, str] = {}
    for received, field, business_key, business_name in rows:
        week = min(int((end - as_utc(received)) / WEEK), PRIOR_WEEKS)
        if field != OTHER:  # "other" is no topic to warn about
            fields[week][field] += 1
        businesses[week][business_key] += 1
        names[business_key] = business_name
    found = _jumps("field", fields, lambda key: field_labels.get(key, key))
    found += _jumps("business", businesses, lambda key: names[key])
    return sorted(found, key=lambda spot: -spot.this_week)


def _jumps(kind: str, weeks: Mapping[int, Counter], label) -> list[HotSpot]:
    spots = []
    for key, count in weeks[0].items():
        mean = sum(weeks[week][key] for week in range(1, PRIOR_WEEKS + 1)) / PRIOR_WEEKS
        if count >= MIN_CASES and count >= JUMP * mean:
            spots.append(HotSpot(kind, key, label(key), count, mean))
    return spots
