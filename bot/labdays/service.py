"""Laboratory open days and free testing (实验室开放日, 免费检验/检定): staff publish events, citizens book
a place in chat on any channel, are reminded the day before through the outbox, and may cancel.

A place is taken by one conditional update of the event's count (`booked < capacity`), so concurrent
bookings never exceed the capacity on SQLite or PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.core import outbox
from bot.core.messages import Reply, UserRef
from bot.db import as_utc
from bot.labdays.models import LabBookingRow, LabEventRow

SHOWN_EVENTS = 5


class Booked(Enum):
    BOOKED = "booked"
    ALREADY = "already"
    FULL = "full"
    GONE = "gone"
    """No such event, or it has begun."""


async def publish(session: AsyncSession, *, title: str, starts_at: datetime, place: str, capacity: int, bring: str,
                  staff_id: int, now: datetime) -> LabEventRow:
    event = LabEventRow(title=title, starts_at=starts_at, place=place, capacity=capacity, bring=bring, booked=0,
                        created_at=now, created_by=staff_id)
    session.add(event)
    await session.flush()
    return event


async def upcoming(session: AsyncSession, now: datetime, limit: int = SHOWN_EVENTS) -> list[LabEventRow]:
    return list((await session.scalars(select(LabEventRow).where(LabEventRow.starts_at > now)
                                       .order_by(LabEventRow.starts_at).limit(limit))).all())


async def book(session: AsyncSession, event_id: int, user: UserRef, now: datetime) -> tuple[Booked, LabEventRow | None]:
    """Take a place for the citizen, unless they have one, the event is full or it has begun."""
    event = await session.get(LabEventRow, event_id)
    if event is None or as_utc(event.starts_at) <= now:
        return Booked.GONE, None
    booking = await _booking(session, event_id, user)
    if booking is not None and booking.status == "booked":
        return Booked.ALREADY, event
    taken = await session.execute(
        update(LabEventRow).where(LabEventRow.id == event_id, LabEventRow.booked < LabEventRow.capacity)
        .values(booked=LabEventRow.booked + 1).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        return Booked.FULL, event
    if booking is None:
        session.add(LabBookingRow(event_id=event_id, channel=user.channel, external_id=user.external_id,
                                  status="booked", created_at=now))
    else:
        booking.status, booking.created_at, booking.reminded_at = "booked", now, None
    await session.flush()
    await session.refresh(event)
    return Booked.BOOKED, event


async def _booking(session: AsyncSession, event_id: int, user: UserRef) -> LabBookingRow | None:
    return await session.scalar(select(LabBookingRow).where(
        LabBookingRow.event_id == event_id, LabBookingRow.channel == user.channel,
        LabBookingRow.external_id == user.external_id))


async def cancel(session: AsyncSession, event_id: int, user: UserRef) -> bool:
    """Give the citizen's place back; False when they had none."""
    cancelled = await session.execute(
        update(LabBookingRow).where(LabBookingRow.event_id == event_id, LabBookingRow.channel == user.channel,
                                    LabBookingRow.external_id == user.external_id, LabBookingRow.status == "booked")
        .values(status="cancelled").execution_options(synchronize_session=False))
    if cancelled.rowcount != 1:
        return False
    await session.execute(update(LabEventRow).where(LabEventRow.id == event_id)
                          .values(booked=LabEventRow.booked - 1).execution_options(synchronize_session=False))
    return True


async def mine(session: AsyncSession, user: UserRef, now: datetime) -> list[LabEventRow]:
    """The upcoming events the citizen holds a place at."""
    return list((await session.scalars(
        select(LabEventRow).join(LabBookingRow, LabBookingRow.event_id == LabEventRow.id)
        .where(LabBookingRow.channel == user.channel, LabBookingRow.external_id == user.external_id,
               LabBookingRow.status == "booked", LabEventRow.starts_at > now)
        .order_by(LabEventRow.starts_at))).all())


async def bookings(session: AsyncSession, event_id: int) -> list[LabBookingRow]:
    return list((await session.scalars(select(LabBookingRow).where(LabBookingRow.event_id == event_id)
                                       .order_by(LabBookingRow.id))).all())


async def send_reminders(session: AsyncSession, now: datetime, zone: tzinfo) -> int:
    """Remind everyone booked for an event that is tomorrow (the bureau's days), once each: a conditional
    update claims each reminder, so several workers may run this."""
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(), zone).astimezone(UTC)  # stored instants are compared in UTC
    due = (await session.execute(
        select(LabBookingRow, LabEventRow).join(LabEventRow, LabEventRow.id == LabBookingRow.event_id)
        .where(LabBookingRow.status == "booked", LabBookingRow.reminded_at.is_(None),
               LabEventRow.starts_at >= start, LabEventRow.starts_at < start + timedelta(days=1)))).all()
    sent = 0
    for booking, event in due:
        claimed = await session.execute(
            update(LabBookingRow).where(LabBookingRow.id == booking.id, LabBookingRow.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount == 1:
            text = texts.LAB_REMINDER.format(**describe(event, zone))
            outbox.push(session, UserRef(booking.channel, booking.external_id), [Reply(text)], now=now)
            sent += 1
    return sent


def describe(event: LabEventRow, zone: tzinfo) -> dict[str, str]:
    """The fields a citizen is told about an event."""
    return {"title": event.title, "when": as_utc(event.starts_at).astimezone(zone).strftime("%m月%d日 %H:%M"),
            "place": event.place, "bring": event.bring or texts.NONE, "left": str(event.capacity - event.booked)}
