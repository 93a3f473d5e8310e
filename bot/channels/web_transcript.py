"""The web chat's transcript, kept on the server: a reloaded page draws the conversation again.

Lines are written in the turn's own transaction (the engine's `within_turn`), so a retried message is
recorded once, and staff messages and notices when the page collects them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import IncomingMessage, MessageKind, Reply, UserRef
from bot.core.tables import ChatLineRow

SHOWN_LINES = 200
"""The newest lines a page draws; older ones stay until pruned but are not sent."""
MAX_LABEL_CHARS = 64

_TABLE = ChatLineRow.__table__


def _line(user: UserRef, speaker: str, text: str, now: datetime, reply: Reply | None = None) -> dict:
    return {
        "channel": user.channel, "external_id": user.external_id, "speaker": speaker, "text": text,
        "buttons": [{"label": b.label, "payload": b.payload} for b in reply.buttons] if reply else [],
        "citations": [{"law": c.law, "article": c.article} for c in reply.citations] if reply else [],
        "created_at": now,
    }


def said_by_citizen(message: IncomingMessage, label: str | None) -> str | None:
    """What the citizen's bubble shows: the text typed, or the label of the button pressed."""
    if message.kind is MessageKind.TEXT:
        return message.text
    return label[:MAX_LABEL_CHARS] if label else None


async def record(session: AsyncSession, user: UserRef, said: str | None, replies: Iterable[Reply]) -> None:
    """The citizen's line (if any) and the replies, in one statement."""
    now = datetime.now(UTC)
    lines = [_line(user, "citizen", said, now)] if said else []
    lines += [_line(user, "bot", reply.text, now, reply) for reply in replies]
    if lines:
        await session.execute(insert(_TABLE), lines)


async def recent(session: AsyncSession, user: UserRef) -> list[dict]:
    """The newest lines, oldest first, as the page draws them."""
    rows = (await session.execute(
        select(_TABLE.c.speaker, _TABLE.c.text, _TABLE.c.buttons, _TABLE.c.citations)
        .where(_TABLE.c.channel == user.channel, _TABLE.c.external_id == user.external_id)
        .order_by(_TABLE.c.id.desc()).limit(SHOWN_LINES)
    )).all()
    return [{"speaker": speaker, "text": text, "buttons": buttons, "citations": citations}
            for speaker, text, buttons, citations in reversed(rows)]
