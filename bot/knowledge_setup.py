"""Loading the knowledge base as configured (kept apart so that `weiquan ask` starts fast)."""

from __future__ import annotations

from bot.config import Config
from knowledge.base import KnowledgeBase, Thresholds, load_knowledge


def load_knowledge_base(config: Config) -> KnowledgeBase:
    """The knowledge base as configured; the index is built here, once per process."""
    section = config.knowledge
    thresholds = Thresholds(
        answer=section.answer_threshold,
        suggest=section.suggest_threshold,
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
