"""The knowledge base as one object: statutes, FAQ, index and scope guard, and `ask`."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import cn2an

from knowledge import faq as faq_module
from knowledge import normalize as normalize_module
from knowledge import search as search_module
from knowledge.cache import fingerprint, load_or_build
from knowledge.claims import ClaimBook, load_claims
from knowledge.conversation import ConversationGuard, ConversationIntent, load_conversation
from knowledge.facts import FactFinder, elapsed_days, load_facts
from knowledge.faq import Citation, FaqEntry, parse_faq_sources, read_faq_dir
from knowledge.fields import ConsumerFields, load_fields
from knowledge.lookup import ReferenceParser
from knowledge.narrative import MIN_STORY_CHARS, question_clause
from knowledge.normalize import Lexicon, TextNormalizer, build_pinyin_table
from knowledge.rivals import Rivals
from knowledge.scope import OutOfScopeTopic, ScopeGuard, load_topics
from knowledge.search import Hit, SearchIndex
from knowledge.statutes import Article, Statute, StatuteLibrary, load_bundled, load_statute_dirs

DATA_DIR = Path(__file__).resolve().parent / "data"
MEANINGFUL = re.compile(r"[\u4e00-\u9fffa-z0-9]")
CJK = re.compile(r"[\u4e00-\u9fff]")
NUMERAL_CHARACTER = re.compile(r"[一二两三四五六七八九十百千万几半]")
LATIN_WORD = re.compile(r"[a-z]{2,}")
MIN_FOCUS_WORDS = 2
"""A story's question clause is scored on its own only when it has this many content words."""
STATUTE_SUGGESTION_SHARE = 0.8
"""An article may be offered as a suggestion a little below the confidence needed to quote it."""


class AnswerKind(Enum):
    FAQ = "faq"
    STATUTE = "statute"
    """A statute article matched the question."""
    LOOKUP = "lookup"
    """The question named an article (消法第55条) and it is loaded."""
    SUGGEST = "suggest"
    UNKNOWN = "unknown"
    OUT_OF_SCOPE = "out_of_scope"
    NO_ARTICLE = "no_article"
    """The question named an article that the loaded statutes do not have."""
    CHAT = "chat"
    """A greeting, thanks, "继续", a question about the bot: a short reply, no law."""
    NOT_CHINESE = "not_chinese"
    """Latin letters only (English, pinyin): asked to write in Chinese."""


@dataclass(frozen=True)
class Suggestion:
    title: str
    citations: tuple[Citation, ...]
    faq: FaqEntry | None = None
    article: Article | None = None


@dataclass(frozen=True)
class Thresholds:
    answer: float
    suggest: float
    statute: float
    support: float
    """The least share of the question's word information an answered entry's own text must have."""
    out_of_scope_override: float
    """An FAQ match this strong wins over an out-of-scope keyword."""
    margin: float = 0.0
    """The least lead of an answer over the best entry resting on another article, as a share of the answer's
    own confidence (long stories score lower throughout): closer, the citizen is offered both (rivals.py)."""
    long_question_chars: int = 60
    long_question_factor: float = 1.0
    """A long story shares a smaller part of its words with any FAQ phrasing: from
    `long_question_chars` on, the answer, suggest and support thresholds are scaled by this factor."""

    def for_length(self, chars: int) -> tuple[float, float, float]:
        """(answer, suggest, support) thresholds for a question of this many characters."""
        factor = self.long_question_factor if chars >= self.long_question_chars else 1.0
        return self.answer * factor, self.suggest * factor, self.support * factor


@dataclass(frozen=True)
class Answer:
    kind: AnswerKind
    confidence: float
    faq: FaqEntry | None = None
    article: Article | None = None
    citations: tuple[Citation, ...] = ()
    """Resolved to full statute titles where the statute is loaded."""
    alternatives: tuple[Suggestion, ...] = ()
    topic: OutOfScopeTopic | None = None
    requested: tuple[str, int] | None = None
    """For NO_ARTICLE: the law and number asked for."""
    chat: ConversationIntent | None = None

    @property
    def answered(self) -> bool:
        return self.kind in (AnswerKind.FAQ, AnswerKind.STATUTE, AnswerKind.LOOKUP)

    @property
    def source(self) -> str:
        return {AnswerKind.FAQ: "faq", AnswerKind.STATUTE: "statute", AnswerKind.LOOKUP: "statute"}.get(
            self.kind, "none"
        )


