"""The matcher: an in-memory index over FAQ phrasings and statute articles, built once at start.

Each document is seen through two channels, segmented words (with slang expanded) and character
bigrams (robust to segmentation and to one wrong character). For a question we measure, per
channel, how much of the question's information a document covers and how much of the document
the question covers (IDF-weighted), blend those with a rapidfuzz similarity for the best few FAQ
candidates, and map the result to one confidence in 0..1. A story is also scored by its question
clause (`focus`), entries a fact of the question rules out are dropped, and each FAQ hit carries its
`support` (how much of the question the entry's own words cover) and its citations ordered by how close
each cited article is to the question.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from knowledge.faq import FaqEntry
from knowledge.normalize import TextNormalizer, bigrams
from knowledge.statutes import Article

FUZZ_CANDIDATES = 12
COMPENSATION = "赔偿"
"""An article whose text grants 赔偿 is a remedy: it answers "能赔吗" before the rule that was broken."""
PENALTIES = ("罚款", "吊销", "没收违法所得")
"""An article whose text sets these is an administrative penalty: a citizen asking what he can do is
not answered by the fine the shop may get, unless he asks about punishment."""
ASKS_COMPENSATION = ("赔", "倍")
ASKS_PENALTY = ("罚", "查处", "吊销")
UNPICKLED = ("normalizer", "faq", "articles", "_excluded_by", "_max_days")
"""Set again after a cached index is loaded (`attach`, `mark_exclusions`)."""


@dataclass(frozen=True)
class Terms:
    """A text seen through both channels."""

    words: tuple[str, ...]
    grams: tuple[str, ...]
    formal: tuple[str, ...] = ()
    """Formal terms the slang in the text stands for: they can add to a match, never subtract."""


@dataclass(frozen=True)
class Hit:
    """One candidate answer: an FAQ entry or a statute article, with its confidence."""

    confidence: float
    faq: FaqEntry | None = None
    article: Article | None = None
    citation_order: tuple[int, ...] = ()
    """For an FAQ hit: its citations' positions, the one closest to the question first."""
    support: float = 1.0
    """For an FAQ hit: the share of the question's word information (IDF mass) the entry's own text
    has. An entry found through a few strong bigrams may say nothing of what was asked."""


class Vocabulary:
    """Every term of every channel, numbered once: a query's terms are looked up here once, then each
    channel takes its own rows by number (a dictionary pass per channel was most of a search's time)."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.number = {term: number for number, term in enumerate(dict.fromkeys(terms))}
        self.resolve = functools.lru_cache(maxsize=16)(self._resolve)

    def __getstate__(self) -> dict:
        return {"number": self.number}

    def __setstate__(self, state: dict) -> None:
        self.__init__(())
        self.number = state["number"]

    def _resolve(self, terms: tuple[str, ...], optional: tuple[str, ...]) -> tuple[np.ndarray, int, np.ndarray]:
        """(numbers of the distinct known terms, how many terms are unknown, numbers of the known
        optional terms that are not also required)."""
        required = dict.fromkeys(terms)
        known = [number for term in required if (number := self.number.get(term)) is not None]
        extra = [number for term in dict.fromkeys(optional) if term not in required
                 and (number := self.number.get(term)) is not None]
        return np.asarray(known, dtype=np.int64), len(required) - len(known), np.asarray(extra, dtype=np.int64)


class Postings:
    """Term -> (documents, a weight per document), stored as flat arrays so the index pickles fast."""

    def __init__(self, size: int, rows: dict[str, tuple[list[int], list[float]]], ceilings: dict[str, float]):
        terms = list(rows)
        self.size = size
        self.slot = {term: position for position, term in enumerate(terms)}
        """Each term's row, until `share` replaces it with the shared vocabulary and `rows`."""
        lengths = [len(rows[term][0]) for term in terms]
        self.offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64)
        self.ids = np.fromiter(itertools.chain.from_iterable(rows[t][0] for t in terms), dtype=np.int64)
        self.weights = np.fromiter(itertools.chain.from_iterable(rows[t][1] for t in terms), dtype=np.float64)
        self.ceiling = np.array([ceilings[term] for term in terms], dtype=np.float64)
        """The most one term can add to a document's score (its IDF, or BM25's upper bound)."""

    def share(self, vocabulary: Vocabulary) -> None:
        """Find terms through the vocabulary all channels share (its numbers -> this channel's rows)."""
        self.vocabulary = vocabulary
        self.rows = np.full(len(vocabulary.number), -1, dtype=np.int32)
        for term, position in self.slot.items():
            self.rows[vocabulary.number[term]] = position
        del self.slot

    def split(self, terms: Sequence[str], optional: Sequence[str] = ()) -> tuple[np.ndarray, int, np.ndarray]:
        """(rows of the known terms, how many terms are unknown, rows of known optional terms)."""
        numbers, unknown, optional_numbers = self.vocabulary.resolve(tuple(terms), tuple(optional))
        rows = self.rows[numbers]
        known = rows[rows >= 0]
        extra = self.rows[optional_numbers]
        return known, unknown + len(rows) - len(known), extra[extra >= 0]

    def accumulate(self, slots) -> np.ndarray:
        """Sum the weights of these terms (rows) per document, in one pass."""
        if not len(slots):
            return np.zeros(self.size, dtype=np.float64)
        chosen = np.asarray(slots, dtype=np.int64)
        starts = self.offsets[chosen]
        lengths = self.offsets[chosen + 1] - starts
        # The postings of every chosen term, concatenated in slot order, as one index array.
        shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        positions = np.arange(int(lengths.sum()), dtype=np.int64) + shift
        return np.bincount(self.ids[positions], self.weights[positions], self.size)


