"""Seconds from `weiquan serve` until /healthz answers: the first start, then later starts.

    python bench/start_time.py [--runs 3]

One data folder (SQLite, index cache) for all runs: the first start migrates the database and builds
the search index; later starts find both ready, as a restarted or replaced server does. Reports the
first start and the median of the later ones with their spread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_throughput import free_port  # noqa: E402


def seconds_to_ready(data_dir: Path) -> float:
    port = free_port()
    env = {**os.environ, "WEIQUAN_APP_DATA_DIR": str(data_dir), "WEIQUAN_APP_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                return time.perf_counter() - started
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("weiquan serve exited") from None
                time.sleep(0.02)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="later starts to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        first = seconds_to_ready(Path(folder))
        later = [seconds_to_ready(Path(folder)) for _ in range(args.runs)]
    print(f"first start: {first:.2f} s")
    print(f"later starts: median {statistics.median(later):.2f} s (min {min(later):.2f}, max {max(later):.2f}, "
          f"{args.runs} runs)")


if __name__ == "__main__":
    main()
