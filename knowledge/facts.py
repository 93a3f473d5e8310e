"""Facts that decide which rule applies (bought online, food, harm to the body …), found by signal words.

An FAQ entry names the facts its answer depends on (`needs`) and the facts that make it wrong
(`excludes`); the matcher reads the facts of a question here and keeps an entry from being the
answer when its needs are missing, or from being offered at all when it is ruled out.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Fact:
    name: str
    about: str
    signals: tuple[str, ...]


DURATION = re.compile(r"(?<![月\d.])(\d{1,3})(?:个)?(日|周|星期|个月|年)(?![\d日号份])|(?<![\d.])(\d{1,3})个月")
DAYS_PER_UNIT = {"日": 1, "周": 7, "星期": 7, "个月": 30, "年": 365}


def elapsed_days(cleaned: str) -> int | None:
    """The longest time span the text tells of, in days (买了20日, 用了3个月, 1年多), or None.

    Dates (3月20日, 5号) are not spans. An entry whose answer holds for a shorter time than this
    (a 7-day return for a story of 20 days) is ruled out.
    """
    spans = []
    for found in DURATION.finditer(cleaned):
        if found.group(3):
            spans.append(int(found.group(3)) * 30)
        else:
            spans.append(int(found.group(1)) * DAYS_PER_UNIT[found.group(2)])
    return max(spans, default=None)


class FactFinder:
    """Which facts a cleaned question states.

    A signal of two or more characters counts only where it begins or ends a word: 电商 is not in
    家电商场 (家电 | 商场), but 食品 is in 临期食品 and 进口食品 (a compound ending in the signal).
    """

    def __init__(self, facts: list[Fact], clean, word_boundaries) -> None:
        self._word_boundaries = word_boundaries
        self.names = frozenset(fact.name for fact in facts)
        self._patterns = {
            fact.name: re.compile("|".join(re.escape(clean(s)) for s in sorted(fact.signals, key=len, reverse=True)))
            for fact in facts
            if fact.signals
        }

    def find(self, cleaned: str) -> frozenset[str]:
        edges = self._word_boundaries(cleaned)
        return frozenset(
            name for name, pattern in self._patterns.items()
            if any(len(found.group(0)) == 1 or found.start() in edges or found.end() in edges
                   for found in pattern.finditer(cleaned))
        )


def load_facts(path: Path) -> list[Fact]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    facts = []
    for name, body in raw.get("fact", {}).items():
        signals = body.get("signals", [])
        if not isinstance(signals, list) or not all(isinstance(s, str) and s for s in signals):
            raise ValueError(f"{path}: fact {name!r} needs a list of signal words")
        facts.append(Fact(name, str(body.get("about", "")), tuple(signals)))
    return facts
