"""Choose the answer threshold from labelled questions (the number in config.toml comes from here).

    WEIQUAN_STATUTE_DIRS=../shared/reference/statutes \
        python bench/qa_calibrate.py ../shared/eval/qa-dev.jsonl ../shared/eval/qa-dev-more.jsonl

Every question goes through `KnowledgeBase.ask` once per candidate pair of answer threshold and
support threshold, then once per answer margin (the least lead over a rival entry resting on another
article, as a share of the answer's confidence) at the configured thresholds; the other bands as
configured. The table shows, over all files together, the share of in-scope questions answered with
an expected article (top-1), the share of all questions answered with a first citation that is not
expected (confidently wrong), and top-3. A wrong answer from a government bot costs more than a
suggestion: pick the setting where top-1 stops buying much for each point of confidently wrong.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa_eval import judge, summary  # noqa: E402

from bot.config import find_config_file, load_config  # noqa: E402
from bot.knowledge_setup import load_knowledge_base  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="+")
    args = parser.parse_args()
    config = load_config(find_config_file(os.environ, Path.cwd()), os.environ)
    knowledge = load_knowledge_base(config)
    limit = config.conversation.max_text_chars
    questions = [json.loads(line) for path in args.files
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    configured = knowledge.thresholds
    print(f"{len(questions)} questions; suggest {configured.suggest}, statute {configured.statute}, "
          f"long questions x{configured.long_question_factor}")
    print("| answer | support | margin | top-1 | top-3 | confidently wrong | out-of-scope refusal |")
    print("|---|---|---|---|---|---|---|")
    grid = [(answer / 100, support, configured.margin)
            for support in (0.0, 0.2, 0.3, 0.4) for answer in range(18, 33, 2)]
    grid += [(configured.answer, configured.support, margin / 100) for margin in range(0, 21, 4)]
    for answer, support, margin in grid:
        knowledge.thresholds = dataclasses.replace(configured, answer=answer, support=support, margin=margin)
        row = summary([judge(q, knowledge.ask(q["q"][:limit])) for q in questions])
        chosen = all(abs(a - b) < 1e-9 for a, b in ((answer, configured.answer), (support, configured.support),
                                                    (margin, configured.margin)))
        print(f"| {answer:.2f}{' (configured)' if chosen else ''} | {support:.1f} | {margin:.2f} | {row['top-1']:.3f} "
              f"| {row['top-3']:.3f} | {row['confidently wrong']:.3f} | {row['out-of-scope refusal']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
