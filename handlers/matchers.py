"""Small predicates the route table is written in."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from bot.core.dialogs import Turn
from bot.core.messages import MessageKind

Predicate = Callable[[Turn], bool]
EDGE_PUNCTUATION = re.compile(r"^[\s\W_]+|[\s\W_]+$")
COMMAND = re.compile(r"^/([a-z_]+)(?:@\w+)?(?:\s|$)")
QUESTION = re.compile(r"[?？吗呢]|什么|怎么|如何|多久|哪|几|能不能|会不会|可以吗")


def command_text(turn: Turn) -> str:
    """The text folded for command matching: Simplified, half-width, no edge punctuation."""
    cleaned = turn.services.knowledge.normalizer.clean(turn.message.text)
    return EDGE_PUNCTUATION.sub("", cleaned)


def kind_is(kind: MessageKind) -> Predicate:
    return lambda turn: turn.message.kind is kind


def payload_is(payload: str) -> Predicate:
    return lambda turn: turn.message.kind is MessageKind.BUTTON and turn.message.payload == payload


def payload_starts(prefix: str) -> Predicate:
    return lambda turn: turn.message.kind is MessageKind.BUTTON and turn.message.payload.startswith(prefix)


def says(words: Iterable[str], *, commands: Iterable[str] = ()) -> Predicate:
    """Text that is exactly one of `words` (after folding), or a slash command like /help."""
    exact = frozenset(words)
    slash = frozenset(commands)

    def matches(turn: Turn) -> bool:
        if turn.message.kind is not MessageKind.TEXT:
            return False
        found = COMMAND.match(turn.message.text.strip().lower())
        if found:
            return found.group(1) in slash
        return command_text(turn) in exact

    return matches


def says_phrase(phrases: Iterable[str], *, max_chars: int) -> Predicate:
    """A short text that contains one of the phrases (我要转人工, 帮我找客服)."""
    ordered = tuple(phrases)

    def matches(turn: Turn) -> bool:
        if turn.message.kind is not MessageKind.TEXT:
            return False
        text = command_text(turn)
        return len(text) <= max_chars and any(p in text for p in ordered)

    return matches


def says_intent(pattern: str) -> Predicate:
    """A statement of intent (我要投诉一家健身房), not a question about it (投诉要什么材料？)."""
    intent = re.compile(pattern)

    def matches(turn: Turn) -> bool:
        if turn.message.kind is not MessageKind.TEXT:
            return False
        text = turn.services.knowledge.normalizer.clean(turn.message.text)
        return bool(intent.search(text)) and not QUESTION.search(text)

    return matches


def any_of(*predicates: Predicate) -> Predicate:
    return lambda turn: any(p(turn) for p in predicates)


def all_of(*predicates: Predicate) -> Predicate:
    return lambda turn: all(p(turn) for p in predicates)


def is_slash_command(turn: Turn) -> bool:
    return turn.message.kind is MessageKind.TEXT and bool(COMMAND.match(turn.message.text.strip().lower()))
