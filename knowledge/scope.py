"""Topics outside consumer matters, declined politely with a pointer to who can help."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class OutOfScopeTopic:
    id: str
    keywords: tuple[str, ...]
    reply: str
    """Where the citizen should go instead, in plain Chinese."""


class ScopeGuard:
    """Finds an out-of-scope topic named in a cleaned question."""

    def __init__(self, topics: list[OutOfScopeTopic], clean) -> None:
        self.topics = topics
        self._topic_of: dict[str, OutOfScopeTopic] = {}
        for topic in topics:
            for keyword in topic.keywords:
                self._topic_of.setdefault(clean(keyword), topic)
        ordered = sorted(self._topic_of, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def match(self, cleaned: str) -> tuple[OutOfScopeTopic, str] | None:
        """The topic named in the text and the keyword that named it."""
        if self._pattern is None:
            return None
        found = self._pattern.search(cleaned)
        return (self._topic_of[found.group(0)], found.group(0)) if found else None


def load_topics(path: Path) -> list[OutOfScopeTopic]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    topics = []
    for index, raw in enumerate(data.get("topic", [])):
        try:
            topics.append(OutOfScopeTopic(raw["id"], tuple(raw["keywords"]), raw["reply"].strip()))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}: topic #{index} needs id, keywords and reply") from exc
    return topics
