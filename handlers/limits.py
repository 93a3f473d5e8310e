"""Per-citizen and per-address limits on actions that cost staff time or invite guessing."""

from __future__ import annotations

from bot import texts
from bot.core.dialogs import Outcome, Turn
from bot.core.messages import Reply


async def refused_for_now(turn: Turn, kind: str, text: str) -> Outcome | None:
    """Count one `kind` action ([ratelimit]) for this citizen and their address; when over the limit, the
    polite refusal (`text` with {wait}) that the handler returns instead, else None."""
    limits = turn.services.limits
    user = turn.conversation.user
    limited = await limits.hit(kind, f"{user.channel}:{user.external_id}", turn.message.origin) if limits else None
    if limited is None:
        return None
    return Outcome((Reply(text.format(wait=texts.wait_phrase(limited.retry_after))),), label=f"{kind}_limited")
