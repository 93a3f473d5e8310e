"""The last few exchanges of a conversation, kept so that a hand-off shows staff what was said."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.messages import IncomingMessage, MessageKind, Reply

RECENT_SLOT = "recent"
KEEP = 8


def remember_recent(slots: Mapping[str, Any], message: IncomingMessage, replies: tuple[Reply, ...]) -> dict[str, Any]:
    """Append the citizen's text and the bot's replies; keep the last few entries."""
    recent = list(slots.get(RECENT_SLOT, []))
    if message.kind is MessageKind.TEXT and message.text.strip():
        recent.append(["citizen", message.text.strip()[:500]])
    if replies:
        recent.append(["bot", "\n".join(reply.text for reply in replies)[:500]])
    return {**slots, RECENT_SLOT: recent[-KEEP:]}
