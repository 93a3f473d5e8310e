"""While a citizen waits for a person: what they type goes to the hand-off, so the agent reads it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bot import texts
from bot.core.dialogs import Outcome, Turn
from bot.core.messages import MessageKind, Reply
from bot.staff import queue
from handlers import escalation, qa


def waiting_for_person(turn: Turn) -> bool:
    """Free text from a citizen queued for a person (no form or quiz in progress)."""
    conversation = turn.conversation
    return conversation.wants_human and conversation.step is None and turn.message.kind is MessageKind.TEXT


async def while_waiting(turn: Turn) -> Outcome:
    """Recorded in the hand-off's transcript; the citizen is told it was passed on. A hand-off registered
    for a call back outside duty hours also gets the bot's answer (nobody will read it soon); 结束人工
    leaves the queue; a flag whose hand-off is gone is cleared and the message answered as a question."""
    now = datetime.now(UTC)
    handoff = await queue.current(turn.db, turn.conversation.user)
    if handoff is None or handoff.status != "waiting":
        answered = await qa.answer_question(turn)
        return answered if answered.wants_human else dataclasses.replace(answered, wants_human=False)
    await queue.record(turn.db, handoff, "citizen", turn.message.text, now)
    if escalation.wants_to_end(turn):
        await queue.close(turn.db, handoff, now, note="citizen left the queue")
        return Outcome((Reply(texts.HANDOFF_CANCELLED),), wants_human=False, label="handoff_cancelled")
    if handoff.callback:
        return await qa.answer_question(turn)
    return Outcome((Reply(texts.HANDOFF_RELAYED_WAITING),), label="relayed_waiting")
