"""Client input that parsers accept but cannot handle ("²", 5,000-digit numbers, 30,000 nested lists): a clear
answer, never a 500 (issue 15's malformed-input findings)."""

from __future__ import annotations

import time

import httpx
import pytest

from bot.app import create_app
from bot.numbers import parse_count
from tests.conftest import INTEGRATION
from tests.staff.console import StaffBrowser, create_staff

HUGE = "9" * 5000
"""Python's int() refuses strings of more than 4,300 digits."""


@pytest.fixture
async def http(config, runtime):
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


@pytest.mark.parametrize("text, expected", [("42", 42), ("²", None), ("١٢", None), (HUGE, None), ("", None)])
def test_only_short_ascii_digits_are_counts(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize("number", ["²", HUGE])
async def test_an_odd_article_number_is_not_found(http, number):
    response = await http.get("/api/quiz/article", params={"law": "消费者权益保护法", "article": number})
    assert response.status_code == 404


@pytest.mark.parametrize("number", ["²", "9" * 200])
async def test_an_odd_article_button_is_stale(http, number):
    response = await http.post("/api/chat", json={"user_id": "odd", "payload": f"art:xfl:{number}"},
                               headers=INTEGRATION)
    assert response.status_code == 200 and response.json()["replies"]


async def test_staff_query_numbers_are_bounded(http, runtime):
    await create_staff(runtime, "viewer1", "viewer")
    viewer = StaffBrowser(httpx.AsyncClient(transport=http._transport, base_url="http://test"))
    await viewer.log_in("viewer1")
    started = time.perf_counter()
    assert (await viewer.client.get("/staff/cases", params={"due_within": "100000"})).status_code == 200
    assert time.perf_counter() - started < 2, "the horizon is counted day by day: it is bounded"
    for value in ("²", HUGE):
        assert (await viewer.client.get("/staff/cases", params={"due_within": value})).status_code == 200
        response = await viewer.client.get("/staff/api/handoffs/1/messages", params={"after": value})
        assert response.status_code == 404


DEEP = "[" * 30_000 + "]" * 30_000


@pytest.mark.parametrize("body", [DEEP, '{"user_id": "x", "text": ' + "1" * 5000 + "}"])
@pytest.mark.parametrize("path", ["/api/chat", "/api/quiz/start", "/api/quiz/answer"])
async def test_deep_or_huge_json_gets_a_400(http, path, body):
    response = await http.post(path, content=body.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 400
