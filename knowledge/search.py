"""The matcher: an in-memory index over FAQ phrasings and statute articles, built once at start.

Each document is seen through two channels, segmented words (with slang expanded) and character
bigrams (robust to segmentation and to one wrong character). For a question we measure, per
channel, how much of the question's information a document covers and how much of the document
the question covers (IDF-weighted), blend those with a rapidfuzz similarity for the best few FAQ
candidates, and map the result to one confidence in 0..1.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from knowledge.faq import FaqEntry
from knowledge.normalize import TextNormalizer, bigrams
from knowledge.statutes import Article

FUZZ_CANDIDATES = 12


@dataclass(frozen=True)
class Terms:
    """A text seen through both channels."""

    words: tuple[str, ...]
    grams: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    """One candidate answer: an FAQ entry or a statute article, with its confidence."""

    confidence: float
    faq: FaqEntry | None = None
    article: Article | None = None


class Channel:
    """An inverted index of distinct terms -> documents, with IDF weights."""

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self.size = len(documents)
        postings: dict[str, list[int]] = defaultdict(list)
        for doc_id, terms in enumerate(documents):
            for term in set(terms):
                postings[term].append(doc_id)
        self.unseen_idf = math.log(1 + self.size / 0.5)
        self.idf = {t: math.log(1 + self.size / len(ids)) for t, ids in postings.items()}
        self.postings = {t: np.asarray(ids, dtype=np.int32) for t, ids in postings.items()}
        self.doc_mass = np.array(
            [sum(self.idf[t] for t in set(terms)) or 1.0 for terms in documents], dtype=np.float64
        )

    def coverage(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(share of the query's IDF mass each doc covers, share of each doc's mass the query covers)."""
        matched = np.zeros(self.size, dtype=np.float64)
        query_mass = 0.0
        for term in set(terms):
            ids = self.postings.get(term)
            if ids is None:
                query_mass += self.unseen_idf
                continue
            weight = self.idf[term]
            query_mass += weight
            matched[ids] += weight
        if query_mass == 0.0:
            return matched, matched
        return matched / query_mass, matched / self.doc_mass


class SearchIndex:
    """FAQ phrasings and statute articles, each in its own pair of channels."""

    def __init__(self, normalizer: TextNormalizer, faq: Sequence[FaqEntry], articles: Sequence[Article]):
        self.normalizer = normalizer
        self.faq = list(faq)
        self.articles = list(articles)
        self._phrasing_entry: list[int] = []
        phrasing_terms: list[Terms] = []
        self._phrasing_text: list[str] = []
        for entry_id, entry in enumerate(self.faq):
            keywords = " ".join(entry.keywords)
            for phrasing in entry.phrasings:
                cleaned = normalizer.clean(phrasing)
                terms = self.terms(f"{cleaned} {normalizer.clean(keywords)}")
                phrasing_terms.append(terms)
                self._phrasing_text.append(" ".join(terms.words))
                self._phrasing_entry.append(entry_id)
        self._entry_of = np.asarray(self._phrasing_entry, dtype=np.int32)
        article_terms = [self.terms(normalizer.clean(a.text)) for a in self.articles]
        self.faq_words = Channel([t.words for t in phrasing_terms])
        self.faq_grams = Channel([t.grams for t in phrasing_terms])
        self.law_words = Channel([t.words for t in article_terms])
        self.law_grams = Channel([t.grams for t in article_terms])

    def terms(self, cleaned: str) -> Terms:
        formal = " ".join(self.normalizer.expansions(cleaned))
        words = self.normalizer.words(cleaned) + self.normalizer.words(formal)
        return Terms(tuple(words), tuple(bigrams(cleaned)))

    def query_terms(self, question: str) -> Terms:
        cleaned = self.normalizer.correct_typos(self.normalizer.clean(question))
        return self.terms(cleaned)

    def search(self, question: str, *, limit: int = 4) -> tuple[list[Hit], list[Hit]]:
        """Best FAQ entries and best statute articles for a question, each best first."""
        terms = self.query_terms(question)
        return self._rank_faq(terms, limit), self._rank_articles(terms, limit)

    def _rank_faq(self, terms: Terms, limit: int) -> list[Hit]:
        if not self.faq:
            return []
        q_words, d_words = self.faq_words.coverage(terms.words)
        q_grams, d_grams = self.faq_grams.coverage(terms.grams)
        lexical = 0.35 * _blend(q_words, d_words) + 0.65 * _blend(q_grams, d_grams)
        best_per_entry = np.zeros(len(self.faq), dtype=np.float64)
        best_phrasing = np.full(len(self.faq), -1, dtype=np.int64)
        order = np.argsort(-lexical, kind="stable")
        query_text = " ".join(terms.words)
        for phrasing_id in order[: FUZZ_CANDIDATES * 3]:
            entry_id = self._entry_of[phrasing_id]
            if best_phrasing[entry_id] >= 0 and lexical[phrasing_id] <= best_per_entry[entry_id]:
                continue
            similarity = fuzz.token_set_ratio(query_text, self._phrasing_text[phrasing_id]) / 100.0
            score = 0.8 * lexical[phrasing_id] + 0.2 * similarity
            if score > best_per_entry[entry_id]:
                best_per_entry[entry_id] = score
                best_phrasing[entry_id] = phrasing_id
        top = np.argsort(-best_per_entry, kind="stable")[:limit]
        return [Hit(float(best_per_entry[i]), faq=self.faq[i]) for i in top if best_per_entry[i] > 0]

    def _rank_articles(self, terms: Terms, limit: int) -> list[Hit]:
        if not self.articles:
            return []
        q_words, d_words = self.law_words.coverage(terms.words)
        q_grams, d_grams = self.law_grams.coverage(terms.grams)
        score = 0.4 * q_words + 0.6 * q_grams
        top = np.argsort(-score, kind="stable")[:limit]
        return [Hit(float(score[i]), article=self.articles[i]) for i in top if score[i] > 0]


def _blend(query_coverage: np.ndarray, doc_coverage: np.ndarray) -> np.ndarray:
    """A question matches a phrasing when it covers the phrasing, or the phrasing covers it.

    Long stories cover the short FAQ phrasing (high doc coverage); terse keyword questions are
    covered by it (high query coverage). The weaker side still counts, so one shared word is not enough.
    """
    high = np.maximum(query_coverage, doc_coverage)
    low = np.minimum(query_coverage, doc_coverage)
    return 0.75 * high + 0.25 * low
