"""Campaign statistics for staff: a summary of the cases in a date range, and the rows and CSV of an export.

Reports and exports read only `cases`: the identities in `case_parties` (names, phones, addresses) and
the channel user ids never leave the database through them. Times are stored in UTC; ranges, days and
exported times are the bureau's local ones.
The charts (bot.staff.charts, matplotlib) and the xlsx export (bot.staff.xlsx_export, openpyxl) live in
modules of their own so that importing this one, as every web worker does, loads neither library.

A year holds some 20,000 cases: summarizing them in one transaction kept the event loop's thread 0.55 to
0.7 s, about half of it reading with SQLite's write gate held (bot.sqlite_inline, bot.sqlite_gate), so chats
and /healthz waited that long. Now read_cases reads PAGE_ROWS cases a transaction, and summarize and
export_rows are plain functions that the console runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import texts
from bot.complaints.models import CaseRow, CaseStepRow
from knowledge.fields import shipped_labels

TRIAGE = "triage"
"""The by_department key (and export code) of cases still waiting in the triage queue."""
HOTSPOT_LIMIT = 10
WEEK_DAYS = 7
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Text a spreadsheet would run as a formula (CSV injection): citizens type the business names."""
PAGE_ROWS = 500
"""Cases read in one transaction: on SQLite 10 to 20 ms of the event loop's time and of the write gate."""
CASE_COLUMNS = (
    CaseRow.id,
    CaseRow.ticket,
    CaseRow.kind,
    CaseRow.status,
    CaseRow.department_code,
    CaseRow.business_name,
    CaseRow.business_key,
    CaseRow.demand,
    CaseRow.consumer_field,
    CaseRow.amount,
    CaseRow.received_at,
    CaseRow.due_on,
    CaseRow.due_provisional,
    CaseRow.group_id,
    CaseRow.step,
)
"""What the summary and the export need of a case: no identity, no facts."""
STEP_COLUMNS = (CaseRow.department_code, CaseStepRow.step, CaseStepRow.due_on, CaseStepRow.done_on)


@dataclass(frozen=True)
class Summary:
    """Counts of the cases received in [start, end] (local dates), for a campaign report."""

    start: date
    end: date
    total: int
    by_day: list[tuple[date, int]]
    by_kind: dict[str, int]
    by_status: dict[str, int]
    by_department: dict[str, int]
    by_demand: dict[str, int]
    by_field: dict[str, int]
    """Cases per consumer field, by the field's name."""
    hotspots: list[tuple[str, int]]
    due_this_week: int
    overdue: int
    groups: int
    on_time: dict[tuple[str, str], tuple[int, int]]
    """(department code, step) -> (steps done by their due day, steps done late or overdue now): 限时办结率."""


@dataclass(frozen=True)
class Cases:
    """What a report reads: the cases received from start to end (local days in `zone`), oldest first, and
    their deadline steps (STEP_COLUMNS)."""

    start: date
    end: date
    zone: tzinfo
    rows: list[Row[Any]]
    steps: list[Row[Any]]


async def read_cases(sessions: async_sessionmaker, start: date, end: date, zone: tzinfo) -> Cases:
    """The cases received from start to end (local dates in `zone`, inclusive) with their steps, PAGE_ROWS
    cases a transaction, letting the event loop run what waited in between. Each case is read once, as it
    was when its page was read."""
    received = received_between(start, end, zone)
    rows: list[Row[Any]] = []
    steps: list[Row[Any]] = []
    while True:
        async with sessions() as session:
            page, page_steps = await _read_page(session, received, rows[-1] if rows else None)
        rows += page
        steps += page_steps
        if len(page) < PAGE_ROWS:
            return Cases(start, end, zone, rows, steps)
        await asyncio.sleep(0)


async def _read_page(
    session: AsyncSession, received: tuple[ColumnElement[bool], ...], last: Row[Any] | None
) -> tuple[list[Row[Any]], list[Row[Any]]]:
    """The next PAGE_ROWS cases after `last` (by received_at, id) and their steps."""
    after = () if last is None else (tuple_(CaseRow.received_at, CaseRow.id) > (last.received_at, last.id),)
    query = select(*CASE_COLUMNS).where(*received, *after).order_by(CaseRow.received_at, CaseRow.id)
    page = (await session.execute(query.limit(PAGE_ROWS))).all()
    if not page:
        return [], []
    steps = (await session.execute(
        select(*STEP_COLUMNS)
        .join(CaseRow, CaseRow.id == CaseStepRow.case_id)
        .where(CaseStepRow.case_id.in_([row.id for row in page]))
    )).all()
    return page, steps