class Channel:
    """Distinct terms -> documents with IDF weights; measures coverage both ways."""

    def __init__(self, documents: Sequence[Sequence[str]], *, unseen_weight: float = 0.5) -> None:
        size = len(documents)
        found: dict[str, list[int]] = defaultdict(list)
        for doc_id, terms in enumerate(documents):
            for term in set(terms):
                found[term].append(doc_id)
        idf = {t: math.log(1 + size / len(ids)) for t, ids in found.items()}
        self.postings = Postings(size, {t: (ids, [idf[t]] * len(ids)) for t, ids in found.items()}, idf)
        # A question word no document has cannot tell entries apart, but it does say the question
        # is about something we may not cover: it counts, at part of the rarest word's weight.
        self.unseen_idf = unseen_weight * math.log(1 + size)
        self.doc_mass = np.maximum(self.postings.accumulate(list(range(len(idf)))), 1e-9)

    def coverage(self, terms: Sequence[str], optional: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray]:
        """(share of the query's IDF mass each doc covers, share of each doc's mass the query covers).

        Optional terms (slang expansions) add to the matched mass but not to the query's mass.
        """
        known, unknown, extra = self.postings.split(terms, optional)
        query_mass = float(self.postings.ceiling[known].sum()) + self.unseen_idf * unknown
        matched = self.postings.accumulate(np.concatenate((known, extra)))
        if query_mass == 0.0:
            return matched, matched
        return np.minimum(matched / query_mass, 1.0), np.minimum(matched / self.doc_mass, 1.0)


class SaturatedChannel:
    """BM25 over documents that are bags of phrasings: a term in many of an entry's phrasings is
    that entry's core concept (奖励 in every phrasing of "举报有奖励吗"), so it weighs more there."""

    def __init__(self, documents: Sequence[Sequence[Sequence[str]]], *, k1: float = 1.2, b: float = 0.75) -> None:
        counts = []
        for phrasings in documents:
            tf: dict[str, int] = defaultdict(int)
            for terms in phrasings:
                for term in set(terms):
                    tf[term] += 1
            counts.append(tf)
        size = len(counts)
        lengths = np.array([sum(tf.values()) for tf in counts], dtype=np.float64)
        average = lengths.mean() if size else 1.0
        found: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for doc_id, tf in enumerate(counts):
            for term, count in tf.items():
                found[term].append((doc_id, count))
        rows, ceilings = {}, {}
        for term, pairs in found.items():
            idf = math.log(1 + (size - len(pairs) + 0.5) / (len(pairs) + 0.5))
            ids = [doc for doc, _ in pairs]
            rows[term] = (ids, [idf * n * (k1 + 1) / (n + k1 * (1 - b + b * lengths[d] / average)) for d, n in pairs])
            ceilings[term] = idf * (k1 + 1)
        self.postings = Postings(size, rows, ceilings)
        self.unseen_ceiling = 0.5 * math.log(1 + size) * (k1 + 1)

    def score(self, terms: Sequence[str], optional: Sequence[str] = ()) -> np.ndarray:
        """BM25 of each document, as a share of the best score the question could reach."""
        known, unknown, extra = self.postings.split(terms, optional)
        ceiling = float(self.postings.ceiling[known].sum()) + self.unseen_ceiling * unknown
        scores = self.postings.accumulate(np.concatenate((known, extra)))
        return np.minimum(scores / ceiling, 1.0) if ceiling else scores


