"""Conversation words (greetings, thanks, "继续", questions about the bot): a short reply, no law."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

PUNCTUATION = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class ConversationIntent:
    id: str
    phrases: tuple[str, ...]
    reply: str


class ConversationGuard:
    """Recognises a message made only of conversation phrases and filler."""

    def __init__(self, intents: list[ConversationIntent], filler: str, clean) -> None:
        self._intent_of: dict[str, ConversationIntent] = {}
        for intent in intents:
            for phrase in intent.phrases:
                self._intent_of.setdefault(clean(phrase), intent)
        self._rank = {intent.id: position for position, intent in enumerate(intents)}
        ordered = sorted(self._intent_of, key=len, reverse=True)
        self._phrases = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._filler = re.compile(f"[{re.escape(filler)}]") if filler else None

    def match(self, cleaned: str) -> ConversationIntent | None:
        if self._phrases is None or len(cleaned) > 24:
            return None
        found = [self._intent_of[m.group(0)] for m in self._phrases.finditer(cleaned)]
        rest = PUNCTUATION.sub("", self._phrases.sub("", cleaned))
        if self._filler is not None:
            rest = self._filler.sub("", rest)
        if not found or rest:
            return None
        return min(found, key=lambda intent: self._rank[intent.id])


def load_conversation(path: Path, clean) -> ConversationGuard:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    intents = []
    for index, item in enumerate(raw.get("intent", [])):
        try:
            intents.append(ConversationIntent(item["id"], tuple(item["phrases"]), item["reply"].strip()))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}: intent #{index} needs id, phrases and reply") from exc
    return ConversationGuard(intents, raw.get("filler", ""), clean)
