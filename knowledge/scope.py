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


GAP = "…"
"""In a keyword, a gap of up to MAX_GAP characters: 拖欠…工资 names 拖欠了我三个月工资 too."""
MAX_GAP = 6


class ScopeGuard:
    """Finds an out-of-scope topic named in a cleaned question."""

    def __init__(self, topics: list[OutOfScopeTopic], clean) -> None:
        self.topics = topics
        self._topic_of: dict[str, OutOfScopeTopic] = {}
        for topic in topics:
            for keyword in topic.keywords:
                cleaned = GAP.join(clean(part) for part in keyword.split(GAP))
                self._topic_of.setdefault(cleaned, topic)
        # Plain keywords in one alternation of literals (fast); the few gapped ones each on their own.
        literals = sorted((k for k in self._topic_of if GAP not in k), key=len, reverse=True)
        self._literals = re.compile("|".join(map(re.escape, literals))) if literals else None
        self._gapped = [(re.compile(f".{{0,{MAX_GAP}}}".join(map(re.escape, k.split(GAP)))), k)
                        for k in self._topic_of if GAP in k]

    def match(self, cleaned: str) -> tuple[OutOfScopeTopic, str] | None:
        """The topic named first in the text and the keyword that named it (its parts joined by a space)."""
        found = []
        if self._literals is not None and (literal := self._literals.search(cleaned)):
            found.append((literal.start(), literal.group(0)))
        found += [(hit.start(), keyword) for pattern, keyword in self._gapped if (hit := pattern.search(cleaned))]
        if not found:
            return None
        _start, keyword = min(found, key=lambda pair: pair[0])
        return self._topic_of[keyword], keyword.replace(GAP, " ")


def load_topics(path: Path) -> list[OutOfScopeTopic]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    topics = []
    for index, raw in enumerate(data.get("topic", [])):
        try:
            topics.append(OutOfScopeTopic(raw["id"], tuple(raw["keywords"]), raw["reply"].strip()))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}: topic #{index} needs id, keywords and reply") from exc
    return topics
