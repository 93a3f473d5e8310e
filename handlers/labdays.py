"""Laboratory open days and free testing in chat: what is coming, book a place, cancel it."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import texts
from bot.core.dialogs import Outcome, Turn
from bot.core.messages import Button, Reply
from bot.labdays import service
from bot.labdays.service import Booked
from bot.numbers import parse_count
from bot.services import Services

WORDS = ("免费检测", "免费检验", "免费检定", "预约检测", "检测预约", "预约开放日", "开放日预约", "取消开放日预约")
"""Said alone, these ask for the events (in a sentence 免费检测 is as likely a complaint about one)."""
PHRASES = ("开放日",)
"""In a short message, these do ("实验室开放日什么时候")."""
OUTCOMES = {Booked.BOOKED: texts.LAB_BOOKED, Booked.ALREADY: texts.LAB_ALREADY, Booked.FULL: texts.LAB_FULL,
            Booked.GONE: texts.LAB_GONE}


async def show(turn: Turn) -> Outcome:
    """The coming events with a button to book each, and the citizen's own places with one to cancel."""
    services: Services = turn.services
    now, zone, user = datetime.now(UTC), services.complaints.timezone, turn.conversation.user
    events = await service.upcoming(turn.db, now)
    held = {event.id for event in await service.mine(turn.db, user, now)}
    if not events:
        return Outcome((Reply(texts.LAB_NONE),), label="lab")
    lines, buttons = [texts.LAB_LIST_TITLE], []
    for event in events:
        lines.append(texts.LAB_LINE.format(**service.describe(event, zone)) + (texts.LAB_YOURS if event.id in held
                                                                              else ""))
        if event.id in held:
            buttons.append(Button(texts.LAB_CANCEL_BUTTON.format(title=event.title), f"lab:cancel:{event.id}"))
        else:
            buttons.append(Button(texts.LAB_BOOK_BUTTON.format(title=event.title), f"lab:book:{event.id}"))
    return Outcome((Reply("\n".join(lines), tuple(buttons)),), label="lab")


async def act(turn: Turn) -> Outcome:
    """A press of 预约 or 取消 under the list."""
    services: Services = turn.services
    _, action, number = (turn.message.payload.split(":") + ["", ""])[:3]
    event_id = parse_count(number, max_digits=9)
    if event_id is None or action not in ("book", "cancel"):
        return Outcome((Reply(texts.STALE_BUTTON),), label="stale_button")
    user, now = turn.conversation.user, datetime.now(UTC)
    if action == "cancel":
        cancelled = await service.cancel(turn.db, event_id, user)
        return Outcome((Reply(texts.LAB_CANCELLED if cancelled else texts.LAB_NOTHING_TO_CANCEL),), label="lab")
    result, event = await service.book(turn.db, event_id, user, now)
    zone = services.complaints.timezone
    said = OUTCOMES[result].format(**service.describe(event, zone)) if event else OUTCOMES[result]
    return Outcome((Reply(said),), label=f"lab_{result.value}")
