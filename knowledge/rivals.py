"""Whether a question decides between its best FAQ entries, or leaves the citizen to choose.

Two near-equal entries resting on the same article give the same legal answer. Resting on different
articles, a confident answer would be a coin toss (on the labelled questions a third of such answers cited
the wrong rule first), so the citizen is offered both. A close rival does not count when the question says
much less of it than of the best entry ("买到假货怎么赔" scores close to the live-stream entry, 直播间主播夸大
宣传，买到假货…, but mentions no live stream), nor when a fact it needs is missing (a quality problem for the
seven-day return of defective goods, when "网购的衣服七天内能退吗" names none).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from knowledge.faq import Citation, FaqEntry
from knowledge.normalize import TextNormalizer
from knowledge.search import Hit

SPECIFICITY_SLACK = 0.1
"""How much less of a rival's closest phrasing the question may say than of the best entry's and the rival
still count (shares of the phrasing's character bigrams). Chosen with bench/qa_calibrate.py."""


def bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


class Rivals:
    def __init__(self, faq: Sequence[FaqEntry], normalizer: TextNormalizer,
                 resolve: Callable[[Citation], Citation]) -> None:
        self._normalizer = normalizer
        self._resolve = resolve
        self._standard = {normalizer.clean(entry.question): entry.id for entry in faq}
        """An entry's own question, as asked (a suggestion's title typed back): it decides between rivals."""
        self._phrasing_bigrams: dict[str, tuple[frozenset[str], ...]] = {}
        """Filled as entries come up: a question looks at a few, and most entries never rival anything."""

    def contested(self, hits: Sequence[Hit], cleaned: str, corrected: str, facts: frozenset[str],
                  margin: float) -> bool:
        """Whether an entry leading with another article scores within `margin` (a share of the best's
        confidence) of the best hit, could itself be answered (its needed `facts` are there) and is as much
        what the question describes."""
        best = hits[0]
        if margin <= 0 or self._standard.get(cleaned) == best.faq.id:
            return False
        lead = self._lead(best)
        close = [hit for hit in hits[1:] if hit.confidence > best.confidence * (1 - margin)
                 and hit.faq.needs <= facts and self._lead(hit) != lead]
        if not close:
            return False
        asked = bigrams(corrected)
        said_of_best = self._said_of(best.faq, asked)
        return any(self._said_of(hit.faq, asked) >= said_of_best - SPECIFICITY_SLACK for hit in close)

    def _lead(self, hit: Hit) -> tuple[str, int]:
        """The article an FAQ hit's answer would cite first, by full statute title."""
        resolved = self._resolve(hit.faq.citations[hit.citation_order[0] if hit.citation_order else 0])
        return resolved.law, resolved.article

    def _said_of(self, entry: FaqEntry, asked: frozenset[str]) -> float:
        """The largest share of one of the entry's phrasings that the question's text contains."""
        phrasings = self._phrasing_bigrams.get(entry.id)
        if phrasings is None:
            phrasings = tuple(bigrams(self._normalizer.clean(text)) for text in entry.phrasings)
            self._phrasing_bigrams[entry.id] = phrasings
        return max((len(grams & asked) / len(grams) for grams in phrasings if grams), default=0.0)
