"""FAQ entries: the project's own plain-Chinese answers, each citing the law it rests on."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

MAX_ANSWER_CHARS = 300


@dataclass(frozen=True)
class Citation:
    """A law (as written in the source, short or full title) and an Arabic article number."""

    law: str
    article: int
    quote: str = field(default="", compare=False)
    """For an FAQ citation: words of the article's own text that the answer rests on (`kb check`
    finds them in the article); every entry's first citation carries one."""


@dataclass(frozen=True)
class FaqEntry:
    id: str
    question: str
    """The standard question, shown as a suggestion title."""
    variants: tuple[str, ...]
    """Other ways people ask the same thing."""
    keywords: tuple[str, ...]
    answer: str
    citations: tuple[Citation, ...]
    source: str
    needs: frozenset[str] = frozenset()
    """Facts (knowledge/data/facts.toml) the answer depends on: without them it is only suggested."""
    excludes: frozenset[str] = frozenset()
    """Facts that make the answer wrong: a question stating one is never offered this entry."""
    max_days: int | None = None
    """The answer holds only this many days after purchase (7-day return): a question telling of a
    longer time is never offered this entry."""

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.question, *self.variants)


class FaqError(ValueError):
    """An FAQ file breaks the format; the message names the file and the entry."""


def read_faq_dir(folder: Path) -> list[tuple[Path, bytes]]:
    """Every *.toml file of the folder with its bytes, in a fixed order: what `parse_faq_sources` reads
    and what a cache of the parsed entries is keyed by (the same bytes, so an edit cannot slip between)."""
    return [(path, path.read_bytes()) for path in sorted(folder.glob("*.toml"))]


def load_faq_dir(folder: Path) -> list[FaqEntry]:
    """All entries of every *.toml file in the folder, checked for format and unique ids."""
    return parse_faq_sources(read_faq_dir(folder))


def parse_faq_sources(sources: list[tuple[Path, bytes]]) -> list[FaqEntry]:
    entries: list[FaqEntry] = []
    seen: dict[str, str] = {}
    for path, data in sources:
        for entry in parse_faq_text(path, data.decode("utf-8")):
            if entry.id in seen:
                raise FaqError(f"{path}: id {entry.id!r} already used in {seen[entry.id]}")
            seen[entry.id] = str(path)
            entries.append(entry)
    return entries


def parse_faq_text(path: Path, text: str) -> list[FaqEntry]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FaqError(f"{path}: {exc}") from exc
    return [_parse_entry(raw, f"{path}#{index}") for index, raw in enumerate(data.get("faq", []))]


def _parse_entry(raw: dict, where: str) -> FaqEntry:
    def text(key: str) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise FaqError(f"{where}: {key!r} must be a non-empty string")
        return value.strip()

    def strings(key: str) -> tuple[str, ...]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise FaqError(f"{where}: {key!r} must be a list of strings")
        return tuple(v.strip() for v in value)

    entry_id = text("id")
    answer = text("answer")
    if len(answer) > MAX_ANSWER_CHARS:
        raise FaqError(f"{where} ({entry_id}): answer has {len(answer)} characters, at most {MAX_ANSWER_CHARS}")
    citations = []
    for cited in raw.get("citations", []):
        law, article, quote = cited.get("law"), cited.get("article"), cited.get("quote", "")
        if not isinstance(law, str) or not isinstance(article, int) or article < 1:
            raise FaqError(f"{where} ({entry_id}): citation needs a law name and a positive article number")
        if not isinstance(quote, str):
            raise FaqError(f"{where} ({entry_id}): a citation's quote must be a string")
        citations.append(Citation(law, article, quote.strip()))
    if not citations:
        raise FaqError(f"{where} ({entry_id}): at least one citation is required")
    return FaqEntry(
        id=entry_id,
        question=text("question"),
        variants=strings("variants"),
        keywords=strings("keywords"),
        answer=answer,
        citations=tuple(citations),
        source=where,
        needs=frozenset(strings("needs")),
        excludes=frozenset(strings("excludes")),
        max_days=_positive_int(raw.get("max_days"), f"{where} ({entry_id}): max_days"),
    )


def _positive_int(value, what: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise FaqError(f"{what} must be a positive whole number of days")
    return value
