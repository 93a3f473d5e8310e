"""The hand-off queue: open, claim, relay both ways, close; and the sweep for unclaimed ones.

Everything runs inside the caller's transaction. Messages to the citizen go through the outbox,
so they reach the citizen's own channel whichever process delivers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.complaints.models import CaseRow
from bot.core import outbox
from bot.core.messages import Reply, UserRef
from bot.core.tables import ConversationRow
from bot.staff.auth import REPORTER_ROLE, StaffUser
from bot.staff.models import AuditRow, HandoffMessageRow, HandoffRow

ACTIVE_STEP = "handoff.active"
"""The conversation step while a person is attached: the router relays instead of answering."""
PRIORITY = {"urgent": 0, "group": 1, "reopen": 1, "requested": 2, "unsure": 3, "staff": 2, "quiz": 4}
OPEN = ("waiting", "active")


class QueueError(Exception):
    """A queue action that cannot be done now; the message is shown to the staff member."""


async def current(session: AsyncSession, user: UserRef) -> HandoffRow | None:
    """The user's open hand-off (waiting or active), if any."""
    return await session.scalar(
        select(HandoffRow)
        .where(HandoffRow.channel == user.channel, HandoffRow.external_id == user.external_id,
               HandoffRow.status.in_(OPEN))
        .order_by(HandoffRow.id.desc())
        .limit(1)
    )


async def open_handoff(
    session: AsyncSession, user: UserRef, reason: str, now: datetime, *,
    transcript: Sequence[tuple[str, str, datetime | None]] = (), case_id: int | None = None, callback: bool = False,
) -> HandoffRow:
    """Queue the user for a person; an open hand-off is reused (and made more urgent if needed).

    Called inside the user's turn: the handler's Outcome sets the conversation's wants_human flag.
    """
    existing = await current(session, user)
    if existing is not None:
        if PRIORITY[reason] < existing.priority:
            existing.priority, existing.reason = PRIORITY[reason], reason
        return existing
    handoff = HandoffRow(channel=user.channel, external_id=user.external_id, reason=reason,
                         priority=PRIORITY[reason], status="waiting", created_at=now, close_note="", case_id=case_id,
                         callback=callback)
    session.add(handoff)
    await session.flush()
    for sender, text, at in transcript:  # each line at its own time (lines kept without one: now)
        session.add(HandoffMessageRow(handoff_id=handoff.id, sender=sender, text=text, created_at=at or now))
    return handoff


async def record(session: AsyncSession, handoff: HandoffRow, sender: str, text: str, now: datetime,
                 staff: StaffUser | None = None) -> None:
    session.add(HandoffMessageRow(handoff_id=handoff.id, sender=sender, staff_id=staff.id if staff else None,
                                  text=text, created_at=now))


def _tied_to_report() -> ColumnElement[bool]:
    """Hand-offs tied to a report: conversations with a reporter, for REPORTER_ROLE and up only (Art. 33)."""
    return select(CaseRow.id).where(CaseRow.id == HandoffRow.case_id, CaseRow.kind == "report").exists()


def _tied_to_other_county(department: str):
    """A hand-off about a case that another county handles."""
    return select(CaseRow.id).where(CaseRow.id == HandoffRow.case_id, CaseRow.department_code.is_not(None),
                                    CaseRow.department_code != department).exists()


async def confidential(session: AsyncSession, handoff_id: int) -> bool:
    """Whether the hand-off is a conversation with a reporter."""
    return await session.scalar(select(HandoffRow.id).where(HandoffRow.id == handoff_id, _tied_to_report())) is not None


async def waiting(session: AsyncSession, staff: StaffUser | None = None) -> list[HandoffRow]:
    """The queue, most urgent first: as `staff` may see it (no conversation with a reporter below
    REPORTER_ROLE, no other county's case for county staff), or all of it when nobody is named."""
    query = select(HandoffRow).where(HandoffRow.status == "waiting")
    if staff is not None:
        query = _visible_to(query, staff)
    return list((await session.scalars(query.order_by(HandoffRow.priority, HandoffRow.id))).all())