@dataclass(repr=False)
class KnowledgeBase:
    library: StatuteLibrary
    faq: list[FaqEntry]
    normalizer: TextNormalizer
    index: SearchIndex
    scope: ScopeGuard
    thresholds: Thresholds
    facts: FactFinder
    conversation: ConversationGuard
    claims: ClaimBook
    fields: ConsumerFields
    references: ReferenceParser = field(init=False)

    def __post_init__(self) -> None:
        self.references = ReferenceParser(self.library)
        self._faq_by_id = {entry.id: entry for entry in self.faq}
        self._entry_text = {
            entry.id: self.normalizer.clean(" ".join((*_short(entry.phrasings), *entry.keywords))) for entry in self.faq
        }
        """What each entry is about: its keywords and short phrasings (a story's incidental words, 星期 or
        钱包, do not make an entry about them)."""
        self.rivals = Rivals(self.faq, self.normalizer, self.resolve)

    def take_over(self, newer: KnowledgeBase) -> None:
        """Become `newer` (built apart, e.g. with newly approved entries): every holder of this object
        answers from it from the next question on, without a restart."""
        self.__dict__.update(newer.__dict__)

    def faq_entry(self, entry_id: str) -> FaqEntry | None:
        return self._faq_by_id.get(entry_id)

    def resolve(self, citation: Citation) -> Citation:
        """The citation with the statute's full title, when that statute is loaded (its quote kept)."""
        return Citation(self.library.full_title(citation.law), citation.article, citation.quote)

    def ask(self, question: str, *, last_law: str | None = None, max_suggestions: int = 3) -> Answer:
        """Answer one question: a direct article lookup, an FAQ, a statute, suggestions, or not."""
        cleaned = self.normalizer.clean(question)
        if not MEANINGFUL.search(cleaned):
            return Answer(AnswerKind.UNKNOWN, 0.0)
        intent = self.conversation.match(cleaned)
        if intent is not None:
            return Answer(AnswerKind.CHAT, 1.0, chat=intent)
        reference = self.references.parse(cleaned, last_law=last_law)
        if reference is not None:
            return self.article_answer(reference.law, reference.number)
        if not CJK.search(cleaned) and LATIN_WORD.search(cleaned):
            return Answer(AnswerKind.NOT_CHINESE, 0.0)
        corrected = self.normalizer.correct_typos(cleaned)
        facts = self.facts.find(corrected)
        faq_hits, article_hits = self.search(corrected, facts)
        best_faq = faq_hits[0] if faq_hits else Hit(0.0)
        named = self.scope.match(corrected)
        if named is not None and not self._covers(best_faq, named[1], corrected):
            return Answer(AnswerKind.OUT_OF_SCOPE, best_faq.confidence, topic=named[0])
        contested = bool(faq_hits) and self.rivals.contested(faq_hits, cleaned, corrected, facts,
                                                             self.thresholds.margin)
        return self._decide(faq_hits, article_hits, len(cleaned), facts, max_suggestions, contested=contested)

    def search(self, corrected: str, facts: frozenset[str]) -> tuple[list[Hit], list[Hit]]:
        """FAQ and article hits for cleaned, typo-corrected text: the whole text and its question
        clause, without the entries that a fact in the text (or its time span) rules out."""
        clause = question_clause(corrected)
        focus = self.index.cleaned_terms(clause) if clause else None
        if focus is not None and len(set(focus.words)) < MIN_FOCUS_WORDS:
            focus = None  # "这样合理吗", "我该怎么办": a generic ending says nothing of the topic
        return self.index.search_terms(
            self.index.cleaned_terms(corrected),
            focus=focus,
            ruled_out=self.index.ruled_out(facts, elapsed_days(corrected)),
        )

    def _covers(self, hit: Hit, keyword: str, corrected: str) -> bool:
        """Whether an FAQ hit answers a question that names another department's keyword.

        It does when it is very strong, or when it is good enough to answer and either is itself about
        that keyword (话费 in a mobile top-up entry, 营业执照 for 办营业执照: the keyword then marks a
        consumer matter) or the keyword is only in the story, not in what it asks (刷医保卡 while
        buying glasses, then "度数不对能重配吗").
        """
        if hit.faq is None:
            return False
        if hit.confidence >= self.thresholds.out_of_scope_override:
            return True
        answer_at, _, _ = self.thresholds.for_length(len(corrected))
        if hit.confidence < answer_at:
            return False
        clause = question_clause(corrected)
        if clause is not None and self.scope.match(clause) is None:
            return True
        words = self.normalizer.whole_words(keyword) or [keyword]
        return all(word in self._entry_text[hit.faq.id] for word in words)

    def _decide(
        self, faq_hits: list[Hit], article_hits: list[Hit], chars: int, facts: frozenset[str], max_suggestions: int,
        *, contested: bool,
    ) -> Answer:
        """Answer, suggest or admit not knowing, from the ranked hits; a `contested` best entry is only offered."""
        limits = self.thresholds
        best_faq = faq_hits[0] if faq_hits else Hit(0.0)
        best_article = article_hits[0] if article_hits else Hit(0.0)
        candidates = sorted(
            faq_hits + [h for h in article_hits if h.confidence >= limits.statute * STATUTE_SUGGESTION_SHARE],
            key=lambda h: h.confidence,
            reverse=True,
        )
        answer_at, suggest_at, support_at = limits.for_length(chars)
        supported = best_faq.faq is not None and best_faq.faq.needs <= facts and best_faq.support >= support_at
        if best_faq.confidence >= answer_at and supported and not contested:
            return self._faq_answer(best_faq, faq_hits[1 : 1 + max_suggestions])
        if best_article.confidence >= limits.statute and best_faq.confidence < answer_at:
            others = [h for h in candidates if h is not best_article]
            return Answer(
                AnswerKind.STATUTE,
                best_article.confidence,
                article=best_article.article,
                citations=(Citation(best_article.article.law, best_article.article.number),),
                alternatives=tuple(self._suggestion(h) for h in others[:max_suggestions]),
            )
        if best_faq.confidence >= suggest_at:
            return Answer(
                AnswerKind.SUGGEST,
                best_faq.confidence,
                alternatives=tuple(self._suggestion(h) for h in candidates[:max_suggestions]),
            )
        return Answer(AnswerKind.UNKNOWN, best_faq.confidence)

    def article_answer(self, law: str, number: int) -> Answer:
        statute = self.library.resolve(law)
        article = statute.articles.get(number) if statute else None
        if article is None:
            title = statute.title if statute else law
            return Answer(AnswerKind.NO_ARTICLE, 1.0, requested=(title, number))
        return Answer(AnswerKind.LOOKUP, 1.0, article=article, citations=(Citation(article.law, number),))

    def faq_answer(self, entry: FaqEntry) -> Answer:
        return self._faq_answer(Hit(1.0, faq=entry), [])

    def _faq_answer(self, hit: Hit, others: Sequence[Hit]) -> Answer:
        cited = hit.faq.citations
        order = hit.citation_order or range(len(cited))
        return Answer(
            AnswerKind.FAQ,
            hit.confidence,
            faq=hit.faq,
            citations=tuple(self.resolve(cited[k]) for k in order),
            alternatives=tuple(self._suggestion(h) for h in others),
        )

    def _suggestion(self, hit: Hit) -> Suggestion:
        if hit.faq is not None:
            return Suggestion(hit.faq.question, tuple(self.resolve(c) for c in hit.faq.citations), faq=hit.faq)
        article = hit.article
        statute = self.library.resolve(article.law)
        title = f"《{statute.short_title if statute else article.law}》第{cn2an.an2cn(article.number)}条"
        return Suggestion(title, (Citation(article.law, article.number),), article=article)


