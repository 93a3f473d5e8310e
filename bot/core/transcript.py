"""The last few exchanges of a conversation, kept so that a hand-off shows staff what was said."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.core.messages import IncomingMessage, MessageKind, Reply

RECENT_SLOT = "recent"
KEEP = 8


def remember_recent(slots: Mapping[str, Any], message: IncomingMessage, replies: tuple[Reply, ...],
                    now: datetime) -> dict[str, Any]:
    """Append the citizen's text and the bot's replies, each with its time; keep the last few entries."""
    recent = list(slots.get(RECENT_SLOT, []))
    at = now.isoformat()
    if message.kind is MessageKind.TEXT and message.text.strip():
        recent.append(["citizen", message.text.strip()[:500], at])
    if replies:
        recent.append(["bot", "\n".join(reply.text for reply in replies)[:500], at])
    return {**slots, RECENT_SLOT: recent[-KEEP:]}


def recent_lines(slots: Mapping[str, Any]) -> list[tuple[str, str, datetime | None]]:
    """The kept entries as (speaker, text, time); entries kept before times were stored have none."""
    lines = []
    for entry in slots.get(RECENT_SLOT, []):
        speaker, text, *rest = entry
        lines.append((speaker, text, datetime.fromisoformat(rest[0]) if rest else None))
    return lines
