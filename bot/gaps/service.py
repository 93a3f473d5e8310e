"""The learning loop: questions the bot could not answer are kept (masked) and grouped into a gap report;
a supervisor drafts an FAQ entry from a group, `kb check` validates it on save, and once approved it is
live in every worker (bot/gaps/live.py) and exported as TOML for the repository.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.gaps.models import FaqDraftRow, QuestionGapRow
from bot.privacy import mask
from knowledge.base import DATA_DIR, KnowledgeBase
from knowledge.check import check_entries, load_cited_rules
from knowledge.faq import FaqEntry, FaqError, parse_faq_text

SAME_TOPIC = 60
"""rapidfuzz token_set_ratio of two questions' words at which they are one topic."""
SAMPLES = 5
DRAFT_VARIANTS = 15
MAX_GAPS = 5000
"""The newest gaps a report groups (a week of a city's traffic; grouping is quadratic in the worst case)."""


class DraftRejected(ValueError):
    """The draft cannot be saved; `problems` says why, one line each (the words of `kb check`)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Group:
    """Questions about one topic, newest first."""

    texts: list[str]
    words: str

    @property
    def samples(self) -> list[str]:
        return self.texts[:SAMPLES]


def record(session: AsyncSession, *, channel: str, text: str, outcome: str, confidence: float, now: datetime) -> None:
    """Keep a question the bot answered only with suggestions or not at all, personal data masked."""
    session.add(QuestionGapRow(created_at=now, channel=channel, text=mask(text.strip())[:500], outcome=outcome,
                               confidence=round(confidence, 4)))


async def report(session: AsyncSession, start: datetime, end: datetime, words: Callable[[str], list[str]]
                 ) -> list[Group]:
    """The gaps of [start, end) grouped by topic, largest group first."""
    texts = (await session.scalars(
        select(QuestionGapRow.text).where(QuestionGapRow.created_at >= start, QuestionGapRow.created_at < end)
        .order_by(QuestionGapRow.id.desc()).limit(MAX_GAPS))).all()
    return group(texts, words)


def group(texts: Sequence[str], words: Callable[[str], list[str]]) -> list[Group]:
    """Each question joins the first group whose first question shares enough of its words, else starts one."""
    groups: list[Group] = []
    for text in texts:
        said = " ".join(word for word in words(text) if len(word) > 1)
        home = next((g for g in groups if fuzz.token_set_ratio(said, g.words) >= SAME_TOPIC), None)
        if home is None:
            groups.append(Group([text], said))
        else:
            home.texts.append(text)
    return sorted(groups, key=lambda g: -len(g.texts))


def draft_template(found: Group) -> str:
    """A TOML entry to complete: the group's questions as the standard question and its variants."""
    question, *variants = list(dict.fromkeys(found.texts))[: DRAFT_VARIANTS + 1]
    lines = ["[[faq]]", 'id = ""', f"question = {_string(question)}", "variants = ["]
    lines += [f"  {_string(variant)}," for variant in variants]
    lines += ["]", "keywords = []", 'answer = """', '"""',
              "", "[[faq.citations]]", 'law = ""', "article = 1", 'quote = ""']
    return "\n".join(lines) + "\n"


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def parse_draft(text: str) -> FaqEntry:
    """The one entry a draft holds; DraftRejected when it is not exactly one well-formed entry."""
    try:
        entries = parse_faq_text(Path("console-draft"), text)
    except FaqError as problem:
        raise DraftRejected([str(problem)]) from problem
    if len(entries) != 1:
        raise DraftRejected([f"a draft holds exactly one [[faq]] entry, this one has {len(entries)}"])
    return entries[0]


async def save_draft(session: AsyncSession, knowledge: KnowledgeBase, text: str, *, staff_id: int,
                     now: datetime) -> FaqDraftRow:
    """Validate like `weiquan kb check` (citations, quotes, phrasings, openers, facts) and store as a draft;
    a draft of the same id that is not approved yet is replaced."""
    entry = parse_draft(text)
    existing = await session.scalar(select(FaqDraftRow).where(FaqDraftRow.entry_id == entry.id))
    shipped = existing is None and knowledge.faq_entry(entry.id) is not None
    approved = existing is not None and existing.status == "approved"
    problems = [f"id {entry.id!r} is already used"] if shipped or approved else []
    problems += check_entries([entry], knowledge.library, knowledge.normalizer.clean, knowledge.facts.names,
                              load_cited_rules(DATA_DIR / "laws.toml"))
    if problems:
        raise DraftRejected(problems)
    if existing is None:
        existing = FaqDraftRow(entry_id=entry.id, status="draft", created_at=now, created_by=staff_id, toml=text)
        session.add(existing)
    existing.toml = text.strip() + "\n"
    await session.flush()
    return existing


async def approve(session: AsyncSession, draft_id: int, *, staff_id: int, now: datetime) -> FaqDraftRow | None:
    draft = await session.get(FaqDraftRow, draft_id)
    if draft is None or draft.status != "draft":
        return None
    draft.status, draft.approved_at, draft.approved_by = "approved", now, staff_id
    return draft


async def drafts(session: AsyncSession) -> list[FaqDraftRow]:
    return list((await session.scalars(select(FaqDraftRow).order_by(FaqDraftRow.id.desc()))).all())


async def approved_sources(session: AsyncSession) -> list[tuple[str, str]]:
    """Approved entries as (name, TOML text), oldest first: what every worker adds to its FAQ."""
    rows = (await session.scalars(select(FaqDraftRow).where(FaqDraftRow.status == "approved")
                                  .order_by(FaqDraftRow.id))).all()
    return [(f"console:{row.entry_id}", row.toml) for row in rows]


async def approved_stamp(session: AsyncSession) -> tuple[int, int]:
    """How many entries are approved and the newest one's id: a worker rebuilds when this changes."""
    count, newest = (await session.execute(
        select(func.count(FaqDraftRow.id), func.max(FaqDraftRow.id)).where(FaqDraftRow.status == "approved"))).one()
    return count, newest or 0


def export_toml(sources: Sequence[tuple[str, str]]) -> str:
    """Approved entries as one TOML file for knowledge/data/faq/ (the repository keeps what was approved)."""
    header = "# FAQ entries approved in the staff console (weiquan); review, then add to knowledge/data/faq/.\n"
    return header + "".join(f"\n# {name}\n{text}" for name, text in sources)