def _short(phrasings: Sequence[str]) -> list[str]:
    return [text for text in phrasings if len(text) < MIN_STORY_CHARS]


def load_lexicon(data_dir: Path = DATA_DIR) -> Lexicon:
    raw = tomllib.loads((data_dir / "lexicon.toml").read_text(encoding="utf-8"))
    expansions = {slang: tuple(formal) for slang, formal in raw.get("expand", {}).items()}
    characters = dict(raw.get("characters", {}))
    variants = dict(raw.get("variants", {}))
    lines = (data_dir / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    stopwords = frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))
    return Lexicon(expansions, stopwords, characters, variants)


def load_law_table(data_dir: Path = DATA_DIR) -> tuple[dict[str, str], dict[str, str]]:
    """laws.toml: the names people use for a statute, and where cited rules are officially published."""
    raw = tomllib.loads((data_dir / "laws.toml").read_text(encoding="utf-8"))
    published = {rule["title"]: rule["published"] for rule in raw.get("cited_rules", []) if "published" in rule}
    return dict(raw.get("aliases", {})), published


def load_statutes(laws: Sequence[str], statute_dirs: Sequence[Path], data_dir: Path = DATA_DIR) -> StatuteLibrary:
    statutes: list[Statute] = load_bundled(laws) + load_statute_dirs(statute_dirs)
    aliases, published = load_law_table(data_dir)
    return StatuteLibrary(statutes, aliases, published)


