"""The index's scoring arithmetic equals its plain definition: the speed work (one shared vocabulary,
vectorised postings) must not change a single score."""

from __future__ import annotations

import math

import numpy as np
import pytest

from knowledge.search import Channel, SaturatedChannel, Vocabulary

PHRASINGS = [["退货", "七天", "网购", "退货"], ["赔偿", "假货"], ["退货", "质量", "发票"], ["押金"]]
ENTRIES = [[["退货", "七天"], ["网购", "退货"]], [["赔偿", "假货"], ["假货"]], [["押金", "退还"]]]
QUERIES = [
    (["退货", "退货", "网购", "发票"], []),  # 发票 is known to one channel only
    (["假货", "十倍", "赔偿"], ["赔偿", "欺诈"]),  # an unknown word; optional words, one also required
    (["火星"], ["退货"]),  # nothing known but an optional word
    ([], []),
]


def shared(*channels) -> None:
    vocabulary = Vocabulary(term for channel in channels for term in channel.postings.slot)
    for channel in channels:
        channel.postings.share(vocabulary)


def plain_coverage(documents, terms, optional):
    """Share of the query's IDF mass each document has, and of each document's mass the query has."""
    size = len(documents)
    df = {}
    for document in documents:
        for term in set(document):
            df[term] = df.get(term, 0) + 1
    idf = {term: math.log(1 + size / count) for term, count in df.items()}
    required = set(terms)
    mass = sum(idf[t] for t in required if t in idf) + 0.5 * math.log(1 + size) * sum(t not in idf for t in required)
    wanted = required | set(optional)
    matched = np.array([sum(idf[t] for t in set(document) if t in wanted) for document in documents])
    document_mass = np.array([sum(idf[t] for t in set(document)) for document in documents])
    if mass == 0:
        return matched, matched
    return np.minimum(matched / mass, 1.0), np.minimum(matched / document_mass, 1.0)


def plain_bm25(entries, terms, optional, k1=1.2, b=0.75):
    counts = [{} for _ in entries]
    for tf, phrasings in zip(counts, entries, strict=True):
        for phrasing in phrasings:
            for term in set(phrasing):
                tf[term] = tf.get(term, 0) + 1
    size, lengths = len(entries), [sum(tf.values()) for tf in counts]
    average = sum(lengths) / size
    df = {t: sum(t in tf for tf in counts) for tf in counts for t in tf}
    idf = {t: math.log(1 + (size - n + 0.5) / (n + 0.5)) for t, n in df.items()}
    required = set(terms)
    ceiling = sum(idf[t] * (k1 + 1) for t in required if t in idf)
    ceiling += 0.5 * math.log(1 + size) * (k1 + 1) * sum(t not in idf for t in required)
    wanted = required | set(optional)
    scores = np.array([
        sum(idf[t] * n * (k1 + 1) / (n + k1 * (1 - b + b * length / average)) for t, n in tf.items() if t in wanted)
        for tf, length in zip(counts, lengths, strict=True)
    ])
    return np.minimum(scores / ceiling, 1.0) if ceiling else scores


@pytest.mark.parametrize("terms, optional", QUERIES)
def test_coverage_and_bm25_equal_their_plain_definitions(terms, optional):
    phrasings, entries = Channel(PHRASINGS), SaturatedChannel(ENTRIES)
    shared(phrasings, entries)
    covered, covering = phrasings.coverage(terms, optional)
    expected_covered, expected_covering = plain_coverage(PHRASINGS, terms, optional)
    assert np.allclose(covered, expected_covered) and np.allclose(covering, expected_covering)
    assert np.allclose(entries.score(terms, optional), plain_bm25(ENTRIES, terms, optional))
