"""Fuzz the bot with more than 10,000 generated cases: tests/test_fuzz.py with the case count raised.

    python bench/fuzz.py [--examples N] [--seed N] [--min-total N] [-- PYTEST_ARGS...]

Runs the test file in-process under pytest with WEIQUAN_FUZZ_EXAMPLES=N (default 600 per property;
the normal suite runs 50) and prints, per property, how many generated cases it ran (the "cases"
property each test records), its outcome and time, then the total and the wall time. The inputs are
the same on every run unless --seed picks another stream. DATABASE_URL selects PostgreSQL as in the
test suite. Exits non-zero when a property fails or fewer than --min-total cases ran.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEST_FILE = PROJECT_ROOT / "tests" / "test_fuzz.py"


class CaseCounter:
    """pytest plugin: each test's recorded case count, outcome and duration."""

    def __init__(self) -> None:
        self.results: dict[str, tuple[int, str, float]] = {}

    def pytest_runtest_logreport(self, report) -> None:
        name = report.nodeid.rpartition("::")[2]
        if report.when == "call" or (report.failed and name not in self.results):
            self.results[name] = (dict(report.user_properties).get("cases", 0), report.outcome, report.duration)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=600, help="generated cases per property (default 600)")
    parser.add_argument("--seed", type=int, help="explore another input stream instead of the fixed one")
    parser.add_argument("--min-total", type=int, default=10_000, help="fail if fewer cases ran (default 10000)")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest after `--` (e.g. -k wechat -x)")
    args = parser.parse_args()
    os.environ["WEIQUAN_FUZZ_EXAMPLES"] = str(args.examples)
    if args.seed is not None:
        os.environ["WEIQUAN_FUZZ_SEED"] = str(args.seed)
    sys.path.insert(0, str(PROJECT_ROOT))  # the tests import `tests.fakes` and `tests.conftest`
    counter = CaseCounter()
    started = time.perf_counter()
    exit_code = pytest.main([str(TEST_FILE), "-q", "-p", "no:cacheprovider", *args.pytest_args], plugins=[counter])
    wall = time.perf_counter() - started
    total = sum(cases for cases, _outcome, _seconds in counter.results.values())
    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgresql") else "SQLite"
    print(f"\nfuzz run: {args.examples} examples per property, seed {args.seed or 'fixed'}, {database}")
    print("| property | cases | outcome | seconds |\n|---|---|---|---|")
    for name, (cases, outcome, seconds) in counter.results.items():
        print(f"| {name} | {cases} | {outcome} | {seconds:.1f} |")
    print(f"total: {total} generated cases in {len(counter.results)} properties; wall time {wall:.1f} s")
    if total < args.min_total:
        print(f"FAIL: fewer than {args.min_total} cases ran")
        return 1
    return int(exit_code)


if __name__ == "__main__":
    sys.exit(main())
