"""How much the database grows per turn, by table, under the WeChat load of bench/http_throughput.py.

    python bench/db_growth.py [--requests 3000]

`weiquan serve` on a fresh SQLite database in a temporary folder; the same signed WeChat text pushes
(500 citizens, 2,000 different FAQ phrasings); then SQLite's dbstat: the bytes each table and index
gained, per turn and per 100,000 turns. Rows kept only for a while ([database] processed_message_days,
turn_event_days) are pruned once older, so the steady state is also shown without them.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_throughput import free_port, load, start_ours, summarize, wait_ready  # noqa: E402

PRUNED_AFTER_DAYS = ("processed_messages", "sqlite_autoindex_processed_messages_1", "ix_processed_messages_created_at")
MIB_PER_100K = 100_000 / 2**20


def table_bytes(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return dict(connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())


async def measure(requests: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        server = start_ours(port, 1, Path(folder))
        try:
            await wait_ready(f"http://127.0.0.1:{port}", "/healthz")
            database = next(Path(folder).rglob("*.db"))
            before = table_bytes(database)
            summarize("weiquan /wechat", [await load(port, requests, 64)])
        finally:
            server.terminate()
            server.wait(timeout=30)
        after = table_bytes(database)
    grown = {name: after[name] - before.get(name, 0) for name in after if after[name] > before.get(name, 0)}
    print("| table or index | bytes per turn | MiB per 100k turns |\n|---|---|---|")
    for name, size in sorted(grown.items(), key=lambda item: -item[1]):
        print(f"| {name} | {size / requests:.0f} | {size / requests * MIB_PER_100K:.1f} |")
    total = sum(grown.values()) / requests * MIB_PER_100K
    kept = sum(size for name, size in grown.items() if name not in PRUNED_AFTER_DAYS) / requests * MIB_PER_100K
    print(f"| all | | {total:.1f} |\n| all but what is pruned after days | | {kept:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    asyncio.run(measure(parser.parse_args().requests))


if __name__ == "__main__":
    main()
