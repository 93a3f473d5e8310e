"""`weiquan kb check`: every FAQ citation must point at an article that exists."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.faq import FaqEntry
from knowledge.fields import ConsumerFields
from knowledge.statutes import StatuteLibrary, says, short_law_title


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


def check_quotes(entries: Iterable[FaqEntry], library: StatuteLibrary) -> tuple[list[str], int]:
    """(problems, how many quotes were found in their article's text).

    A quote must be words of its article as loaded. An entry whose first citation is a loaded statute
    must quote it, so the article an answer is declared to rest on provably says what it rests on.
    Quotes of statutes that are not loaded (no WEIQUAN_STATUTE_DIRS) wait until they are.
    """
    problems: list[str] = []
    found = 0
    for entry in entries:
        for position, citation in enumerate(entry.citations):
            statute = library.resolve(citation.law)
            article = statute.articles.get(citation.article) if statute else None
            where = f"{entry.id} ({entry.source}): 《{short_law_title(citation.law)}》第{citation.article}条"
            if article is None:
                continue
            if citation.quote and not says(article.text, citation.quote):
                problems.append(f"{where} does not say “{citation.quote}”")
            elif citation.quote:
                found += 1
            elif position == 0:
                problems.append(f"{where} leads the answer but quotes none of its words")
    return problems, found


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


VERDICT_OPENER = re.compile(
    r"^(?:一般|通常)?(?:不|没)?(?:可以|能|合法|合理|合规|违法|无效|需要|要|必须|算|是|有|会|适用|行|用)"
    r"(?:的|了)?[。！!，,]"
)
"""A bare yes/no at the start of an answer ("可以。", "不合法，"): the same entry is reached by
questions of opposite polarity (能退吗 / 商家能不退吗), so a fixed verdict contradicts half of them."""


def check_openers(entries: Iterable[FaqEntry]) -> list[str]:
    """Answers must open with the substance, not a fixed yes or no."""
    return [
        f"{entry.id} ({entry.source}): answer opens with a fixed verdict {found.group(0)!r}"
        for entry in entries
        if (found := VERDICT_OPENER.match(entry.answer))
    ]


def check_facts(entries: Iterable[FaqEntry], known: frozenset[str]) -> list[str]:
    """`needs` and `excludes` may only name facts that knowledge/data/facts.toml defines."""
    problems = []
    for entry in entries:
        for name in sorted((entry.needs | entry.excludes) - known):
            problems.append(f"{entry.id} ({entry.source}): unknown fact {name!r} (see facts.toml)")
        for name in sorted(entry.needs & entry.excludes):
            problems.append(f"{entry.id} ({entry.source}): fact {name!r} both needed and excluded")
    return problems


def check_entries(entries: Sequence[FaqEntry], library: StatuteLibrary, clean: Callable[[str], str],
                  fact_names: frozenset[str], cited_rules: dict[str, CitedRule]) -> list[str]:
    """Every problem `weiquan kb check` finds with FAQ entries: citations, quotes, phrasings, openers, facts."""
    problems, _checked = check_citations(entries, library, cited_rules)
    problems += check_quotes(entries, library)[0]
    problems += check_phrasings(entries, clean)
    problems += check_openers(entries)
    problems += check_facts(entries, fact_names)
    return problems


def check_field_citations(fields: ConsumerFields, library: StatuteLibrary) -> list[str]:
    """A warning drafted for a consumer field quotes its article: the words must be the article's own."""
    problems = []
    for field in fields.fields:
        cited = field.citation
        if library.resolve(cited.law) is None:
            continue  # a rule not loaded: its words wait until it is
        article = library.article(cited.law, cited.article)
        if article is None or not says(article.text, cited.quote):
            problems.append(f"consumer field {field.code}: quote not in 《{cited.law}》第{cited.article}条")
    return problems