@dataclass(frozen=True)
class Weights:
    """How the signals combine into one FAQ confidence (calibrated in bench/qa_calibrate.py)."""

    phrasing_words: float = 0.1
    """Within the best phrasing: the word channel's share (the bigram channel has the rest)."""
    phrasing: float = 0.3
    """The best single phrasing of an entry."""
    entry: float = 0.25
    """The entry as a whole (all phrasings, keywords and the answer): share of the question covered."""
    entry_bm25_words: float = 0.1
    entry_bm25_grams: float = 0.5
    """BM25 over the entry's phrasings, words and bigrams: rewards the entry's recurring terms."""
    cited_article: float = 0.3
    """The best-matching article the entry cites."""
    similarity: float = 0.05
    """rapidfuzz token-set similarity with the best phrasing."""
    stronger_side: float = 0.75
    """In a phrasing match, the weight of the better of question and phrasing coverage."""
    focus: float = 0.1
    """For a story that ends in a question: the weight of the question clause scored on its own (chosen with
    bench/qa_variants.py on held-out FAQ variants: 0.872 of them find their entry first at 0.1, 0.809 at 0.5)."""
    declared_first: float = 0.3
    """When ordering an answer's citations by closeness to the question: the lead of the entry's own first."""
    role: float = 0.4
    """When ordering citations: the lead of a remedy article for a question about compensation, and the
    step back of a penalty article for a question that does not ask about punishment."""


