"""消费警示: the latest warnings, and subscribing to new ones."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import texts
from bot.core.dialogs import Outcome, Turn
from bot.core.messages import Reply
from bot.db import as_utc
from bot.staff import warnings


async def show_latest(turn: Turn) -> Outcome:
    latest = await warnings.latest(turn.db)
    if not latest:
        return Outcome((Reply(texts.WARNINGS_NONE),), label="warnings")
    items = [texts.WARNING_ITEM.format(date=as_utc(w.published_at).strftime("%m月%d日"), title=w.title, body=w.body)
             for w in latest]
    return Outcome((Reply("\n\n".join([texts.WARNINGS_LATEST, *items, texts.WARNINGS_SUBSCRIBE_HINT])),),
                   label="warnings")


async def subscribe(turn: Turn) -> Outcome:
    fresh = await warnings.subscribe(turn.db, turn.conversation.user, datetime.now(UTC))
    return Outcome((Reply(texts.WARNINGS_SUBSCRIBED if fresh else texts.WARNINGS_ALREADY),), label="subscribe")


async def unsubscribe(turn: Turn) -> Outcome:
    await warnings.unsubscribe(turn.db, turn.conversation.user)
    return Outcome((Reply(texts.WARNINGS_UNSUBSCRIBED),), label="unsubscribe")
