"""Score `weiquan ask --json --batch` output against questions with expected citations.

    python bench/qa_eval.py QUESTIONS.jsonl [ANSWERS.jsonl]

QUESTIONS has lines {"id", "q", "expect": [{"law", "article"}], "style"}; an empty `expect` marks a
question the bot must decline. Without ANSWERS the script runs `weiquan ask --json --batch` itself.
Top-1: the answer was given and cites an expected article. Top-3: an expected article is cited by
the answer or by one of the first three alternatives. Refusal: an out-of-scope question not answered.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

PREFIX = "中华人民共和国"


def citation_keys(citations) -> set[tuple[str, int]]:
    return {(c["law"].removeprefix(PREFIX), int(c["article"])) for c in citations}


def run_batch(questions: Path) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "--batch", str(questions)],
        check=True, capture_output=True, text=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def score(questions: list[dict], answers: list[dict]) -> dict:
    by_id = {answer["id"]: answer for answer in answers}
    styles: dict[str, list[bool]] = defaultdict(list)
    top1, top3, refusals, misses = [], [], [], []
    for question in questions:
        answer = by_id[question["id"]]
        expected = citation_keys(question["expect"])
        if not expected:
            refused = not answer["answered"]
            refusals.append(refused)
            styles[question.get("style", "out_of_scope")].append(refused)
            if not refused:
                misses.append((question, answer))
            continue
        cited = citation_keys(answer["citations"]) if answer["answered"] else set()
        offered = set(cited)
        for alternative in answer["alternatives"][:3]:
            offered |= citation_keys(alternative["citations"])
        hit = bool(cited & expected)
        top1.append(hit)
        top3.append(bool(offered & expected))
        styles[question.get("style", "unknown")].append(hit)
        if not hit:
            misses.append((question, answer))
    latencies = sorted(answer["ms"] for answer in answers)
    return {
        "questions": len(questions),
        "top1": _rate(top1),
        "top3": _rate(top3),
        "out_of_scope_refusal": _rate(refusals),
        "styles": {style: (_rate(hits), len(hits)) for style, hits in sorted(styles.items())},
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))],
        "misses": misses,
    }


def _rate(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", type=Path)
    parser.add_argument("answers", type=Path, nargs="?")
    parser.add_argument("--misses", action="store_true", help="list the questions answered wrongly")
    args = parser.parse_args()
    questions = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.answers:
        answers = [json.loads(line) for line in args.answers.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        answers = run_batch(args.questions)
    result = score(questions, answers)
    in_scope = sum(1 for question in questions if question["expect"])
    print(f"questions: {result['questions']} ({in_scope} in scope)")
    print("| measure | value |\n|---|---|")
    print(f"| top-1 citation accuracy | {result['top1']:.3f} |")
    print(f"| top-3 citation accuracy | {result['top3']:.3f} |")
    print(f"| out-of-scope refusal | {result['out_of_scope_refusal']:.3f} |")
    for style, (rate, count) in result["styles"].items():
        print(f"| style {style} (n={count}) | {rate:.3f} |")
    print(f"| latency p50 / p99 (ms, in-process) | {result['p50_ms']:.2f} / {result['p99_ms']:.2f} |")
    if args.misses:
        for question, answer in result["misses"]:
            got = sorted(citation_keys(answer["citations"])) if answer["answered"] else answer["source"]
            print(f"MISS {question['id']} [{question.get('style')}] {question['q'][:50]} -> {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
