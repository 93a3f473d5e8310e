"""ORM rows of complaint and report cases.

Case data that may be shown to the business (in mediation) is kept apart from the people who
filed it: names, phones and addresses live only in `case_parties` (Art. 33 keeps a reporter's
identity from the business).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base


class CaseRow(Base):
    """One complaint (投诉) or report (举报), as filed, with its routing and deadline."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    """"complaint" or "report"."""
    linked_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    """The other half when one filing was both a complaint and a report (Art. 7)."""
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128), index=True)
    """Who filed it (the channel's user id), so that 查进度 finds the citizen's own cases."""
    status: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """None while the case waits in the triage queue."""
    responsible: Mapped[str] = mapped_column(String(128), default="")
    routing_basis: Mapped[str] = mapped_column(Text, default="")
    business_name: Mapped[str] = mapped_column(String(200))
    business_key: Mapped[str] = mapped_column(String(200), index=True)
    """The business name normalised for grouping complaints against the same business."""
    business_address: Mapped[str] = mapped_column(String(300), default="")
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    platform: Mapped[str] = mapped_column(String(100), default="")
    facts: Mapped[str] = mapped_column(Text, default="")
    occurred_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    demand: Mapped[str] = mapped_column(String(32), default="")
    platform_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    """The number the national 12315 platform gave the case, once staff registered it there."""
    consumer_field: Mapped[str] = mapped_column(String(32), default="other", server_default="other", index=True)
    """The goods or services category (knowledge/data/consumer_fields.toml), suggested from the text at
    filing and corrected by staff."""
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    accepts_mediation: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    """Art. 15 pre-check warnings the citizen saw and chose to file anyway."""
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    """The due date of the current step (`step`); for a referred case, the staff's own target."""
    step: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    """The open step of the deadline chain (bot/complaints/steps.py), None when none runs."""
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("case_groups.id"), nullable=True, index=True)
    assignee: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The staff member (login name) handling the case, once assigned."""
    watch_id: Mapped[int | None] = mapped_column(ForeignKey("watched_businesses.id"), nullable=True, index=True)
    """Filed against a business on the watch list (exposed on the 3·15 gala): flagged to its supervisors."""


class CasePartyRow(Base):
    """The identity of a complainant or real-name reporter, stored apart from the case."""

    __tablename__ = "case_parties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    """"complainant" or "reporter"."""
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(300), default="")
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When they agreed to the privacy notice (what is collected, why, who sees it, how long it is kept)."""


class CaseEventRow(Base):
    """The status history of a case: every change, who made it and why."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64), default="system")


class CaseGroupRow(Base):
    """Several complaints against one business in a short time: escalated at once (Art. 11)."""

    __tablename__ = "case_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    """Flagged for immediate escalation; the hand-off queue picks it up."""


class WatchedBusinessRow(Base):
    """A business exposed on the CCTV 3·15 gala: new complaints and reports against it are flagged."""

    __tablename__ = "watched_businesses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_key: Mapped[str] = mapped_column(String(200), index=True)
    """Compared with a new case's business_key as group cases compare them (rapidfuzz ratio)."""
    business_name: Mapped[str] = mapped_column(String(200))
    product: Mapped[str] = mapped_column(String(200), default="")
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    """The case the exposure was registered as (source 晚会曝光)."""
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    added_by: Mapped[str] = mapped_column(String(64))
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lifted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class CaseStepRow(Base):
    """One step of a case's deadline chain (acceptance, mediation, …): when it was due, when it was done."""

    __tablename__ = "case_steps"
    __table_args__ = (UniqueConstraint("case_id", "step", name="uq_case_steps_case_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    step: Mapped[str] = mapped_column(String(32))
    started_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    """The bureau's local day the step was completed; None while open."""


class StatusCheckFailureRow(Base):
    """A wrong phone check on someone else's ticket: counted per ticket and per requester over a day, so
    that neither a new conversation nor a new identity starts the count again."""

    __tablename__ = "status_check_failures"
    __table_args__ = (Index("ix_status_check_failures_ticket", "ticket", "failed_at"),
                      Index("ix_status_check_failures_requester", "requester", "failed_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket: Mapped[str] = mapped_column(String(16))
    requester: Mapped[str] = mapped_column(String(180))
    """The requester as "channel:id"."""
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseRatingRow(Base):
    """The citizen's rating of how a closed case was handled (1-5), with an optional comment."""

    __tablename__ = "case_ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
