"""Q&A: answer a question from the knowledge base, show article texts, follow suggestions."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot import texts
from bot.answer_replies import citation_text, not_loaded_reply, render_answer
from bot.core.dialogs import Outcome, Turn
from bot.core.messages import CitedArticle, Reply
from bot.gaps import service as gaps
from bot.numbers import parse_count
from bot.services import Services
from handlers.escalation import hand_off_unsure
from knowledge.base import Answer, AnswerKind

GAPS = {AnswerKind.UNKNOWN: "unknown", AnswerKind.SUGGEST: "suggested"}
"""Answers that show a gap in the knowledge base: the question is kept (masked) for the gap report."""
GAP_MIN_CHARS = 4
"""Shorter messages (？, 嗯嗯) are not questions a new entry could answer."""
UNSURE_LIMIT = 2
"""No answer twice in a row (only suggestions, or not known) hands the citizen to a person."""


@dataclass(frozen=True)
class PreparedAnswer:
    """The knowledge base's answer to `text` with `last_law` as context, computed before the turn's
    write transaction (the route's `prepare`)."""

    text: str
    last_law: str | None
    answer: Answer


def _context(turn: Turn) -> Mapping[str, Any]:
    """What the Q&A remembers of this conversation (nothing after a long absence)."""
    return {} if turn.conversation.idle else turn.conversation.slots.get("qa", {})


def _question(turn: Turn) -> tuple[str, str | None]:
    """The question as it is matched (stripped, cut at the length limit) and the law talked about last."""
    services: Services = turn.services
    return turn.message.text.strip()[: services.max_text_chars], _context(turn).get("law")


def _ask(services: Services, text: str, last_law: str | None) -> Answer:
    return services.knowledge.ask(text, last_law=last_law, max_suggestions=services.max_suggestions)


def prepare_answer(turn: Turn) -> PreparedAnswer | None:
    """Match the question outside the write lock; answer_question uses it if nothing changed since."""
    text, last_law = _question(turn)
    return PreparedAnswer(text, last_law, _ask(turn.services, text, last_law)) if text else None


def _answer(turn: Turn, text: str, last_law: str | None) -> Answer:
    prepared = turn.prepared
    if isinstance(prepared, PreparedAnswer) and (prepared.text, prepared.last_law) == (text, last_law):
        return prepared.answer
    return _ask(turn.services, text, last_law)


async def answer_question(turn: Turn) -> Outcome:
    """Free text: a direct article reference, an FAQ or statute answer, suggestions, or not known."""
    services: Services = turn.services
    text, last_law = _question(turn)
    if not text:
        return Outcome((Reply(texts.EMPTY_MESSAGE),), label="empty")
    notes: list[Reply] = []
    if len(turn.message.text.strip()) > services.max_text_chars:
        notes.append(Reply(texts.TOO_LONG.format(limit=services.max_text_chars)))
    context = _context(turn)
    answer = _answer(turn, text, last_law)
    if answer.kind in GAPS and len(text) >= GAP_MIN_CHARS:
        gaps.record(turn.db, channel=turn.conversation.user.channel, text=text, outcome=GAPS[answer.kind],
                    confidence=answer.confidence, now=datetime.now(UTC))
    outcome = _outcome(answer, services, turn.conversation.slots, notes)
    unsure = context.get("unsure", 0) + 1 if answer.kind in (AnswerKind.UNKNOWN, AnswerKind.SUGGEST) else 0
    outcome.slots["qa"]["unsure"] = 0 if unsure >= UNSURE_LIMIT else unsure
    if unsure >= UNSURE_LIMIT and not turn.conversation.wants_human:
        handed = await hand_off_unsure(turn)
        return dataclasses.replace(outcome, replies=outcome.replies + (handed,), wants_human=True)
    return outcome


async def show_faq(turn: Turn) -> Outcome:
    """A suggestion button for an FAQ entry was pressed."""
    services: Services = turn.services
    entry = services.knowledge.faq_entry(turn.message.payload.removeprefix("faq:"))
    if entry is None:
        return Outcome((Reply(texts.STALE_BUTTON),), label="stale_button")
    return _outcome(services.knowledge.faq_answer(entry), services, turn.conversation.slots, [])


async def show_article(turn: Turn) -> Outcome:
    """A button for one article (`art:<law key>:<number>`) was pressed: show its whole text."""
    services: Services = turn.services
    _, key, number = (turn.message.payload.split(":") + ["", ""])[:3]
    statute = services.knowledge.library.by_key(key)
    article = parse_count(number, max_digits=4)
    if statute is None or article is None:
        return Outcome((Reply(texts.STALE_BUTTON),), label="stale_button")
    answer = services.knowledge.article_answer(statute.title, article)
    return _outcome(answer, services, turn.conversation.slots, [], full_text=True)


async def show_full_text(turn: Turn) -> Outcome:
    """全文: the whole text of every article the last answer cited."""
    services: Services = turn.services
    cited = [] if turn.conversation.idle else turn.conversation.slots.get("qa", {}).get("citations", [])
    if not cited:
        return Outcome((Reply(texts.NO_CONTEXT_FOR_FULL_TEXT),), label="no_context")
    replies = []
    for law, number in cited:
        article = services.knowledge.library.article(law, number)
        citation = citation_text(law, number)
        if article is None:
            replies.append(not_loaded_reply(law, number, services.knowledge))
        else:
            replies.append(Reply(texts.ARTICLE_TEXT.format(citation=citation, text=article.text),
                                 citations=(CitedArticle(article.law, number),)))
    return Outcome(tuple(replies), label="full_text")


def _outcome(
    answer: Answer, services: Services, slots: Mapping[str, Any], notes: list[Reply], *, full_text: bool = False
) -> Outcome:
    replies = tuple(notes) + render_answer(answer, services.knowledge, full_text=full_text)
    context = {"unsure": slots.get("qa", {}).get("unsure", 0)} | dict(slots.get("qa", {}))
    if answer.citations:
        first = services.knowledge.library.resolve(answer.citations[0].law)
        context = {
            "law": first.short_title if first else None,
            "citations": [[c.law, c.article] for c in answer.citations],
        }
    labels = {AnswerKind.FAQ: "answered", AnswerKind.STATUTE: "answered", AnswerKind.LOOKUP: "lookup",
              AnswerKind.SUGGEST: "suggested",
              AnswerKind.OUT_OF_SCOPE: "declined", AnswerKind.NO_ARTICLE: "no_article",
              AnswerKind.CHAT: "chat", AnswerKind.NOT_CHINESE: "not_chinese"}
    return Outcome(
        replies,
        slots={**slots, "qa": context},
        label=labels.get(answer.kind, "unknown"),
        confidence=answer.confidence,
    )