class SearchIndex:
    """FAQ phrasings, FAQ entries and statute articles, each in its own pair of channels."""

    def __init__(
        self,
        normalizer: TextNormalizer,
        faq: Sequence[FaqEntry],
        articles: Sequence[Article],
        *,
        weights: Weights = Weights(),
        resolve_law=lambda law: law,
    ):
        self.normalizer = normalizer
        self.faq = list(faq)
        self.articles = list(articles)
        self.weights = weights
        phrasing_terms: list[Terms] = []
        entry_terms: list[Terms] = []
        entry_phrasings: list[list[Terms]] = []
        self._phrasing_text: list[str] = []
        starts: list[int] = []
        for entry in self.faq:
            starts.append(len(phrasing_terms))
            keywords = " ".join(entry.keywords)
            entry_phrasings.append([self.terms(text) for text in (*entry.phrasings, *entry.keywords)])
            for phrasing in entry.phrasings:
                terms = self.terms(f"{phrasing} {keywords}")
                phrasing_terms.append(terms)
                self._phrasing_text.append(" ".join(terms.words))
            whole = " ".join([*entry.phrasings, *entry.keywords, entry.answer])
            entry_terms.append(self.terms(whole))
        self._entry_starts = np.asarray(starts, dtype=np.int64)
        self._entry_of = np.repeat(
            np.arange(len(self.faq)), np.diff(np.append(self._entry_starts, len(phrasing_terms)))
        )
        article_terms = [self.terms(a.text) for a in self.articles]
        self.phrasing_words = Channel([t.words for t in phrasing_terms])
        self.phrasing_grams = Channel([t.grams for t in phrasing_terms])
        self.entry_words = Channel([t.words for t in entry_terms])
        self.entry_grams = Channel([t.grams for t in entry_terms])
        self.entry_bm25_words = SaturatedChannel([[t.words for t in terms] for terms in entry_phrasings])
        self.entry_bm25_grams = SaturatedChannel([[t.grams for t in terms] for terms in entry_phrasings])
        self.law_words = Channel([t.words for t in article_terms])
        self.law_grams = Channel([t.grams for t in article_terms])
        postings = [channel.postings for channel in self._channels()]
        vocabulary = Vocabulary(term for one in postings for term in one.slot)
        for one in postings:
            one.share(vocabulary)
        article_position = {(resolve_law(a.law), a.number): i for i, a in enumerate(self.articles)}
        cited_pairs = [
            (entry_id, article_position[key])
            for entry_id, entry in enumerate(self.faq)
            for c in entry.citations
            if (key := (resolve_law(c.law), c.article)) in article_position
        ]
        self._cited_entry = np.asarray([e for e, _ in cited_pairs], dtype=np.int64)
        self._cited_article = np.asarray([a for _, a in cited_pairs], dtype=np.int64)
        self._remedy = np.array([COMPENSATION in a.text for a in self.articles], dtype=bool)
        self._penalty = np.array([any(p in a.text for p in PENALTIES) for a in self.articles], dtype=bool)
        self._citation_articles = [
            tuple(article_position.get((resolve_law(c.law), c.article), -1) for c in entry.citations)
            for entry in self.faq
        ]

    def _channels(self) -> tuple[Channel | SaturatedChannel, ...]:
        return (self.phrasing_words, self.phrasing_grams, self.entry_words, self.entry_grams, self.entry_bm25_words,
                self.entry_bm25_grams, self.law_words, self.law_grams)

    def mark_exclusions(self, fact_names) -> None:
        """Per fact, which entries it rules out (from each entry's `excludes`), and each entry's time limit."""
        self._excluded_by = {
            name: np.array([name in entry.excludes for entry in self.faq], dtype=bool) for name in fact_names
        }
        self._max_days = np.array([entry.max_days or np.inf for entry in self.faq], dtype=np.float64)

    def ruled_out(self, facts, days: int | None = None) -> np.ndarray | None:
        """Entries that one of these facts, or a time span of `days`, rules out; None when none is."""
        masks = [self._excluded_by[name] for name in facts if name in self._excluded_by]
        if days is not None:
            masks.append(self._max_days < days)
        return np.logical_or.reduce(masks) if masks else None

    def __getstate__(self) -> dict:
        """Pickled without the normaliser and the source objects; `attach` puts them back."""
        return {k: v for k, v in self.__dict__.items() if k not in UNPICKLED}

    def attach(self, normalizer: TextNormalizer, faq: Sequence[FaqEntry], articles: Sequence[Article]) -> None:
        """Reconnect an index loaded from the cache (same FAQ and articles, same order)."""
        self.normalizer = normalizer
        self.faq = list(faq)
        self.articles = list(articles)

    def terms(self, text: str) -> Terms:
        """Words (with the formal terms for any slang), for indexing a document."""
        query = self.query_terms(text, correct=False)
        return Terms(query.words + query.formal, query.grams)

    def query_terms(self, question: str, *, correct: bool = True) -> Terms:
        """A question (or, with correct=False, a document) through both channels."""
        cleaned = self.normalizer.clean(question)
        if correct:
            cleaned = self.normalizer.correct_typos(cleaned)
        return self.cleaned_terms(cleaned)

    def cleaned_terms(self, cleaned: str) -> Terms:
        """Terms of text that is already cleaned (and typo-corrected, for a question)."""
        formal = self.normalizer.words(" ".join(self.normalizer.expansions(cleaned)))
        return Terms(tuple(self.normalizer.words(cleaned)), tuple(bigrams(cleaned)), tuple(formal))

    def search(self, question: str, *, limit: int = 4) -> tuple[list[Hit], list[Hit]]:
        """Best FAQ entries and best statute articles for a question, each best first."""
        return self.search_terms(self.query_terms(question), limit=limit)

    def search_terms(
        self, terms: Terms, *, limit: int = 4, focus: Terms | None = None, ruled_out: np.ndarray | None = None
    ) -> tuple[list[Hit], list[Hit]]:
        """Search with the whole text, and with its question clause (`focus`) when it has one.

        A story's facts dilute its question: the clause that asks is scored on its own too and the
        two are averaged, so an entry must fit both the story and what is asked. Entries marked in
        `ruled_out` (a fact in the question contradicts them) are never returned.
        """
        article_scores = self._article_scores(terms)
        phrasing = self._phrasing_scores(terms)
        scores = self._faq_scores(terms, phrasing, article_scores)
        if focus is not None:
            focus_articles = self._article_scores(focus)
            focus_scores = self._faq_scores(focus, self._phrasing_scores(focus), focus_articles)
            scores = (1 - self.weights.focus) * scores + self.weights.focus * focus_scores
            article_scores = (1 - self.weights.focus) * article_scores + self.weights.focus * focus_articles
        if ruled_out is not None and len(scores):
            scores = np.where(ruled_out, -1.0, scores)
        faq_hits = self._rank_faq(terms, phrasing, scores, article_scores, limit)
        return faq_hits, self._rank_articles(article_scores, limit)

    def _article_scores(self, terms: Terms) -> np.ndarray:
        if not self.articles:
            return np.zeros(0)
        q_words, _ = self.law_words.coverage(terms.words, terms.formal)
        q_grams, _ = self.law_grams.coverage(terms.grams)
        return 0.4 * q_words + 0.6 * q_grams

    def _faq_scores(self, terms: Terms, phrasing: np.ndarray, article_scores: np.ndarray) -> np.ndarray:
        """Every entry's score for these terms (`phrasing`: each phrasing's score), before the similarity
        bonus of the best few."""
        if not self.faq:
            return np.zeros(0)
        w = self.weights
        best_phrasing = np.maximum.reduceat(phrasing, self._entry_starts)
        e_words, _ = self.entry_words.coverage(terms.words, terms.formal)
        e_grams, _ = self.entry_grams.coverage(terms.grams)
        entry = w.phrasing_words * e_words + (1 - w.phrasing_words) * e_grams
        score = (
            w.phrasing * best_phrasing
            + w.entry * entry
            + w.entry_bm25_words * self.entry_bm25_words.score(terms.words, terms.formal)
            + w.entry_bm25_grams * self.entry_bm25_grams.score(terms.grams)
        )
        if len(self._cited_entry):
            cited = np.zeros(len(self.faq), dtype=np.float64)
            np.maximum.at(cited, self._cited_entry, article_scores[self._cited_article])
            score += w.cited_article * cited
        return score

    def _phrasing_scores(self, terms: Terms) -> np.ndarray:
        """Each FAQ phrasing's match with the terms, words and bigrams, both ways."""
        if not self.faq:
            return np.zeros(0)
        w = self.weights
        q_words, d_words = self.phrasing_words.coverage(terms.words, terms.formal)
        q_grams, d_grams = self.phrasing_grams.coverage(terms.grams)
        return (w.phrasing_words * _blend(q_words, d_words, w.stronger_side)
                + (1 - w.phrasing_words) * _blend(q_grams, d_grams, w.stronger_side))

    def _rank_faq(
        self, terms: Terms, phrasing: np.ndarray, scores: np.ndarray, article_scores: np.ndarray, limit: int
    ) -> list[Hit]:
        """The best entries, the few leading ones refined by their similarity to the question."""
        if not self.faq:
            return []
        w = self.weights
        score = scores.copy()
        candidates = np.argsort(-score, kind="stable")[:FUZZ_CANDIDATES]
        query_text = " ".join(terms.words)
        for entry_id in candidates:
            if score[entry_id] < 0:
                continue
            start = self._entry_starts[entry_id]
            best = start + int(np.argmax(phrasing[start : start + len(self.faq[entry_id].phrasings)]))
            score[entry_id] += w.similarity * fuzz.token_set_ratio(query_text, self._phrasing_text[best]) / 100.0
        top = sorted(candidates, key=lambda i: -score[i])[:limit]
        total = w.phrasing + w.entry + w.entry_bm25_words + w.entry_bm25_grams + w.cited_article + w.similarity
        support, _ = self.entry_words.coverage(terms.words, terms.formal)
        lead = self._role_lead(query_text, article_scores)
        return [Hit(min(float(score[i]) / total, 1.0), faq=self.faq[i], support=float(support[i]),
                    citation_order=self._citation_order(i, lead))
                for i in top if score[i] > 0]

    def _role_lead(self, query_text: str, article_scores: np.ndarray) -> np.ndarray:
        """Each article's closeness to the question, moved by its role and what the question asks."""
        lead = article_scores.copy()
        if not len(lead):
            return lead
        if any(word in query_text for word in ASKS_COMPENSATION):
            lead[self._remedy] += self.weights.role
        if not any(word in query_text for word in ASKS_PENALTY):
            lead[self._penalty] -= self.weights.role
        return lead

    def _citation_order(self, entry_id: int, lead: np.ndarray) -> tuple[int, ...]:
        """The entry's citations, the article that best answers this question first.

        "能要求赔偿吗" and "这样卖合法吗" reach the same entry but are decided by different articles
        (the compensation rule, the prohibition), and a fine is rarely what a citizen asks about: an
        article leads by its closeness to the question and its role (`_role_lead`); the entry's
        declared first citation keeps a lead of its own.
        """
        positions = self._citation_articles[entry_id]

        def strength(k: int) -> float:
            closeness = float(lead[positions[k]]) if positions[k] >= 0 and len(lead) else 0.0
            return closeness + (self.weights.declared_first if k == 0 else 0.0)

        return tuple(sorted(range(len(positions)), key=lambda k: -strength(k)))

    def _rank_articles(self, scores: np.ndarray, limit: int) -> list[Hit]:
        if not len(scores):
            return []
        top = np.argsort(-scores, kind="stable")[:limit]
        return [Hit(float(scores[i]), article=self.articles[i]) for i in top if scores[i] > 0]


def _blend(query_coverage: np.ndarray, doc_coverage: np.ndarray, stronger_side: float) -> np.ndarray:
    """A question matches a phrasing when it covers the phrasing, or the phrasing covers it.

    Long stories cover the short FAQ phrasing (high doc coverage); terse keyword questions are
    covered by it (high query coverage). The weaker side still counts, so one shared word is not enough.
    """
    high = np.maximum(query_coverage, doc_coverage)
    low = np.minimum(query_coverage, doc_coverage)
    return stronger_side * high + (1 - stronger_side) * low
