"""The hand-over to the national 12315 platform: the cases of a range in the platform's field order, one
row each, so that staff can register each there (the platform remains the system of record). An
anonymous report has no identity in it; a real-name reporter's only for the roles that may know it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, tzinfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.complaints.models import CasePartyRow, CaseRow
from bot.db import as_utc
from bot.staff.auth import REPORTER_ROLE, StaffUser
from bot.staff.reports import received_between

MAX_ROWS = 20_000


async def platform_rows(session: AsyncSession, start: date, end: date, zone: tzinfo, staff: StaffUser,
                        names: Mapping[str, Mapping[str, str]]) -> list[list[object]]:
    """Rows in texts.PLATFORM_COLUMNS order; `names` maps "departments" and "fields" codes to their names."""
    found = (await session.execute(
        select(CaseRow, CasePartyRow).outerjoin(CasePartyRow, CasePartyRow.case_id == CaseRow.id)
        .where(*received_between(start, end, zone)).order_by(CaseRow.received_at, CaseRow.id).limit(MAX_ROWS)
    )).all()
    return [_row(case, _shown_party(case, party, staff), zone, names) for case, party in found]


def _shown_party(case: CaseRow, party: CasePartyRow | None, staff: StaffUser) -> CasePartyRow | None:
    if case.anonymous or (case.kind == "report" and not staff.can(REPORTER_ROLE)):
        return None
    return party


def _row(case: CaseRow, party: CasePartyRow | None, zone: tzinfo, names: Mapping[str, Mapping[str, str]]
         ) -> list[object]:
    return [
        case.ticket,
        texts.CASE_KINDS[case.kind],
        party.name if party else "",
        party.phone if party else "",
        party.address if party else "",
        case.business_name,
        case.business_address,
        case.platform or "",
        case.occurred_on,
        case.facts,
        case.demand,
        "；".join(case.evidence or []),
        as_utc(case.received_at).astimezone(zone).replace(tzinfo=None, microsecond=0),
        names["departments"].get(case.department_code or "", texts.TRIAGE_DEPARTMENT),
        names["fields"].get(case.consumer_field, case.consumer_field),
        case.platform_number or "",
    ]
