"""Direct article references in a question: 消法第55条, 食品安全法148条, 第五十五条 (after a law)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.statutes import StatuteLibrary

ARTICLE_NUMBER = re.compile(r"第?\s*(\d{1,3})\s*条")
BARE_ARTICLE = re.compile(
    r"^(?:那|那么|看看|查|查一下|请问)?\s*第\s*(\d{1,3})\s*条\s*(?:呢|是什么|说的什么|怎么规定|内容)?[?？。!！]*$"
)


@dataclass(frozen=True)
class ArticleReference:
    law: str
    """Short title of a loaded statute."""
    number: int


class ReferenceParser:
    """Finds `<law name> 第N条` in cleaned text; a bare `第N条` uses the law cited last."""

    def __init__(self, library: StatuteLibrary) -> None:
        self._names = library.alias_names()
        ordered = sorted(self._names, key=len, reverse=True)
        self._law = re.compile(
            "(?:《)?(?:中华人民共和国)?(" + "|".join(map(re.escape, ordered)) + r")(?:》)?\s*" + ARTICLE_NUMBER.pattern
        ) if ordered else None

    def parse(self, cleaned: str, *, last_law: str | None) -> ArticleReference | None:
        if self._law is not None:
            found = self._law.search(cleaned)
            if found:
                return ArticleReference(self._names[found.group(1)], int(found.group(2)))
        bare = BARE_ARTICLE.match(cleaned)
        if bare and last_law:
            return ArticleReference(last_law, int(bare.group(1)))
        return None
