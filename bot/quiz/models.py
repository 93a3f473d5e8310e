"""ORM rows of the quiz: attempts, each answer with its clock, and players' reports of a question."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base


class QuizAttemptRow(Base):
    """One play: the questions drawn for it, where the player is, and the score so far."""

    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    player: Mapped[str] = mapped_column(String(200), index=True)
    """channel:external id — the identity the rate limits and the daily limit apply to."""
    display_name: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(16))
    """daily, challenge or campaign."""
    campaign: Mapped[str] = mapped_column(String(32), default="")
    day: Mapped[date] = mapped_column(Date, index=True)
    """The bureau's local date the attempt started on (daily limits and daily boards)."""
    questions: Mapped[list] = mapped_column(JSON)
    option_orders: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    """Per question, the order its options are shown in (indexes into the bank's options): the key's
    letter differs from attempt to attempt. Empty for attempts begun before options were shuffled."""
    position: Mapped[int] = mapped_column(Integer, default=0)
    """Index of the question being answered now."""
    shown_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """When the current question was served: the server's clock decides whether an answer is late."""
    score: Mapped[int] = mapped_column(Integer, default=0)
    total_ms: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), index=True)
    """active or finished."""
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class QuizAnswerRow(Base):
    __tablename__ = "quiz_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id"), index=True)
    player: Mapped[str] = mapped_column(String(200), index=True)
    question_id: Mapped[str] = mapped_column(String(80))
    chosen: Mapped[list] = mapped_column(JSON)
    correct: Mapped[bool] = mapped_column(Boolean)
    in_time: Mapped[bool] = mapped_column(Boolean)
    elapsed_ms: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class QuizReportRow(Base):
    """答题纠错: a player thinks a question or its key is wrong; staff get it in their queue."""

    __tablename__ = "quiz_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question_id: Mapped[str] = mapped_column(String(80))
    player: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