def _visible_to(query, staff: StaffUser):
    """Only what `staff` may see: no conversation with a reporter below REPORTER_ROLE (Art. 33), no other
    county's case for county staff."""
    if not staff.can(REPORTER_ROLE):
        query = query.where(~_tied_to_report())
    if staff.county is not None:
        query = query.where(~_tied_to_other_county(staff.county))
    return query


async def recently_closed(session: AsyncSession, staff: StaffUser, limit: int = 20) -> list[HandoffRow]:
    """Ended hand-offs, newest first, as `staff` may see them: read again after the citizen left."""
    query = _visible_to(select(HandoffRow).where(HandoffRow.status == "closed"), staff)
    return list((await session.scalars(query.order_by(HandoffRow.closed_at.desc()).limit(limit))).all())


REQUEST_MIN_CHARS = 6
"""Shorter lines (转人工, 我要投诉) say that they want a person, not what about."""


async def requests_of(session: AsyncSession, handoffs: Sequence[HandoffRow]) -> dict[int, str]:
    """What each citizen wants: the last thing they said of some length (else the last thing they said),
    for the queue to show its first words."""
    rows = await session.execute(
        select(HandoffMessageRow.handoff_id, HandoffMessageRow.text)
        .where(HandoffMessageRow.handoff_id.in_([h.id for h in handoffs]), HandoffMessageRow.sender == "citizen")
        .order_by(HandoffMessageRow.id))
    found: dict[int, str] = {}
    for handoff_id, text in rows:
        if len(text.strip()) >= REQUEST_MIN_CHARS or len(found.get(handoff_id, "")) < REQUEST_MIN_CHARS:
            found[handoff_id] = text.strip()
    return found


async def mine(session: AsyncSession, staff: StaffUser) -> list[HandoffRow]:
    return list((await session.scalars(
        select(HandoffRow).where(HandoffRow.status == "active", HandoffRow.claimed_by == staff.id)
        .order_by(HandoffRow.claimed_at)
    )).all())


