"""Choose the matcher's weights on the FAQ's own variants, held out from the index (not on eval questions).

    WEIQUAN_STATUTE_DIRS=../shared/reference/statutes python bench/qa_variants.py [--focus 0 0.1 0.3 0.5]

For every entry with at least six variants, its longest variant (usually a story) and one other,
chosen with a fixed seed, are taken out of the index; each is then asked as a question, and the
share whose best hit is its own entry is reported per candidate weight. Weights chosen here are not
fitted to the dev or held-out question sets (bench/qa_eval.py measures those).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import find_config_file, load_config  # noqa: E402
from bot.knowledge_setup import load_knowledge_base  # noqa: E402
from knowledge.search import SearchIndex  # noqa: E402

MIN_VARIANTS = 6
SEED = 7


def held_out(faq, rng: random.Random):
    """(entries with the held-out variants removed, [(variant, entry id)])."""
    kept, asked = [], []
    for entry in faq:
        variants = list(entry.variants)
        if len(variants) < MIN_VARIANTS:
            kept.append(entry)
            continue
        longest = max(variants, key=len)
        out = {longest, rng.choice([v for v in variants if v != longest])}
        asked += [(variant, entry.id) for variant in sorted(out)]
        kept.append(dataclasses.replace(entry, variants=tuple(v for v in variants if v not in out)))
    return kept, asked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--focus", type=float, nargs="+", default=[0.0, 0.1, 0.2, 0.3, 0.5])
    args = parser.parse_args()
    config = load_config(find_config_file(os.environ, Path.cwd()), os.environ)
    knowledge = load_knowledge_base(config)
    faq, asked = held_out(knowledge.faq, random.Random(SEED))
    index = SearchIndex(knowledge.normalizer, faq, knowledge.index.articles, resolve_law=knowledge.library.full_title)
    index.mark_exclusions(knowledge.facts.names)
    knowledge.index = index
    configured = index.weights
    print(f"{len(asked)} held-out variants of {len(faq)} entries")
    print("| focus | own entry first |\n|---|---|")
    for focus in args.focus:
        index.weights = dataclasses.replace(configured, focus=focus)
        hits = 0
        for variant, entry_id in asked:
            corrected = knowledge.normalizer.correct_typos(knowledge.normalizer.clean(variant))
            found, _ = knowledge.search(corrected, knowledge.facts.find(corrected))
            hits += bool(found) and found[0].faq.id == entry_id
        mark = " (configured)" if focus == configured.focus else ""
        print(f"| {focus}{mark} | {hits / len(asked):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