def load_knowledge(
    *,
    laws: Sequence[str],
    statute_dirs: Sequence[Path],
    thresholds: Thresholds,
    cache_dir: Path | None = None,
    data_dir: Path = DATA_DIR,
    extra_faq: Sequence[tuple[str, str]] = (),
) -> KnowledgeBase:
    """Load every source and build the index once (or load it from the cache); read-only after.
    `extra_faq` are (name, TOML text) pairs in the FAQ files' format, e.g. entries approved in the console."""
    library = load_statutes(laws, statute_dirs, data_dir)
    sources = read_faq_dir(data_dir / "faq") + [(Path(name), text.encode("utf-8")) for name, text in extra_faq]
    faq_key = fingerprint([Path(faq_module.__file__).read_bytes(),
                           *(part for path, data in sources for part in (str(path), data))])
    faq = load_or_build(cache_dir, "faq", faq_key, lambda: parse_faq_sources(sources))  # TOML parsing: 0.4 s
    lexicon = load_lexicon(data_dir)
    normalizer = TextNormalizer(lexicon, cache_dir=cache_dir)
    domain_terms = [k for entry in faq for k in entry.keywords] + list(library.alias_names())
    normalizer.add_words(domain_terms)
    articles = [article for statute in library for article in statute.articles.values()]

    def build() -> tuple[list[str], dict[str, str], SearchIndex]:
        vocabulary = set(domain_terms) | set(lexicon.expansions)
        for entry in faq:
            for phrasing in _short(entry.phrasings):  # a story's everyday words (要是) are no typo targets
                words = normalizer.whole_words(normalizer.clean(phrasing))
                # 一层, 两块: a numeral and a measure word are what the text says, never a typo's target
                # (秤一秤 would become 秤一层); domain terms such as 退一赔三 stay in through `domain_terms`.
                vocabulary.update(word for word in words if not NUMERAL_CHARACTER.search(word))
        index = SearchIndex(normalizer, faq, articles, resolve_law=library.full_title)
        return sorted(vocabulary), build_pinyin_table(), index

    key = fingerprint(
        [*(Path(module.__file__).read_bytes() for module in (search_module, normalize_module)),
         *(path.read_bytes() for path in sorted(data_dir.rglob("*")) if path.is_file() and path.parent.name != "faq"),
         faq_key,  # the FAQ as read once: the entries are parsed from these same bytes
         *(f"{a.law}|{a.number}|{a.text}" for a in articles)]
    )
    vocabulary, pinyin, index = load_or_build(cache_dir, "index", key, build)
    normalizer.learn_vocabulary(vocabulary, pinyin)
    index.attach(normalizer, faq, articles)
    scope = ScopeGuard(load_topics(data_dir / "out_of_scope.toml"), normalizer.clean)
    facts = FactFinder(load_facts(data_dir / "facts.toml"), normalizer.clean, normalizer.word_boundaries)
    index.mark_exclusions(facts.names)
    conversation = load_conversation(data_dir / "conversation.toml", normalizer.clean)
    claims = ClaimBook(load_claims(data_dir / "claims.toml"), library)
    fields = load_fields(data_dir / "consumer_fields.toml")
    return KnowledgeBase(library, faq, normalizer, index, scope, thresholds, facts, conversation, claims, fields)
