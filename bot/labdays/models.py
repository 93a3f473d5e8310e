"""ORM rows of laboratory open days (实验室开放日) and free testing: events and citizens' bookings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base


class LabEventRow(Base):
    """An open day or free-testing session staff published: when, where, how many, what to bring."""

    __tablename__ = "lab_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    place: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    bring: Mapped[str] = mapped_column(Text, default="")
    """What citizens may bring (scales, jewellery, glasses …)."""
    booked: Mapped[int] = mapped_column(Integer, default=0)
    """Places taken: raised in the booking's own transaction only while below capacity."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))


class LabBookingRow(Base):
    """A citizen's place at an event, on the channel they booked from (reminders go there)."""

    __tablename__ = "lab_bookings"
    __table_args__ = (UniqueConstraint("event_id", "channel", "external_id", name="uq_lab_bookings_citizen"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("lab_events.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    """"booked" or "cancelled"."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
