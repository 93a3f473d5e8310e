"""What handlers may use, built once by the composition root and passed in with every turn."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.base import KnowledgeBase


@dataclass(frozen=True)
class Services:
    knowledge: KnowledgeBase
    max_suggestions: int = 3
    """How many "你是不是想问" suggestions to offer."""
    max_text_chars: int = 2000
    """Longer texts are cut before matching."""
