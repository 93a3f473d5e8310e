"""ORM rows of the staff side: accounts, sessions, hand-offs with their transcript, the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base

ROLES = ("admin", "supervisor", "agent", "viewer")


class StaffRow(Base):
    """A staff account; the password is stored only as an argon2 hash."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    department_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """The county bureau this person works for; None for the city bureau."""


class StaffSessionRow(Base):
    """A server-side login session; the cookie holds a random token, the row only its hash."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HandoffRow(Base):
    """A conversation handed to a person: waiting in the queue, claimed by an agent, or closed."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    """requested, unsure, urgent, group or staff."""
    priority: Mapped[int] = mapped_column(Integer)
    """0 is the most urgent."""
    status: Mapped[str] = mapped_column(String(16), index=True)
    """waiting, active or closed."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    close_note: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    supervisor_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """Set when nobody claimed it in time: the citizen was told, the supervisor sees it flagged."""
    callback: Mapped[bool] = mapped_column(Boolean, default=False)
    """Asked for outside duty hours: staff call or write back when the next shift starts."""
    posted_to_chat: Mapped[bool] = mapped_column(Boolean, default=False)
    """Announced in the Telegram staff group (when one is configured)."""


class HandoffMessageRow(Base):
    """The transcript of a hand-off: what the citizen, the bot and the agent said."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"), index=True)
    sender: Mapped[str] = mapped_column(String(16))
    """citizen, bot or staff."""
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """Who looked at or changed what, and when: every case view and change is recorded."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(64))
    """e.g. "case:12" or "handoff:3"."""
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class DutyChangeRow(Base):
    """A change to the default duty week made in the console: extra duty or leave."""

    __tablename__ = "duty_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    on_duty: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


class DutySurgeRow(Base):
    """The surge switch (nights like the 3·15 gala): every listed staff member on duty until `until`."""

    __tablename__ = "duty_surges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


class ConsumerWarningRow(Base):
    """A consumer warning or typical case (消费警示) published by staff."""

    __tablename__ = "consumer_warnings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


class WarningSubscriptionRow(Base):
    """A citizen who asked to receive new consumer warnings on their channel."""

    __tablename__ = "warning_subscriptions"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_warning_subscriptions_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EscalationRow(Base):
    """A group case or an overdue case raised to the responsible people, level by level.

    Level 1 goes to the supervisors of the case's department; unclaimed in time it rises to
    level 2, the city bureau.
    """

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("case_id", "reason", name="uq_escalations_case_reason"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    reason: Mapped[str] = mapped_column(String(16))
    """group or overdue."""
    level: Mapped[int] = mapped_column(Integer)
    department_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """When it reached its current level."""
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
