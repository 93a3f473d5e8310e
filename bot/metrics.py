"""Prometheus exposition: what the turns did (bot/core/turn_metrics.py, counted in each worker), request
times, and what waits (read from the database).

Counters and histograms live in the process that handled the turn. With several workers
`weiquan serve` sets PROMETHEUS_MULTIPROC_DIR before they start, so prometheus_client keeps them in
shared files and any worker's /metrics reports the sum, also across a worker killed and restarted.
Backlogs are not counted in memory at all: they are read from the database at scrape time, so every
worker reports the same truth.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.complaints.models import CaseRow
from bot.core.tables import OutboxRow
from bot.core.turn_metrics import SECONDS_BUCKETS
from bot.staff.models import HandoffRow

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_SECONDS = Histogram("weiquan_http_request_seconds", "Time from a request reaching the app to its response",
                            ["endpoint"], buckets=SECONDS_BUCKETS)


class RequestTimer:
    """ASGI middleware: each HTTP request's time in the app, labelled by the first of `endpoints`
    (path prefix, label) that matches, else "other": a bounded set, whatever paths are asked for."""

    def __init__(self, app, *, endpoints: tuple[tuple[str, str], ...]) -> None:
        self.app = app
        self.endpoints = endpoints

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            endpoint = next((label for prefix, label in self.endpoints if scope["path"].startswith(prefix)), "other")
            REQUEST_SECONDS.labels(endpoint).observe(time.perf_counter() - started)


class _Backlogs(Collector):
    """Gauges already read from the database for this scrape."""

    def __init__(self, gauges: Iterable[GaugeMetricFamily]) -> None:
        self._gauges = list(gauges)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        return self._gauges


async def read_backlogs(session: AsyncSession, timezone: ZoneInfo, now: datetime | None = None
                        ) -> list[GaugeMetricFamily]:
    """Outbox backlog per channel, hand-offs per state, and cases past their acceptance deadline."""
    now = now or datetime.now(UTC)
    outbox = GaugeMetricFamily("weiquan_outbox_backlog", "Outbox messages not yet delivered", labels=["channel"])
    pending = (await session.execute(
        select(OutboxRow.channel, func.count()).where(OutboxRow.delivered_at.is_(None), OutboxRow.failed.is_(False))
        .group_by(OutboxRow.channel))).all()
    for channel, count in pending:
        outbox.add_metric([channel], count)
    handoffs = GaugeMetricFamily("weiquan_handoff_queue", "Hand-offs not closed, by state", labels=["status"])
    open_handoffs = dict((await session.execute(
        select(HandoffRow.status, func.count()).where(HandoffRow.status != "closed")
        .group_by(HandoffRow.status))).all())
    for status in ("waiting", "active"):
        handoffs.add_metric([status], open_handoffs.get(status, 0))
    today = now.astimezone(timezone).date()
    overdue = await session.scalar(
        select(func.count()).select_from(CaseRow).where(CaseRow.step.is_not(None), CaseRow.due_on < today))
    cases = GaugeMetricFamily(
        "weiquan_overdue_cases", "Cases past the due day of their current step (acceptance, mediation, notice, …)")
    cases.add_metric([], overdue or 0)
    return [outbox, handoffs, cases]


def exposition(backlogs: list[GaugeMetricFamily]) -> tuple[bytes, str]:
    """The Prometheus text format of this process's (or all workers') metrics plus the backlogs."""
    if os.environ.get(MULTIPROCESS_ENV):
        turns = CollectorRegistry()
        MultiProcessCollector(turns)
    else:
        turns = REGISTRY  # one process: its counters, plus process_* (memory, CPU) and python_gc_*
    read = CollectorRegistry(auto_describe=False)
    read.register(_Backlogs(backlogs))
    return generate_latest(turns) + generate_latest(read), CONTENT_TYPE_LATEST
