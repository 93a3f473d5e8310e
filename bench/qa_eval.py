"""Score the Q&A against questions with expected citations, per file and per style.

    WEIQUAN_STATUTE_DIRS=../shared/reference/statutes \
        python bench/qa_eval.py ../shared/eval/qa-dev.jsonl ../shared/eval/qa-dev-more.jsonl [--misses]

Each file has lines {"id", "q", "expect": [{"law", "article"}], "style"}; an empty `expect` marks a
question the bot must decline. The knowledge base is loaded once, as configured, and every question
goes through `KnowledgeBase.ask` as a citizen's message would.

- top-1: the bot answered and cites an expected article;
- top-3: an expected article is cited by the answer or by one of the first three alternatives;
- out-of-scope refusal: a question to decline was not answered;
- confidently wrong: the bot answered and its first citation is not among the expected (share of
  all questions; an answer to an out-of-scope question counts too).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import find_config_file, load_config  # noqa: E402
from bot.knowledge_setup import load_knowledge_base  # noqa: E402

PREFIX = "中华人民共和国"


def citation_keys(citations) -> set[tuple[str, int]]:
    return {(c.law.removeprefix(PREFIX), int(c.article)) for c in citations}


def expected_keys(question: dict) -> set[tuple[str, int]]:
    return {(c["law"].removeprefix(PREFIX), int(c["article"])) for c in question["expect"]}


@dataclass
class Outcome:
    question: dict
    answered: bool
    top1: bool
    top3: bool
    confidently_wrong: bool
    got: str


def judge(question: dict, answer) -> Outcome:
    expected = expected_keys(question)
    cited = citation_keys(answer.citations) if answer.answered else set()
    offered = set(cited)
    for alternative in answer.alternatives[:3]:
        offered |= citation_keys(alternative.citations)
    first = citation_keys(answer.citations[:1]) if answer.answered else set()
    got = answer.faq.id if answer.faq else ", ".join(f"{law}{n}" for law, n in sorted(cited)) or answer.kind.value
    return Outcome(
        question,
        answer.answered,
        top1=bool(cited & expected),
        top3=bool(offered & expected),
        confidently_wrong=answer.answered and not (first & expected),
        got=got,
    )


def rate(flags) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else float("nan")


def summary(outcomes: list[Outcome]) -> dict[str, float | tuple[float, int]]:
    in_scope = [o for o in outcomes if o.question["expect"]]
    declined = [o for o in outcomes if not o.question["expect"]]
    row = {
        "questions": len(outcomes),
        "top-1": rate(o.top1 for o in in_scope),
        "top-3": rate(o.top3 for o in in_scope),
        "out-of-scope refusal": rate(not o.answered for o in declined),
        "confidently wrong": rate(o.confidently_wrong for o in outcomes),
    }
    styles: dict[str, list[bool]] = defaultdict(list)
    for o in outcomes:
        styles[o.question.get("style", "unknown")].append(o.top1 if o.question["expect"] else not o.answered)
    row.update({f"style {style}": (rate(hits), len(hits)) for style, hits in sorted(styles.items())})
    return row


def print_table(names: list[str], rows: list[dict]) -> None:
    keys = list(dict.fromkeys(key for row in rows for key in row))
    print("| measure | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for key in keys:
        cells = []
        for row in rows:
            value = row.get(key)
            if isinstance(value, tuple):
                cells.append(f"{value[0]:.3f} (n={value[1]})")
            else:
                cells.append("" if value is None else (f"{value:.0f}" if key == "questions" else f"{value:.3f}"))
        print(f"| {key} | " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--misses", action="store_true", help="list the questions not answered right")
    args = parser.parse_args()
    config = load_config(find_config_file(os.environ, Path.cwd()), os.environ)
    knowledge = load_knowledge_base(config)
    limit, suggestions = config.conversation.max_text_chars, config.knowledge.max_suggestions
    names, rows = [], []
    for path in args.files:
        questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        outcomes = [judge(q, knowledge.ask(q["q"][:limit], max_suggestions=suggestions)) for q in questions]
        names.append(path.name)
        rows.append(summary(outcomes))
        if args.misses:
            for o in outcomes:
                right = o.top1 if o.question["expect"] else not o.answered
                if not right or o.confidently_wrong:
                    mark = "WRONG" if o.confidently_wrong else "miss"
                    mark = "ORDER" if o.confidently_wrong and right else mark
                    print(f"{mark} {o.question['id']} [{o.question.get('style')}] {o.question['q'][:50]} -> {o.got}")
    print_table(names, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
