"""What the turns did, counted in the worker that handled them (Prometheus counters and histograms).

The engine records here and imports nothing else for it: the database backlogs that /metrics also
reports are read by the app at scrape time (bot/metrics.py).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 4.0, 5.0, 10.0)
"""Up to WeChat's limits: 4 s (our reply budget) and 5 s (its wait)."""
TURNS = Counter("weiquan_turns", "Turns handled (duplicates excluded)", ["channel", "route", "outcome"])
TURN_SECONDS = Histogram("weiquan_turn_seconds", "Time from the engine taking a message to its saved turn",
                         ["channel"], buckets=SECONDS_BUCKETS)
DEDUP_HITS = Counter("weiquan_dedup_hits", "Retried messages answered from the stored replies", ["channel"])


def record_turn(channel: str, route: str, outcome: str, seconds: float) -> None:
    TURNS.labels(channel, route, outcome).inc()
    TURN_SECONDS.labels(channel).observe(seconds)


def record_duplicate(channel: str) -> None:
    DEDUP_HITS.labels(channel).inc()
