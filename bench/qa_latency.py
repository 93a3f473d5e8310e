"""Time the Q&A matcher over the whole knowledge base, against a naive baseline in the same run.

    python bench/qa_latency.py [--limit N]

Questions: every FAQ phrasing plus the first sentence of every loaded statute article (set
WEIQUAN_STATUTE_DIRS to include the operator folders). Each question is answered in-process by
`KnowledgeBase.ask` (normalise, typo-correct, segment, score, decide). The baseline is the plain
rapidfuzz approach: `process.extractOne` of the question against every FAQ phrasing. Reports
p50/p99/mean per question and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import find_config_file, load_config  # noqa: E402
from bot.knowledge_setup import load_knowledge_base  # noqa: E402


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(share * (len(sorted_values) - 1)))]


def timed(function, questions: list[str]) -> list[float]:
    times = []
    for question in questions:
        started = time.perf_counter()
        function(question)
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="time only the first N questions")
    args = parser.parse_args()
    config = load_config(find_config_file(os.environ, Path.cwd()), os.environ)
    started = time.perf_counter()
    knowledge = load_knowledge_base(config)
    load_seconds = time.perf_counter() - started
    questions = [phrasing for entry in knowledge.faq for phrasing in entry.phrasings]
    for statute in knowledge.library:
        questions += [re.split(r"[。；]", a.text)[0] for a in statute.articles.values()]
    if args.limit:
        questions = questions[: args.limit]
    phrasings = [knowledge.normalizer.clean(p) for entry in knowledge.faq for p in entry.phrasings]

    def baseline(question: str) -> None:
        process.extractOne(knowledge.normalizer.clean(question), phrasings, scorer=fuzz.WRatio)

    timed(knowledge.ask, questions[:50])  # warm caches
    ours = timed(knowledge.ask, questions)
    theirs = timed(baseline, questions)
    print(f"knowledge base: {len(knowledge.faq)} FAQ entries, {len(phrasings)} phrasings, "
          f"{sum(len(s.articles) for s in knowledge.library)} articles; loaded in {load_seconds:.2f} s")
    print(f"questions timed: {len(questions)}")
    print("| matcher | p50 ms | p99 ms | mean ms |\n|---|---|---|---|")
    for name, values in (("weiquan ask", ours), ("baseline: rapidfuzz extractOne over phrasings", theirs)):
        p50, p99, mean = percentile(values, 0.5), percentile(values, 0.99), statistics.fmean(values)
        print(f"| {name} | {p50:.3f} | {p99:.3f} | {mean:.3f} |")
    print(f"ratio weiquan/baseline: p50 {percentile(ours, 0.5) / percentile(theirs, 0.5):.2f}, "
          f"p99 {percentile(ours, 0.99) / percentile(theirs, 0.99):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
