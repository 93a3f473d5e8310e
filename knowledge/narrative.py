"""The clause of a story that asks the question.

Citizens tell what happened first and ask last ("……结果孩子过敏了。这种没中文标签的进口食品能卖吗？").
The facts matter, but they also carry many words that point elsewhere; the question sentence says
what the citizen wants to know.
"""

from __future__ import annotations

import re

SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")
ASKS = re.compile(
    r"[?？吗嘛么呢]|怎么|怎样|咋|如何|能否|是否|可否|可不可以|能不能|行不行|算不算|有没有|要不要|该不该|"
    r"谁|哪|多少|几倍|什么|应当|应该|合法|违法|允许"
)
MIN_STORY_CHARS = 40
"""Below this a text is one question already; splitting it would only lose words."""
MIN_CLAUSE_CHARS = 4


def question_clause(cleaned: str) -> str | None:
    """The sentences that ask, at the end of a story (the last run of them), or None for a plain question."""
    if len(cleaned) < MIN_STORY_CHARS:
        return None
    sentences = [s.strip() for s in SENTENCE_END.split(cleaned) if s.strip()]
    if len(sentences) < 2:
        sentences = [s.strip() for s in re.split(r"(?<=[，,])", cleaned) if s.strip()]
    asking: list[str] = []
    for sentence in reversed(sentences):
        if ASKS.search(sentence):
            asking.insert(0, sentence)
        elif asking:
            break  # the questions at the end of the story, together ("……能卖吗？我能找他赔吗？")
    clause = "".join(asking).strip("。！？!?；;，, ")
    return clause if MIN_CLAUSE_CHARS <= len(clause) < len(cleaned) * 0.8 else None