async def claim(
    session: AsyncSession, handoff_id: int, staff: StaffUser, now: datetime, *, max_open: int
) -> HandoffRow:
    """Take a waiting hand-off; the citizen is told a person has joined."""
    count = await session.scalar(
        select(func.count(HandoffRow.id)).where(HandoffRow.status == "active", HandoffRow.claimed_by == staff.id)
    )
    if count >= max_open:
        raise QueueError(texts.QUEUE_LIMIT.format(limit=max_open))
    taken = await session.execute(
        update(HandoffRow)
        .where(HandoffRow.id == handoff_id, HandoffRow.status == "waiting")
        .values(status="active", claimed_by=staff.id, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise QueueError(texts.QUEUE_TAKEN)
    handoff = await session.get(HandoffRow, handoff_id, populate_existing=True)
    await _set_conversation(session, UserRef(handoff.channel, handoff.external_id), step=ACTIVE_STEP, wants_human=True)
    await _tell_citizen(session, handoff, texts.HANDOFF_JOINED.format(name=staff.display_name), now)
    await audit(session, staff, "claim", f"handoff:{handoff_id}", now)
    return handoff


async def contact(session: AsyncSession, case: CaseRow, staff: StaffUser, now: datetime) -> HandoffRow:
    """Staff start a conversation with a case's citizen: the citizen's open hand-off or a new one, claimed by
    them. A reporter is contacted in a hand-off tied to the report (a reused one too), which keeps it from
    those below REPORTER_ROLE; a hand-off a colleague has claimed is not taken over (QueueError)."""
    handoff = await open_handoff(session, UserRef(case.channel, case.external_id), "staff", now, case_id=case.id)
    if case.kind == "report":
        handoff.case_id = case.id
    if handoff.status == "active" and handoff.claimed_by == staff.id:
        return handoff
    await session.flush()
    return await claim(session, handoff.id, staff, now, max_open=10**6)


async def staff_reply(session: AsyncSession, handoff: HandoffRow, staff: StaffUser, text: str, now: datetime) -> None:
    if handoff.status != "active" or handoff.claimed_by != staff.id:
        raise QueueError(texts.QUEUE_NOT_YOURS)
    await record(session, handoff, "staff", text, now, staff)
    await _push(session, handoff, texts.HANDOFF_STAFF_SAYS.format(name=staff.display_name, text=text), now)


async def close(session: AsyncSession, handoff: HandoffRow, now: datetime, *, note: str = "",
                staff: StaffUser | None = None, by_agent: str = "") -> None:
    """End the hand-off: by an agent in the console (`staff`) or in the staff chat (`by_agent`), with a
    note; or by the citizen (结束人工, whose own turn clears the flag)."""
    handoff.status, handoff.closed_at, handoff.close_note = "closed", now, note
    if staff is not None or by_agent:
        await _set_conversation(session, UserRef(handoff.channel, handoff.external_id), step=None, wants_human=False)
        await _tell_citizen(session, handoff, texts.HANDOFF_LEFT, now)
    if staff is not None:
        await audit(session, staff, "close", f"handoff:{handoff.id}", now, {"note": note})


async def relay_from_chat(session: AsyncSession, handoff: HandoffRow, agent: str, text: str, now: datetime) -> None:
    """An agent answering from the staff group chat: the first answer attaches the person."""
    if handoff.status == "waiting":
        handoff.status, handoff.claimed_at = "active", now
        await _set_conversation(session, UserRef(handoff.channel, handoff.external_id), step=ACTIVE_STEP,
                                wants_human=True)
        await _tell_citizen(session, handoff, texts.HANDOFF_JOINED.format(name=agent), now)
    await record(session, handoff, "staff", text, now)
    await _push(session, handoff, texts.HANDOFF_STAFF_SAYS.format(name=agent, text=text), now)


async def transcript(session: AsyncSession, handoff: HandoffRow, after_id: int = 0) -> list[HandoffMessageRow]:
    return list((await session.scalars(
        select(HandoffMessageRow)
        .where(HandoffMessageRow.handoff_id == handoff.id, HandoffMessageRow.id > after_id)
        .order_by(HandoffMessageRow.id)
    )).all())


async def sweep_unclaimed(session: AsyncSession, now: datetime, *, timeout: timedelta, next_contact: str) -> int:
    """Hand-offs nobody claimed in time: tell the citizen honestly, flag them for the supervisor.

    Each is flagged once, by a conditional update, so several workers may run the sweep.
    """
    stale = (await session.scalars(
        select(HandoffRow).where(HandoffRow.status == "waiting", HandoffRow.created_at <= now - timeout,
                                 HandoffRow.supervisor_notified_at.is_(None))
    )).all()
    flagged = 0
    for handoff in stale:
        marked = await session.execute(
            update(HandoffRow).where(HandoffRow.id == handoff.id, HandoffRow.supervisor_notified_at.is_(None))
            .values(supervisor_notified_at=now).execution_options(synchronize_session=False)
        )
        if marked.rowcount == 1:
            await _tell_citizen(session, handoff, texts.HANDOFF_NOBODY_FREE.format(when=next_contact), now)
            flagged += 1
    return flagged


async def audit(session: AsyncSession, staff: StaffUser | None, action: str, target: str, now: datetime,
                detail: dict | None = None) -> None:
    session.add(AuditRow(created_at=now, staff_id=staff.id if staff else None, action=action, target=target,
                         detail=detail or {}))


async def _tell_citizen(session: AsyncSession, handoff: HandoffRow, text: str, now: datetime) -> None:
    """A notice from the bot: in the transcript, and to the citizen."""
    await record(session, handoff, "bot", text, now)
    await _push(session, handoff, text, now)


async def _push(session: AsyncSession, handoff: HandoffRow, text: str, now: datetime) -> None:
    outbox.push(session, UserRef(handoff.channel, handoff.external_id), [Reply(text)], now=now)


async def _set_conversation(session: AsyncSession, user: UserRef, *, step: str | None, wants_human: bool) -> None:
    """From the staff side: bump the version so that a turn running now retries and sees the change."""
    await session.execute(
        update(ConversationRow)
        .where(ConversationRow.channel == user.channel, ConversationRow.external_id == user.external_id)
        .values(step=step, wants_human=wants_human, version=ConversationRow.version + 1)
        .execution_options(synchronize_session=False)
    )
