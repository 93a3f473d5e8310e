"""The handler contract: a handler gets a Turn and returns an Outcome; it never sends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.messages import IncomingMessage, Reply, UserRef

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class Conversation:
    """A read-only snapshot of the user's conversation row, taken inside the turn's transaction."""

    user: UserRef
    step: str | None
    """Stable name of the active dialog step, or None."""
    slots: Mapping[str, Any]
    wants_human: bool
    idle: bool = False
    """The user's previous turn was longer ago than the idle limit: context may be stale."""


@dataclass(frozen=True)
class Turn:
    """Everything a handler may look at: the message, the conversation, the shared services."""

    message: IncomingMessage
    conversation: Conversation
    services: Any
    """The application's services (knowledge base, settings), passed in by the composition root."""
    db: AsyncSession | None = None
    """The turn's own transaction: what a handler writes commits or rolls back with the turn."""
    prepared: Any = None
    """What the route's `prepare` computed before the write transaction, from a snapshot that may since
    have changed: a handler uses it only when it was computed from the same inputs."""


@dataclass(frozen=True)
class Outcome:
    """What a handler decided: the replies, the next step and the slots to store."""

    replies: tuple[Reply, ...]
    next_step: str | None = None
    slots: Mapping[str, Any] | None = None
    """The new slots; None keeps the stored ones."""
    wants_human: bool | None = None
    """Set or clear the "wants a person" flag; None keeps it."""
    label: str = "ok"
    """A short word for the turn log: answered, suggested, unknown, declined …"""
    confidence: float | None = None
