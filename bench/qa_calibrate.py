"""Choose the confidence bands from labelled questions (the numbers in config.toml come from here).

    python bench/qa_calibrate.py QUESTIONS.jsonl [MORE.jsonl ...]

For every question the matcher's best FAQ entry and best statute article are scored once; then
each candidate answer threshold is tried: a question is answered when its best FAQ score reaches
the threshold (scaled for long questions as configured) or, failing that, its best article
reaches the statute threshold. The table shows,
per threshold, how many in-scope questions get a right answer, how many get a wrong one, and how
many out-of-scope questions are still declined. Pick the threshold where right answers stop rising
faster than wrong ones.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import find_config_file, load_config  # noqa: E402
from bot.knowledge_setup import load_knowledge_base  # noqa: E402

PREFIX = "中华人民共和国"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="+")
    args = parser.parse_args()
    config = load_config(find_config_file(os.environ, Path.cwd()), os.environ)
    knowledge = load_knowledge_base(config)
    rows = []
    for path in args.files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            question = json.loads(line)
            expected = {(c["law"].removeprefix(PREFIX), c["article"]) for c in question["expect"]}
            faq_hits, article_hits = knowledge.index.search(question["q"])
            cleaned = knowledge.normalizer.correct_typos(knowledge.normalizer.clean(question["q"]))
            declined_by_topic = knowledge.scope.match(cleaned) is not None
            best = faq_hits[0].faq.citations if faq_hits else ()
            faq_right = bool({(knowledge.resolve(c).law.removeprefix(PREFIX), c.article) for c in best} & expected)
            article_right = bool(article_hits) and (
                article_hits[0].article.law.removeprefix(PREFIX), article_hits[0].article.number) in expected
            rows.append({
                "chars": len(knowledge.normalizer.clean(question["q"])),
                "in_scope": bool(expected),
                "faq": faq_hits[0].confidence if faq_hits else 0.0,
                "faq_right": faq_right,
                "article": article_hits[0].confidence if article_hits else 0.0,
                "article_right": article_right,
                "topic": declined_by_topic,
            })
    limits = knowledge.thresholds
    in_scope = [r for r in rows if r["in_scope"]]
    outside = [r for r in rows if not r["in_scope"]]
    print(f"{len(in_scope)} in-scope and {len(outside)} out-of-scope questions; statute threshold {limits.statute}")
    print("| answer threshold | right answers | wrong answers | out-of-scope declined |\n|---|---|---|---|")
    def outcome(row, threshold: float) -> str:
        if row["topic"] and row["faq"] < limits.out_of_scope_override:
            return "declined"
        long_factor = limits.long_question_factor if row["chars"] >= limits.long_question_chars else 1.0
        if row["faq"] >= threshold * long_factor:
            return "right" if row["faq_right"] else "wrong"
        if row["article"] >= limits.statute and row["article"] > row["faq"]:
            return "right" if row["article_right"] else "wrong"
        return "declined"

    for step in range(10, 71, 2):
        threshold = step / 100
        right = sum(outcome(r, threshold) == "right" for r in in_scope)
        wrong = sum(outcome(r, threshold) == "wrong" for r in in_scope)
        declined = sum(outcome(r, threshold) == "declined" for r in outside)
        print(f"| {threshold:.2f} | {right / len(in_scope):.3f} | {wrong / len(in_scope):.3f} | "
              f"{declined / max(1, len(outside)):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
