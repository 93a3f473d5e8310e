"""Hot spots and the consumer warning drafted from one, on SQLite and PostgreSQL: a field whose complaints
triple in a week is flagged, and the warning drafted from it reaches a subscriber."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from bot.app import create_app
from bot.complaints.models import CaseRow
from bot.staff import hotspots
from knowledge.check import check_field_citations
from knowledge.fields import ConsumerField, ConsumerFields, FieldCitation
from tests.staff.console import StaffBrowser, create_staff

LABELS = {"prepaid": "预付式消费", "food": "食品"}


def filed(number: int, days_ago: float, field: str, business: str) -> CaseRow:
    received = datetime.now(UTC) - timedelta(days=days_ago)
    return CaseRow(ticket=f"H-{number:04}", kind="complaint", status="received", channel="web",
                   external_id=f"citizen-{number}", department_code="xincheng", business_name=business,
                   business_key=business, consumer_field=field, received_at=received, due_on=date.today(),
                   demand="退款")


async def add_history(runtime) -> None:
    """Each of the four weeks before: one prepaid and two food complaints; this week three of each."""
    rows, number = [], 0
    for week in range(1, 5):
        for field, business, count in (("prepaid", "某健身房", 1), ("food", "某超市", 2)):
            for _ in range(count):
                number += 1
                rows.append(filed(number, week * 7 + 2, field, business))
    for field, business in (("prepaid", "某健身房"), ("food", "某超市")):
        for _ in range(3):
            number += 1
            rows.append(filed(number, 1, field, business))
    async with runtime.sessions.begin() as session:
        session.add_all(rows)


async def test_a_field_whose_complaints_triple_is_a_hot_spot_and_its_warning_reaches_a_subscriber(config, runtime):
    await add_history(runtime)
    async with runtime.sessions() as session:
        spots = await hotspots.find(session, datetime.now(UTC).date(), runtime.services.staff.timezone, LABELS)
    assert {(s.kind, s.key, s.this_week, s.weekly_mean) for s in spots} == {
        ("field", "prepaid", 3, 1.0), ("business", "某健身房", 3, 1.0)}, "food went 2 -> 3: no jump"
    await create_staff(runtime, "chief", "supervisor")
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        chief = StaffBrowser(client)
        await chief.log_in("chief")
        dashboard = await client.get("/staff/dashboard")
        assert "/staff/warnings?hotspot=prepaid" in dashboard.text
        page = html.unescape((await client.get("/staff/warnings", params={"hotspot": "prepaid"})).text)
        title = re.search(r'name="title"[^>]*value="([^"]+)"', page).group(1)
        body = re.search(r'<textarea name="body"[^>]*>([^<]+)</textarea>', page).group(1)
        assert "预付式消费" in title and "第五十三条" in body and "应当按照约定提供" in body
        await client.post("/api/chat", json={"user_id": "fan", "text": "订阅消费警示"},
                          headers={"Authorization": f"Bearer {config.web.api_key}"})
        published = await chief.post("/staff/warnings", title=title, body=body)
        assert published.status_code == 303
        waiting = (await client.get("/api/chat/updates", params={"user_id": "fan"},
                                    headers={"Authorization": f"Bearer {config.web.api_key}"})).json()["replies"]
    assert any(title in reply["text"] for reply in waiting)


@pytest.mark.parametrize("quote, problems", [("应当按照约定提供", 0), ("经营者可以随意改变服务内容", 1)])
def test_a_field_warning_cites_the_articles_own_words(knowledge, quote, problems):
    field = ConsumerField("prepaid", "预付式消费", "服务", (), FieldCitation("消费者权益保护法", 53, quote))
    assert len(check_field_citations(ConsumerFields([field]), knowledge.library)) == problems
