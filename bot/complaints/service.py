"""Filing, finding and updating cases, inside the caller's transaction."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.complaints import steps
from bot.complaints.deadlines import Rule, WorkingCalendar, deadline
from bot.complaints.drafts import CaseDraft
from bot.complaints.jurisdiction import Department, Jurisdiction
from bot.complaints.models import (
    CaseEventRow,
    CaseGroupRow,
    CasePartyRow,
    CaseRow,
    StatusCheckFailureRow,
    WatchedBusinessRow,
)
from bot.complaints.numbering import new_ticket
from bot.core import outbox
from bot.core.messages import Reply, UserRef
from bot.core.tables import OutboxRow

BUSINESS_SUFFIX = re.compile(r"(有限责任公司|股份有限公司|有限公司|公司|旗舰店|专卖店|专营店|分店|门店|总店|店)$")
GROUP_CANDIDATES = 500
INTERNAL_NOTES = frozenset({"group", "watch", "joint_consent", "joint_declined"})
INTERNAL_PREFIXES = ("field:", "platform:", "reopen:")
"""Case events that record bookkeeping, not a step of the procedure: kept out of the citizen's history."""


def is_internal(note: str) -> bool:
    return note in INTERNAL_NOTES or note.startswith(INTERNAL_PREFIXES)


@dataclass(frozen=True)
class CaseSettings:
    """What filing needs besides the data: the calendar, the routing table and the group rules."""

    calendar: WorkingCalendar
    jurisdiction: Jurisdiction
    draft_expiry_days: int
    group_window: timedelta
    group_min_cases: int
    group_similarity: int
    status_check_attempts: int
    """Wrong phone digits allowed on one ticket within the window, whoever tries."""
    status_check_requester_attempts: int
    """Wrong phone digits allowed to one requester within the window, over all tickets."""
    status_check_window: timedelta
    timezone: ZoneInfo
    """The bureau's clock: deadlines count from the local day a case arrives."""
    odr_members: tuple[str, ...]
    """Business names that take part in online dispute resolution ([complaints] odr_members)."""
    reopen_window: timedelta
    """After closing, how long the citizen may ask to reopen the case and rate its handling."""


@dataclass(frozen=True)
class FiledCase:
    ticket: str
    kind: str
    department_name: str | None
    due_on: date
    due_provisional: bool
    step: str | None = None
    """The open step of the deadline chain, whose due day `due_on` is."""
    referred: bool = False
    """Outside the city: recorded, and the citizen told where to go instead (Art. 15(1), 29)."""
    anonymous: bool = False
    online: bool = False


@dataclass(frozen=True)
class Filing:
    cases: tuple[FiledCase, ...]
    group_flagged: bool
    group_case_id: int | None = None
    """The complaint that joined a group case, for the urgent hand-off."""


def business_key(cleaned_name: str) -> str:
    """A business name reduced for matching: no spaces, no company or shop suffix."""
    key = re.sub(r"[\s\W_]+", "", cleaned_name)
    return BUSINESS_SUFFIX.sub("", key) or key


def mask_phone(e164: str) -> str:
    digits = e164.removeprefix("+86")
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "****"


async def file(
    session: AsyncSession, drafts: Sequence[CaseDraft], *, user: UserRef, now: datetime, settings: CaseSettings,
    actor: str = "citizen",
) -> Filing:
    """Store the complaint and/or report of a confirmed form; both halves are linked (Art. 7). `actor` is who
    registered it: the citizen in chat, else the staff member at a desk, on the phone or from the gala."""
    today = now.astimezone(settings.timezone).date()
    watched = await _active_watches(session)
    rows: list[CaseRow] = []
    for draft in drafts:
        row = await _new_case(session, draft, user=user, now=now, settings=settings)
        await steps.follow(session, row, row.status, today, settings.calendar)
        session.add(CaseEventRow(case_id=row.id, created_at=now, status=row.status, note="", actor=actor))
        row.watch_id = _watch_on(watched, row.business_key, settings)
        if row.watch_id is not None:
            session.add(CaseEventRow(case_id=row.id, created_at=now, status=row.status, note="watch", actor="system"))
        if draft.party is not None and not draft.anonymous:
            role = "complainant" if draft.kind == "complaint" else "reporter"
            session.add(CasePartyRow(case_id=row.id, role=role, name=draft.party.name, phone=draft.party.phone,
                                     address=draft.party.address,
                                     consented_at=now if draft.party.consented else None))
        rows.append(row)
    if len(rows) == 2:
        rows[0].linked_case_id, rows[1].linked_case_id = rows[1].id, rows[0].id
    complaint = next((row for row in rows if row.kind == "complaint" and row.status == "received"), None)
    flagged = await _group(session, complaint, now, settings) if complaint else False
    await session.flush()
    return Filing(tuple(filed_case(row, settings) for row in rows), flagged, complaint.id if flagged else None)


