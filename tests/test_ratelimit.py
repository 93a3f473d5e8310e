"""Rate limits per citizen and per address: 429 with Retry-After on the web, a polite reply on every channel,
counts shared through Redis when configured."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import create_app
from bot.complaints.numbering import new_ticket
from bot.config import ConfigError
from bot.core.engine import RateLimited
from bot.core.messages import IncomingMessage, MessageKind, UserRef
from bot.core.ratelimit import RateLimits
from bot.core.tables import ConversationRow
from bot.runtime import start_runtime
from bot.staff.models import HandoffRow
from tests.conftest import make_config
from tests.scenarios.chat import COMPLAINT_ANSWERS, Citizen

REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def limited_app(tmp_path, database_url, knowledge, request):
    """The app with the limits the test passes as environment settings (indirect parameter)."""
    config = make_config(tmp_path, database_url, **request.param)
    runtime = await start_runtime(config, knowledge=knowledge)
    try:
        yield create_app(config, runtime=runtime), runtime
    finally:
        await runtime.close()


def browser(app, address: str = "203.0.113.7") -> httpx.AsyncClient:
    """A fresh browser (no cookies) at a network address."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.mark.parametrize("limited_app", [{"WEIQUAN_RATELIMIT_CHAT": "5/minute"}], indirect=True)
async def test_one_address_with_fresh_cookies_is_limited_with_a_429_and_a_polite_reply(limited_app):
    app, _runtime = limited_app
    statuses = []
    for _ in range(7):
        async with browser(app) as fresh:
            response = await fresh.post("/api/chat", json={"text": "你好"})
            statuses.append(response.status_code)
    assert statuses == [200] * 5 + [429] * 2
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert "太频繁" in response.json()["replies"][0]["text"] and "12315" in response.json()["replies"][0]["text"]
    async with browser(app, "198.51.100.9") as elsewhere:
        assert (await elsewhere.post("/api/chat", json={"text": "你好"})).status_code == 200, "per address"


@pytest.mark.parametrize("limited_app", [{"WEIQUAN_RATELIMIT_HANDOFF": "2/hour"}], indirect=True)
async def test_twenty_fresh_ids_asking_for_a_person_queue_two_hand_offs(limited_app):
    app, runtime = limited_app
    refused = 0
    for _ in range(20):
        async with browser(app) as fresh:
            reply = (await fresh.post("/api/chat", json={"text": "人工"})).json()["replies"][0]["text"]
            refused += "转人工的请求太频繁" in reply
    async with runtime.sessions() as session:
        queued = await session.scalar(select(func.count(HandoffRow.id)))
    assert (queued, refused) == (2, 18)


@pytest.mark.parametrize("limited_app", [{"WEIQUAN_RATELIMIT_CHAT": "3/minute"}], indirect=True)
async def test_a_flood_on_any_channel_gets_a_polite_reply_and_keeps_the_form(limited_app):
    _app, runtime = limited_app
    citizen = Citizen(runtime, f"wechat-{uuid.uuid4().hex[:6]}", channel="wechat")
    await citizen.answer_all(*COMPLAINT_ANSWERS[:3])
    with pytest.raises(RateLimited) as refused:
        await citizen.say(COMPLAINT_ANSWERS[3])
    assert "太频繁" in refused.value.replies[0].text and refused.value.limited.retry_after >= 1
    async with runtime.sessions() as session:
        row = await session.scalar(select(ConversationRow).where(
            ConversationRow.external_id == citizen.user.external_id))
    assert row.step is not None and row.step.startswith("complaint"), "the form waits for the next answer"


@pytest.mark.parametrize("limited_app", [{"WEIQUAN_RATELIMIT_TICKET_LOOKUP": "3/hour"}], indirect=True)
async def test_looking_up_other_peoples_tickets_is_limited(limited_app):
    _app, runtime = limited_app
    prober = Citizen(runtime, "prober")
    screens = [await prober.say(new_ticket("complaint")) for _ in range(5)]
    assert all("没有找到" in screen for screen in screens[:3])
    assert all("查询太频繁" in screen for screen in screens[3:])


