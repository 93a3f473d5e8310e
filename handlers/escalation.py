"""Hand-off to a person: on request, when the bot is unsure twice, on danger words; and the relay."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot import texts
from bot.answer_replies import render_answer
from bot.core.dialogs import Outcome, Turn
from bot.core.messages import MessageKind, Reply
from bot.core.transcript import recent_lines
from bot.services import Services
from bot.staff import duty, queue
from bot.staff.queue import ACTIVE_STEP
from handlers.limits import refused_for_now
from handlers.matchers import command_text

END_WORDS = {"结束人工", "结束人工服务", "不用人工了", "结束对话", "结束"}
END_PHRASE = re.compile(r"(?:结束|取消|退出|不用|不要|不需要)(?:转)?人工|结束对话|结束服务")
"""A short message containing one of these ends a hand-off too ("好的谢谢，结束人工")."""
END_PHRASE_MAX_CHARS = 16
HUMAN_WORDS = ("人工", "客服", "真人", "人工服务", "转人工", "人工客服", "找客服", "找人工")
"""A message that is only one of these asks for a person, in the menu or in the middle of a form."""
HUMAN_PHRASES = ("转人工", "人工服务", "人工客服", "找客服", "找人工", "要人工", "接人工")
"""A short message containing one of these asks for a person too ("我要转人工")."""
DANGER_NOW = re.compile(
    r"电梯困人|被困电梯|困在电梯|电梯里出不来|煤气泄漏|燃气泄漏|自杀|轻生|不想活|想死|救命|"
    r"(?:正在|还在|现在|刚刚?)(?:流血|起火|着火|冒烟|爆炸)"
)
"""Danger that may be happening as the citizen types: always an urgent hand-off."""
HARM = re.compile(r"食物中毒|中毒了|受伤|流血|骨折|烫伤|爆炸|起火|着火|失火")
"""Harm words: urgent, unless the message asks what the law gives after the fact."""
AFTER_THE_FACT = re.compile(r"赔|退|索赔|责任|找谁|投诉|举报|算不算|合法|违法|维权|起诉|法律")
"""A remedy question ("电池起火烧坏了车，能让店赔吗"): the harm is over, the answer is what helps."""


def is_urgent(turn: Turn) -> bool:
    """Danger words, read in Simplified so that 電梯困人 counts as much as 电梯困人."""
    if turn.message.kind is not MessageKind.TEXT:
        return False
    text = turn.services.knowledge.normalizer.clean(turn.message.text)
    if DANGER_NOW.search(text):
        return True
    return bool(HARM.search(text)) and not AFTER_THE_FACT.search(text)


def wants_to_end(turn: Turn) -> bool:
    """The citizen ends the hand-off (waiting or with a person)."""
    if turn.message.kind is not MessageKind.TEXT:
        return False
    said = command_text(turn)
    return said in END_WORDS or (len(said) <= END_PHRASE_MAX_CHARS and bool(END_PHRASE.search(said)))


def with_person(turn: Turn) -> bool:
    return turn.conversation.step == ACTIVE_STEP


async def request_human(turn: Turn) -> Outcome:
    """人工 / the button: queue for a person, or register a callback outside duty hours.

    Where the platform's own customer service is configured, the channel hands the citizen over.
    """
    services: Services = turn.services
    if turn.conversation.user.channel in services.native_handoff:
        return Outcome((Reply(texts.HANDOFF_NATIVE, handoff=True),), label="human_native")
    refused = await refused_for_now(turn, "handoff", texts.RATE_LIMITED_HANDOFF)
    if refused is not None:
        return refused
    reply = await queue_for_person(turn, "requested")
    return Outcome((Reply(reply),), wants_human=True, label="human")


async def urgent(turn: Turn) -> Outcome:
    """Danger words: the emergency numbers at once, an urgent hand-off, and the answer if we have one."""
    services: Services = turn.services
    await queue_for_person(turn, "urgent")
    replies = (Reply(texts.URGENT_REPLY),)
    answer = services.knowledge.ask(turn.message.text)
    if answer.answered:
        replies += render_answer(answer, services.knowledge)
    return Outcome(replies, wants_human=True, label="urgent")


async def relay(turn: Turn) -> Outcome:
    """While a person is attached the bot stays quiet: the message goes to the agent's transcript."""
    now = datetime.now(UTC)
    handoff = await queue.current(turn.db, turn.conversation.user)
    if handoff is None or handoff.status != "active":
        return Outcome((Reply(texts.HANDOFF_LEFT),), next_step=None, wants_human=False, label="handoff_gone")
    if wants_to_end(turn):
        await queue.record(turn.db, handoff, "citizen", turn.message.text, now)
        await queue.close(turn.db, handoff, now, note="citizen ended")
        return Outcome((Reply(texts.HANDOFF_ENDED_BY_CITIZEN),), next_step=None, wants_human=False,
                       label="handoff_ended")
    said = turn.message.text if turn.message.kind is MessageKind.TEXT else f"[{turn.message.kind.value}]"
    await queue.record(turn.db, handoff, "citizen", said, now)
    return Outcome((), next_step=ACTIVE_STEP, label="relayed")


async def hand_off_unsure(turn: Turn) -> Reply:
    """The bot did not know twice in a row: queue the citizen and say so."""
    await queue_for_person(turn, "unsure")
    return Reply(texts.HANDOFF_UNSURE)


async def hand_off_group(turn: Turn, case_id: int) -> Reply:
    """A complaint joined a group case: staff on duty see it first (Art. 11)."""
    await queue_for_person(turn, "group", case_id=case_id)
    return Reply(texts.HANDOFF_GROUP)


async def queue_for_person(turn: Turn, reason: str, *, case_id: int | None = None) -> str:
    """Open (or join) a hand-off; the text tells the citizen honestly when a person will answer."""
    services: Services = turn.services
    now = datetime.now(UTC)
    contact = await duty.next_contact(turn.db, services.staff, now)
    after_hours = contact is None or contact > now
    recent = recent_lines(turn.conversation.slots)
    said = turn.message.text if turn.message.kind is MessageKind.TEXT else ""
    await queue.open_handoff(turn.db, turn.conversation.user, reason, now,
                             transcript=[*recent, ("citizen", said, now)] if said else recent,
                             case_id=case_id, callback=after_hours)
    if not after_hours:
        return texts.HANDOFF_QUEUED
    when = contact.astimezone(services.staff.timezone).strftime("%m月%d日%H:%M") if contact else texts.NEXT_WORKDAY
    return texts.HANDOFF_AFTER_HOURS.format(when=when)