def summarize(cases: Cases, *, today: date) -> Summary:
    """Count the cases read; deadlines are judged on `today` (local). CPU-bound: run it in a thread."""
    rows = cases.rows
    per_day = Counter(_as_utc(row.received_at).astimezone(cases.zone).date() for row in rows)
    open_due = [row.due_on for row in rows if row.step is not None]
    week_end = today + timedelta(days=WEEK_DAYS - 1)
    return Summary(
        start=cases.start,
        end=cases.end,
        total=len(rows),
        by_day=[(day, per_day[day]) for day in _days(cases.start, cases.end)],
        by_kind=_count(row.kind for row in rows),
        by_status=_count(row.status for row in rows),
        by_department=_count(row.department_code or TRIAGE for row in rows),
        by_demand=_count(row.demand or texts.REPORT_DEMAND_MISSING for row in rows),
        by_field=_count(shipped_labels().get(row.consumer_field, row.consumer_field) for row in rows),
        hotspots=_hotspots(rows),
        due_this_week=sum(today <= due <= week_end for due in open_due),
        overdue=sum(due < today for due in open_due),
        groups=len({row.group_id for row in rows if row.group_id is not None}),
        on_time=_on_time(cases.steps, today),
    )


def _on_time(steps: Iterable[Row[Any]], today: date) -> dict[tuple[str, str], tuple[int, int]]:
    """Per department and step: done in time, and late (done after the due day, or still open past it).
    Steps still running within their time are not judged yet."""
    tally: defaultdict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in steps:
        if row.done_on is None and row.due_on >= today:
            continue
        late = (row.done_on or today) > row.due_on
        tally[(row.department_code or TRIAGE, row.step)][late] += 1
    return {key: (counts[0], counts[1]) for key, counts in sorted(tally.items())}


def export_rows(cases: Cases) -> list[dict[str, object]]:
    """One row per case read, oldest first, times in local time, no identity. CPU-bound: run it in a thread."""
    return [_export_row(row, cases.zone) for row in cases.rows]


def export_csv(rows: list[dict[str, object]]) -> str:
    """The rows as CSV text with a header; the caller encodes it as "utf-8-sig" so that Excel reads it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(texts.REPORT_COLUMNS)
    writer.writerows([_csv_cell(row.get(column)) for column in texts.REPORT_COLUMNS] for row in rows)
    return buffer.getvalue()


def received_between(start: date, end: date, zone: tzinfo) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The conditions for received_at within the local days start..end (compared as UTC instants)."""
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    first = datetime.combine(start, time(), zone).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(), zone).astimezone(UTC)
    return CaseRow.received_at >= first, CaseRow.received_at < after


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def _count(values: Iterable[str]) -> dict[str, int]:
    """Occurrences of each value, the most frequent first."""
    return dict(sorted(Counter(values).items(), key=lambda item: (-item[1], item[0])))


def _hotspots(rows: Sequence[Row[Any]]) -> list[tuple[str, int]]:
    """The businesses with most cases (grouped by business_key), shown by their most common name."""
    names: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        names[row.business_key][row.business_name] += 1
    ranked = [(counter.most_common(1)[0][0], counter.total()) for counter in names.values()]
    return sorted(ranked, key=lambda item: (-item[1], item[0]))[:HOTSPOT_LIMIT]


def _export_row(row: Row[Any], zone: tzinfo) -> dict[str, object]:
    values = (
        row.ticket,
        texts.CASE_KINDS.get(row.kind, row.kind),
        texts.CASE_STATUSES.get(row.status, row.status),
        row.department_code or TRIAGE,
        row.business_name,
        row.demand,
        shipped_labels().get(row.consumer_field, row.consumer_field),
        row.amount,
        _as_utc(row.received_at).astimezone(zone).replace(tzinfo=None, microsecond=0),
        row.due_on,
        texts.REPORT_YES if row.due_provisional else texts.REPORT_NO,
        texts.REPORT_GROUP_CELL.format(group=row.group_id) if row.group_id is not None else texts.REPORT_NO,
    )
    return dict(zip(texts.REPORT_COLUMNS, values, strict=True))


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return str(value)