@pytest.mark.parametrize("limited_app", [{"WEIQUAN_RATELIMIT_QUIZ_START": "2/hour"}], indirect=True)
async def test_quiz_starts_are_limited_per_address(limited_app):
    app, _runtime = limited_app
    statuses = []
    for _ in range(3):
        async with browser(app) as fresh:
            response = await fresh.post("/api/quiz/start", json={"name": "网友", "mode": "challenge"})
            statuses.append(response.status_code)
    assert statuses == [200, 200, 429]
    assert "开始答题太频繁" in response.json()["message"] and response.headers["retry-after"]


@pytest.mark.parametrize("limited_app", [{"WEIQUAN_RATELIMIT_LOGIN": "3/minute"}], indirect=True)
async def test_logins_are_limited_per_address(limited_app):
    app, _runtime = limited_app
    async with browser(app) as staff:
        statuses = []
        for _ in range(4):
            await staff.get("/staff/login")
            form = {"username": "nobody", "password": "wrong-password", "csrf": staff.cookies["weiquan_login"]}
            statuses.append((await staff.post("/staff/login", data=form)).status_code)
    assert statuses == [303, 303, 303, 429]


async def test_redis_storage_shares_counts_between_workers():
    kind_key = f"test-{uuid.uuid4().hex}"
    one, other = (RateLimits(REDIS, {"chat": "2/minute"}) for _ in range(2))
    assert await one.hit("chat", kind_key) is None
    assert await other.hit("chat", kind_key) is None
    refused = await one.hit("chat", kind_key)
    await one.close()
    await other.close()
    assert refused is not None and 1 <= refused.retry_after <= 60, "the other worker's hit counted"


async def test_an_unreachable_redis_lets_requests_through(caplog):
    limits = RateLimits("redis://127.0.0.1:1/0", {"chat": "1/minute"})
    assert await limits.hit("chat", "a") is None and await limits.hit("chat", "a") is None
    await limits.close()
    assert "rate limit storage unreachable" in caplog.text


@pytest.mark.parametrize("setting", [{"WEIQUAN_RATELIMIT_CHAT": "often"}, {"WEIQUAN_RATELIMIT_STORAGE": "mysql://x"}])
def test_a_bad_limit_is_a_config_error(tmp_path, setting):
    with pytest.raises(ConfigError, match="ratelimit"):
        make_config(tmp_path, **setting)


@pytest.mark.parametrize("limited_app", [{"WEIQUAN_RATELIMIT_CHAT": "2/minute"}], indirect=True)
async def test_a_platforms_retries_of_one_message_are_answered_and_not_counted(limited_app):
    """WeChat sends a message again when the answer is slow (up to three times), and a storm may send it
    twice at once: every copy gets the stored answer, and the citizen's limit counts the message once."""
    _app, runtime = limited_app
    user = UserRef("wechat", f"o{uuid.uuid4().hex[:8]}")
    first = IncomingMessage(user, MessageKind.TEXT, text="网购的衣服能退吗", dedup_key="wx-1")
    answers = [await runtime.engine.handle(first) for _ in range(4)]
    answers += await asyncio.gather(*(runtime.engine.handle(first) for _ in range(2)))
    assert all(answer == answers[0] for answer in answers) and "退" in answers[0][0].text
    second = IncomingMessage(user, MessageKind.TEXT, text="过期食品怎么赔", dedup_key="wx-2")
    assert await runtime.engine.handle(second)
    with pytest.raises(RateLimited):
        await runtime.engine.handle(IncomingMessage(user, MessageKind.TEXT, text="谢谢", dedup_key="wx-3"))
    assert await runtime.engine.handle(second) == await runtime.engine.handle(second), "retries still answered"
