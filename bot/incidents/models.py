"""ORM rows of incident reports (突发事件信息报告): one per group case or gala exposure, with its checklist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base


class IncidentReportRow(Base):
    """A major incident being handled and reported up: what, which case, where it started, since when."""

    __tablename__ = "incident_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    """"group" (several complaints against one business, Art. 11) or "gala" (exposed on the 3·15 gala)."""
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    """The gala case, or the group's first complaint."""
    group_id: Mapped[int | None] = mapped_column(ForeignKey("case_groups.id"), nullable=True, unique=True)
    """One report per group case, whichever worker's sweep opens it."""
    title: Mapped[str] = mapped_column(String(200))
    department_code: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    """The department whose supervisors handle it; None: the city bureau's."""
    start_level: Mapped[int] = mapped_column(Integer)
    """The reporting level it starts at ([incidents] levels): 0 a county department, 1 the city bureau."""
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    opened_by: Mapped[str] = mapped_column(String(64))


class IncidentStepRow(Base):
    """One checklist step of a report: when it is due, when it was done, by whom, with what note."""

    __tablename__ = "incident_steps"
    __table_args__ = (UniqueConstraint("report_id", "key", name="uq_incident_steps_report_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("incident_reports.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    """The plan's key; a report up is "report:<level>"."""
    title: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