async def _new_case(session: AsyncSession, draft: CaseDraft, *, user: UserRef, now: datetime,
                    settings: CaseSettings) -> CaseRow:
    """The case row of one draft, routed and with its first due day."""
    # Complaints go by Art. 12, reports by Arts. 25 and 27: the two halves of one filing may differ.
    routing = settings.jurisdiction.route(draft.business, report=draft.kind == "report")
    # The first step's due day; steps.follow records it as that step (a referred case has no step, and the
    # day stays as the staff's own target).
    rule = Rule.DECIDE_ACCEPTANCE if draft.kind == "complaint" else Rule.VERIFY_CLUE
    due = deadline(settings.calendar, rule, now.astimezone(settings.timezone).date())
    row = CaseRow(
        ticket=await _unused_ticket(session, draft.kind),
        kind=draft.kind,
        channel=user.channel,
        external_id=user.external_id,
        status="referred" if routing.outside else "received",
        department_code=routing.department.code if routing.department else None,
        responsible=routing.department.responsible if routing.department else "",
        routing_basis=routing.basis,
        business_name=draft.business.name,
        business_key=business_key(draft.business_name_key)[:200],
        business_address=draft.business.address,
        online=draft.business.online,
        platform=draft.business.platform,
        facts=draft.facts,
        occurred_on=draft.occurred_on,
        amount=draft.amount,
        demand=draft.demand,
        consumer_field=draft.consumer_field,
        evidence=list(draft.evidence),
        accepts_mediation=draft.accepts_mediation,
        on_behalf=draft.on_behalf,
        anonymous=draft.anonymous,
        warnings=list(draft.warnings),
        received_at=now,
        due_on=due.due,
        due_provisional=due.provisional,
    )
    session.add(row)
    await session.flush()
    return row


def filed_case(row: CaseRow, settings: CaseSettings) -> FiledCase:
    """What the citizen is told about a filed case: its ticket, department, current step and due day."""
    department = settings.jurisdiction.by_code(row.department_code or "")
    return FiledCase(row.ticket, row.kind, department.name if department else None, row.due_on, row.due_provisional,
                     step=row.step, referred=row.status == "referred", anonymous=row.anonymous, online=row.online)


async def _unused_ticket(session: AsyncSession, kind: str) -> str:
    while True:
        ticket = new_ticket(kind)
        if await session.scalar(select(CaseRow.id).where(CaseRow.ticket == ticket)) is None:
            return ticket


async def _active_watches(session: AsyncSession) -> list[tuple[int, str]]:
    """(id, business key) of the watch list: businesses exposed on the 3·15 gala, not lifted."""
    return list((await session.execute(
        select(WatchedBusinessRow.id, WatchedBusinessRow.business_key).where(WatchedBusinessRow.lifted_at.is_(None))
    )).all())


def _watch_on(watched: list[tuple[int, str]], key: str, settings: CaseSettings) -> int | None:
    """The watch-list entry this business matches (as group cases match names), if any."""
    return next((watch_id for watch_id, watched_key in watched
                 if fuzz.ratio(watched_key, key) >= settings.group_similarity), None)


