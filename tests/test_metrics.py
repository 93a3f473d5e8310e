"""/metrics: turn counters and latency per channel, dedup hits, and the backlogs read from the database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_app
from bot.complaints.models import CaseRow
from bot.core.tables import OutboxRow
from tests.conftest import INTEGRATION


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def web(name: str, **labels: str) -> tuple[str, tuple]:
    return name, tuple(sorted({"channel": "web", **labels}.items()))


async def test_metrics_count_turns_duplicates_and_backlogs(config, runtime):
    app = create_app(config, runtime=runtime)
    async with runtime.sessions.begin() as session:
        session.add(OutboxRow(channel="wechat", external_id="o1", replies=[], created_at=datetime.now(UTC)))
        session.add(OutboxRow(channel="wechat", external_id="o2", replies=[], created_at=datetime.now(UTC),
                              delivered_at=datetime.now(UTC)))
        session.add(CaseRow(ticket="T1", kind="complaint", channel="web", external_id="w", status="received",
                            step="acceptance",
                            business_name="某店", business_key="某店", received_at=datetime(2026, 1, 5, tzinfo=UTC),
                            due_on=date(2026, 1, 12)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        before = await scrape(client)
        question = {"user_id": "m-1", "text": "网购的衣服七天内能退吗", "message_id": "1"}
        for _ in range(3):  # the same message three times: one turn, two dedup hits
            assert (await client.post("/api/chat", json=question, headers=INTEGRATION)).status_code == 200
        await client.post("/api/chat", json={"user_id": "m-2", "text": "转人工"}, headers=INTEGRATION)
        after = await scrape(client)

    def grew(key) -> float:
        return after.get(key, 0) - before.get(key, 0)

    assert grew(web("weiquan_turns_total", route="qa", outcome="answered")) == 1
    assert grew(web("weiquan_dedup_hits_total")) == 2
    assert grew(web("weiquan_turn_seconds_count")) == 2, "the question and the hand-off request"
    assert grew(web("weiquan_turn_seconds_bucket", le="+Inf")) == 2
    requests = ("weiquan_http_request_seconds_count", (("endpoint", "web"),))
    assert grew(requests) == 4, "every POST to /api/chat, answered from the store or not"
    assert after[("weiquan_outbox_backlog", (("channel", "wechat"),))] == 1, "the delivered row is not backlog"
    assert after[("weiquan_handoff_queue", (("status", "waiting"),))] == 1
    assert after[("weiquan_handoff_queue", (("status", "active"),))] == 0
    assert after[("weiquan_overdue_cases", ())] == 1
