"""ORM rows of the core: conversations, processed messages (dedup), the turn log and web chat lines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base


class ConversationRow(Base):
    """One user's conversation on one channel: dialog step, slots and the hand-off flag."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_conversations_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    step: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """Stable name of the active dialog step, e.g. "complaint.phone"; None outside a dialog."""
    slots: Mapped[dict] = mapped_column(JSON, default=dict)
    """Dialog answers and Q&A context (the law cited last, pending suggestions)."""
    wants_human: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Optimistic lock: a save only succeeds if nobody saved since the row was read."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProcessedMessageRow(Base):
    """A platform message already handled, with the replies it got (retries get them again)."""

    __tablename__ = "processed_messages"

    dedup_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    replies: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class TurnEventRow(Base):
    """One handled turn, for statistics. Never holds message text, names or phone numbers."""

    __tablename__ = "turn_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_hash: Mapped[str] = mapped_column(String(16))
    """A truncated SHA-256 of the user reference: enough to count users, not to name them."""
    message_kind: Mapped[str] = mapped_column(String(16))
    route: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    citations: Mapped[list] = mapped_column(JSON, default=list)
    latency_ms: Mapped[float] = mapped_column(Float)
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)


class OutboxRow(Base):
    """A message to push to a user outside their own turn (status notices, staff replies).

    Written in the transaction that caused it; a channel's sender delivers and marks it.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32), index=True)
    external_id: Mapped[str] = mapped_column(String(128))
    replies: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """How many of `replies` have been delivered: a retry starts after them, so none is sent twice."""
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """Backoff after a failed delivery: not tried again before this time."""
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    """Given up (e.g. outside WeChat's 48-hour window); kept as the record of what was not delivered."""
    last_error: Mapped[str] = mapped_column(String(200), default="")
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    """The case a status notice is about: staff see on the case the notices that did not arrive."""
    notice: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    """A case notice's fields ({"ticket", "status", "time"}), for channels that need a structured message
    (a WeChat template message once the 48-hour customer-service window has closed)."""


class AccessTokenRow(Base):
    """A platform access token shared by all workers, refreshed by whichever needs it first."""

    __tablename__ = "access_tokens"

    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(512))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QuizPollRow(Base):
    """A native quiz poll we sent (Telegram): the votes on it answer the quiz of that chat."""

    __tablename__ = "quiz_polls"

    poll_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AppSecretRow(Base):
    """A key the server made for itself (e.g. the one signing web identities), shared by every worker."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChatLineRow(Base):
    """One line of a web chat as the citizen saw it, so that a reloaded page can draw the conversation
    again. Personal data: read only with the browser's own identity, pruned after
    [database] chat_line_days."""

    __tablename__ = "chat_lines"
    __table_args__ = (Index("ix_chat_lines_user", "channel", "external_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    speaker: Mapped[str] = mapped_column(String(8))
    """"citizen" or "bot" (the bot's replies, staff messages and notices alike)."""
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list] = mapped_column(JSON, default=list)
    citations: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