async def _group(session: AsyncSession, case: CaseRow, now: datetime, settings: CaseSettings) -> bool:
    """Link complaints against the same business in the window; flag the group for escalation (Art. 11)."""
    recent = (
        await session.scalars(
            select(CaseRow)
            .where(CaseRow.kind == "complaint", CaseRow.received_at >= now - settings.group_window,
                   CaseRow.id != case.id)
            .order_by(CaseRow.received_at.desc())
            .limit(GROUP_CANDIDATES)
        )
    ).all()
    same = [row for row in recent if fuzz.ratio(row.business_key, case.business_key) >= settings.group_similarity]
    complainants = {(row.channel, row.external_id) for row in same} | {(case.channel, case.external_id)}
    if len(complainants) < settings.group_min_cases:
        return False
    group_id = next((row.group_id for row in same if row.group_id is not None), None)
    if group_id is None:
        group = CaseGroupRow(business_key=case.business_key, created_at=now, escalated=True)
        session.add(group)
        await session.flush()
        group_id = group.id
    for row in [*same, case]:
        if row.group_id != group_id:
            row.group_id = group_id
            session.add(CaseEventRow(case_id=row.id, created_at=now, status=row.status, note="group", actor="system"))
    return True


async def cases_of(session: AsyncSession, user: UserRef, limit: int = 5) -> list[CaseRow]:
    return list(
        (
            await session.scalars(
                select(CaseRow)
                .where(CaseRow.channel == user.channel, CaseRow.external_id == user.external_id)
                .order_by(CaseRow.received_at.desc(), CaseRow.id.desc())
                .limit(limit)
            )
        ).all()
    )


async def find(session: AsyncSession, ticket: str) -> CaseRow | None:
    """The case with this ticket; None for anything else (a NUL would be a PostgreSQL error, not a miss)."""
    if "\x00" in ticket:
        return None
    return await session.scalar(select(CaseRow).where(CaseRow.ticket == ticket))


async def contact_phone(session: AsyncSession, case: CaseRow) -> str | None:
    """The phone of the complainant or real-name reporter, for verifying a status lookup."""
    return await session.scalar(select(CasePartyRow.phone).where(CasePartyRow.case_id == case.id))


async def status_checks_left(session: AsyncSession, ticket: str, requester: UserRef, now: datetime,
                             settings: CaseSettings) -> int:
    """How many more phone checks may be tried on this ticket by this requester now: wrong guesses count
    per ticket and per requester over the window, so a new conversation or a new id starts nothing afresh."""
    since = now - settings.status_check_window
    recent = select(func.count(StatusCheckFailureRow.id)).where(StatusCheckFailureRow.failed_at > since)
    on_ticket = await session.scalar(recent.where(StatusCheckFailureRow.ticket == ticket))
    by_requester = await session.scalar(recent.where(StatusCheckFailureRow.requester == _requester(requester)))
    return min(settings.status_check_attempts - on_ticket, settings.status_check_requester_attempts - by_requester)


def record_failed_check(session: AsyncSession, ticket: str, requester: UserRef, now: datetime) -> None:
    session.add(StatusCheckFailureRow(ticket=ticket, requester=_requester(requester), failed_at=now))


def _requester(user: UserRef) -> str:
    return f"{user.channel}:{user.external_id}"


INTAKE_CHANNELS = {"desk": "现场", "phone": "电话", "visit": "来访"}
GALA_CHANNEL = "gala"
"""The source of a case registered from a CCTV 3·15 gala exposure: no citizen to notify."""
"""Where staff took a case in person (Measures Art. 9: written down by staff); the citizen is reached by phone."""


async def set_consumer_field(session: AsyncSession, case: CaseRow, code: str, *, actor: str, now: datetime) -> None:
    """Staff correct the suggested consumer field; the change is kept in the case history."""
    case.consumer_field = code
    session.add(CaseEventRow(case_id=case.id, created_at=now, status=case.status, note=f"field:{code}", actor=actor))


async def set_platform_number(session: AsyncSession, case: CaseRow, number: str, *, actor: str,
                              now: datetime) -> None:
    """The number the national 12315 platform gave the case once staff registered it there."""
    case.platform_number = number
    session.add(CaseEventRow(case_id=case.id, created_at=now, status=case.status, note=f"platform:{number}",
                             actor=actor))


def in_odr(name_key: str, member_keys: Sequence[str], settings: CaseSettings) -> bool:
    """Whether the business (its cleaned name) is one of the configured ODR members (cleaned the same way):
    named alike as closely as two complaints' businesses must be to count as one."""
    key = business_key(name_key)
    return any(fuzz.ratio(key, business_key(member)) >= settings.group_similarity for member in member_keys)


