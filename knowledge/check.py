"""`weiquan kb check`: every FAQ citation must point at an article that exists."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from knowledge.faq import FaqEntry
from knowledge.statutes import StatuteLibrary, short_law_title


@dataclass(frozen=True)
class CitedRule:
    """A rule known only by citation: its title and how many articles it has."""

    title: str
    articles: int


def load_cited_rules(path: Path) -> dict[str, CitedRule]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    rules = (CitedRule(item["title"], int(item["articles"])) for item in raw.get("cited_rules", []))
    return {short_law_title(rule.title): rule for rule in rules}


def check_citations(
    entries: Iterable[FaqEntry], library: StatuteLibrary, cited_rules: dict[str, CitedRule]
) -> tuple[list[str], int]:
    """Problems found (one line each, naming the entry) and how many citations were checked
    against loaded text; a citation of a rule that is not loaded is checked against its declared
    article count."""
    problems: list[str] = []
    against_text = 0
    aliases = library.alias_names()
    for entry in entries:
        for citation in entry.citations:
            statute = library.resolve(citation.law)
            if statute is not None:
                against_text += 1
                if citation.article not in statute.articles:
                    problems.append(
                        f"{entry.id} ({entry.source}): 《{statute.short_title}》 has no article {citation.article}"
                        f" (it has {len(statute.articles)})"
                    )
                continue
            name = aliases.get(short_law_title(citation.law), short_law_title(citation.law))
            rule = cited_rules.get(name)
            if rule is None:
                problems.append(f"{entry.id} ({entry.source}): unknown law 《{citation.law}》")
            elif not 1 <= citation.article <= rule.articles:
                problems.append(
                    f"{entry.id} ({entry.source}): 《{name}》 has no article {citation.article}"
                    f" (it has {rule.articles})"
                )
    return problems, against_text


def check_phrasings(entries: Iterable[FaqEntry], clean) -> list[str]:
    """The same phrasing in two entries makes the match a coin toss."""
    owner: dict[str, str] = {}
    problems = []
    for entry in entries:
        for phrasing in entry.phrasings:
            key = clean(phrasing).rstrip("?？。！!")
            if key in owner and owner[key] != entry.id:
                problems.append(f"{entry.id}: phrasing {phrasing!r} is also in {owner[key]}")
            owner.setdefault(key, entry.id)
    return problems
