"""Procedural statements with their legal basis: what a citizen is told about complaints and reports.

Each claim names one article and quotes a phrase of it; `check_claims` proves the phrase is in the
article's text, so the bot cannot tell a citizen a deadline or a right the rules do not state.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import cn2an

from knowledge.statutes import StatuteLibrary, says, short_law_title

PLACEHOLDER = re.compile(r"\{(\w+)\}")
ARTICLE_NUMBER = re.compile(r"第[一二三四五六七八九十百零〇\d]+条")


@dataclass(frozen=True)
class Claim:
    key: str
    law: str
    article: int
    quote: str
    """A phrase of the article's own text that the statement rests on."""
    text: str
    """What is shown; {citation} is the article, other {fields} are filled in by the caller."""
    paragraph: int | None = None
    """The paragraph (款) the statement rests on, cited and checked on its own; None: the whole article."""


class ClaimBook:
    """The claims by key, rendered with their citation."""

    def __init__(self, claims: list[Claim], library: StatuteLibrary) -> None:
        self._claims = {claim.key: claim for claim in claims}
        self._library = library

    def __iter__(self) -> Iterator[Claim]:
        return iter(self._claims.values())

    def citation(self, key: str) -> str:
        """《short title》第X条 of a claim's article."""
        claim = self._claims[key]
        statute = self._library.resolve(claim.law)
        title = statute.short_title if statute else short_law_title(claim.law)
        paragraph = f"第{cn2an.an2cn(claim.paragraph)}款" if claim.paragraph else ""
        return f"《{title}》第{cn2an.an2cn(claim.article)}条{paragraph}"

    def say(self, key: str, **fields: str) -> str:
        """The claim's text with its citation and the caller's fields filled in."""
        return self._claims[key].text.format(citation=self.citation(key), **fields)


def load_claims(path: Path) -> list[Claim]:
    """Claims from a TOML file; a claim missing a field, or writing an article number itself, raises ValueError."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    claims, seen = [], set()
    for index, item in enumerate(raw.get("claim", [])):
        try:
            claim = Claim(item["key"], item["law"], int(item["article"]), item["quote"].strip(), item["text"].strip(),
                          int(item["paragraph"]) if "paragraph" in item else None)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"{path}: claim #{index} needs key, law, article, quote and text") from exc
        if claim.key in seen:
            raise ValueError(f"{path}: claim key {claim.key!r} is used twice")
        if ARTICLE_NUMBER.search(claim.text) or "citation" not in PLACEHOLDER.findall(claim.text):
            raise ValueError(f"{path}: claim {claim.key!r} must cite through {{citation}} only")
        seen.add(claim.key)
        claims.append(claim)
    return claims


def check_claims(
    claims: ClaimBook, library: StatuteLibrary, article_counts: Mapping[str, int]
) -> tuple[list[str], int]:
    """(problems, how many quotes were found in loaded text).

    A claim on a loaded statute must quote its article; a claim on a rule that is not loaded is
    checked against the rule's declared article count (knowledge/data/laws.toml `cited_rules`).
    """
    problems: list[str] = []
    verified = 0
    for claim in claims:
        statute = library.resolve(claim.law)
        if statute is None:
            count = article_counts.get(short_law_title(claim.law))
            if count is None:
                problems.append(f"claim {claim.key}: unknown law 《{claim.law}》")
            elif not 1 <= claim.article <= count:
                problems.append(f"claim {claim.key}: 《{claim.law}》 has no article {claim.article}")
            continue
        article = statute.articles.get(claim.article)
        if article is None:
            problems.append(f"claim {claim.key}: 《{statute.short_title}》 has no article {claim.article}")
        elif not says(_paragraph(article.text, claim.paragraph), claim.quote):
            problems.append(f"claim {claim.key}: 《{statute.short_title}》第{claim.article}条 does not say "
                            f"“{claim.quote}”")
        else:
            verified += 1
    return problems, verified


def _paragraph(text: str, number: int | None) -> str:
    """The article's text, or its `number`-th paragraph (one line of the text; "" when it has fewer)."""
    if number is None:
        return text
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[number - 1] if 1 <= number <= len(lines) else ""