async def history(session: AsyncSession, case: CaseRow) -> list[CaseEventRow]:
    return list(
        (await session.scalars(
            select(CaseEventRow).where(CaseEventRow.case_id == case.id).order_by(CaseEventRow.id)
        )).all()
    )


async def change_status(
    session: AsyncSession, case: CaseRow, status: str, *, note: str, actor: str, now: datetime, settings: CaseSettings
) -> None:
    """Record a status change, move the deadline chain on, and queue a notice to the citizen on their channel."""
    case.status = status
    await steps.follow(session, case, status, now.astimezone(settings.timezone).date(), settings.calendar)
    session.add(CaseEventRow(case_id=case.id, created_at=now, status=status, note=note, actor=actor))
    if case.channel != GALA_CHANNEL:  # a gala exposure has no citizen to tell
        _notify_citizen(session, case, now, settings)
    await session.flush()


def _notify_citizen(session: AsyncSession, case: CaseRow, now: datetime, settings: CaseSettings) -> None:
    label = texts.CASE_STATUSES[case.status]
    notice = Reply(texts.STATUS_CHANGED.format(ticket=case.ticket, status=label))
    fields = {"ticket": case.ticket, "status": label,
              "time": now.astimezone(settings.timezone).strftime("%Y-%m-%d %H:%M")}
    unreachable = texts.CALL_BACK if case.channel in INTAKE_CHANNELS else ""
    outbox.push(session, UserRef(case.channel, case.external_id), [notice], now=now, case_id=case.id, notice=fields,
                unreachable=unreachable)


async def extend_verification(
    session: AsyncSession, case: CaseRow, *, note: str, actor: str, now: datetime, settings: CaseSettings
) -> bool:
    """Special circumstances: verification of a reported clue gets 15 more working days (penalty procedure
    rules, claim `report_verify`), once; the citizen's status reply then shows the new date."""
    extended = await steps.extend(session, case, "verification", Rule.VERIFY_CLUE_EXTENDED, settings.calendar)
    if extended:
        due = case.due_on.strftime("%Y-%m-%d")
        session.add(CaseEventRow(case_id=case.id, created_at=now, status=case.status, actor=actor,
                                 note=texts.VERIFICATION_EXTENDED.format(due=due, reason=note)))
    return extended


async def assign(session: AsyncSession, case: CaseRow, username: str, *, actor: str, now: datetime) -> None:
    """Make a colleague the case's responsible person (承办人), in the case history."""
    case.assignee = username
    session.add(CaseEventRow(case_id=case.id, created_at=now, status=case.status, actor=actor,
                             note=texts.ASSIGNED_PERSON.format(name=username)))


async def route_to(
    session: AsyncSession, case: CaseRow, department: Department, *, actor: str, now: datetime
) -> None:
    """Hand the case to another department (承办单位) and its responsible person, in the case history."""
    case.department_code = department.code
    case.responsible = department.responsible
    session.add(CaseEventRow(case_id=case.id, created_at=now, status=case.status, actor=actor,
                             note=texts.ASSIGNED.format(code=department.code)))


async def message_citizen(session: AsyncSession, case: CaseRow, text: str, *, now: datetime) -> None:
    """A message from the bureau about the case, queued to the citizen's channel."""
    reply = Reply(texts.BUREAU_MESSAGE.format(ticket=case.ticket, text=text))
    outbox.push(session, UserRef(case.channel, case.external_id), [reply], now=now)


async def undelivered_notices(session: AsyncSession, case: CaseRow) -> list[OutboxRow]:
    """The case's notices that could not reach the citizen on their channel: staff phone them instead."""
    return list((await session.scalars(
        select(OutboxRow).where(OutboxRow.case_id == case.id, OutboxRow.failed.is_(True)).order_by(OutboxRow.id)
    )).all())


async def record_joint_consent(session: AsyncSession, case: CaseRow, *, consents: bool, now: datetime) -> None:
    """The complainant's answer to joint handling (Art. 11), kept in the case history for staff."""
    note = "joint_consent" if consents else "joint_declined"
    session.add(CaseEventRow(case_id=case.id, created_at=now, status=case.status, note=note, actor="citizen"))
    await session.flush()
