"""The web chat API through the real ASGI app: good input answered, bad input a clear 400."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import UTC, datetime

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select, text

from bot import texts
from bot.app import create_app
from bot.complaints.models import CaseRow
from bot.core import outbox
from bot.core.messages import Reply, UserRef
from bot.core.tables import ConversationRow, TurnEventRow
from bot.db import create_session_factory
from bot.runtime import start_runtime
from tests.conftest import INTEGRATION, make_config
from tests.scenarios.chat import COMPLAINT_ANSWERS


@pytest.fixture
async def client(config, runtime):
    """An integration holding the API key: it names the citizen of each request with `user_id`."""
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers=INTEGRATION) as http:
        yield http


@pytest.fixture
async def browser(client):
    """A browser on the same app: no API key, only the cookies the server gives it."""
    async with httpx.AsyncClient(transport=client._transport, base_url="http://test") as http:
        yield http


async def chat(client, **body):
    response = await client.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    return response.json()["replies"]


async def test_a_question_gets_an_answer_with_citations(client):
    replies = await chat(client, user_id="w1", text="网上买的衣服不喜欢，七天内能退吗？")
    assert replies[0]["citations"] == [{"law": "中华人民共和国消费者权益保护法", "article": 25}]
    assert "依据：《消费者权益保护法》第二十五条" in replies[0]["text"]
    assert {"label": "查看法条原文", "payload": "full"} in replies[0]["buttons"]


async def test_the_article_text_is_one_step_away(client):
    await chat(client, user_id="w2", text="网上买的衣服不喜欢，七天内能退吗？")
    replies = await chat(client, user_id="w2", payload="full")
    assert replies[0]["text"].startswith("《消费者权益保护法》第二十五条")
    assert "无需说明理由" in replies[0]["text"]
    typed = await chat(client, user_id="w2", text="全文")
    assert typed == replies


async def test_a_button_payload_answers_like_the_question(client):
    replies = await chat(client, user_id="w3", payload="menu")
    assert "消费维权助手" in replies[0]["text"]
    assert {"label": "转人工服务", "payload": "human"} in replies[0]["buttons"]


async def test_asking_for_a_person_stores_the_flag(client, runtime):
    replies = await chat(client, user_id="w4", text="我要转人工")
    assert "人工" in replies[0]["text"]
    async with create_session_factory(runtime.database)() as session:
        row = await session.scalar(select(ConversationRow).where(ConversationRow.external_id == "api:w4"))
    assert row.wants_human is True


async def test_out_of_scope_is_declined_without_a_citation(client):
    for question in ("明天会下雨吗，要不要带伞", "帮我写一篇关于春天的作文"):
        replies = await chat(client, user_id="w5", text=question)
        assert replies[0]["citations"] == []
        assert "消费维权" in replies[0]["text"]


async def test_not_knowing_is_said_honestly_with_an_offer_of_a_person(client):
    replies = await chat(client, user_id="w6", text="量子纠缠的退相干时间怎么测量")
    assert replies[0]["citations"] == []
    assert {"label": "转人工服务", "payload": "human"} in replies[0]["buttons"]


@pytest.mark.parametrize(
    "body, message",
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"user_id": "", "text": "hello"}', "user_id"),
        (b'{"user_id": 42, "text": "hello"}', "user_id"),
        (b'{"user_id": "x"}', "text"),
        (b'{"user_id": "x", "text": 5}', "text"),
        (b'{"user_id": "x", "payload": ""}', "payload"),
    ],
)
async def test_malformed_bodies_get_a_400_with_a_json_error(client, body, message):
    response = await client.post("/api/chat", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert message in response.json()["error"]


async def test_a_body_over_the_size_cap_is_refused(client, config):
    huge = b'{"user_id": "x", "text": "' + b"a" * config.server.max_body_bytes + b'"}'
    response = await client.post("/api/chat", content=huge)
    assert response.status_code == 413
    assert "error" in response.json()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "没有输入内容"),
        ("   \n\t ", "没有输入内容"),
        ("😀😀😀🎉", "答不上来"),
        ("<script>alert('x')</script>", "请用中文"),
        ("'; DROP TABLE conversations; --", "请用中文"),
        ("/frobnicate", "没有“/frobnicate”这个指令"),
    ],
)
async def test_odd_text_gets_a_clear_reply(client, text, expected):
    replies = await chat(client, user_id="w7", text=text)
    assert expected in replies[0]["text"]


async def test_ten_thousand_characters_are_cut_and_answered(client):
    story = "我在商场买了一台冰箱，" * 1000
    replies = await chat(client, user_id="w8", text=story + "用了三天就坏了，能退吗？")
    assert "前2000个字" in replies[0]["text"]
    assert len(replies) == 2


async def test_an_unknown_payload_is_answered_and_nothing_is_lost(client, runtime):
    await chat(client, user_id="w9", text="消法第55条")
    replies = await chat(client, user_id="w9", payload="faq:no-such-entry")
    assert "失效" in replies[0]["text"]
    replies = await chat(client, user_id="w9", payload="art:deadbeef:1")
    assert "失效" in replies[0]["text"]
    again = await chat(client, user_id="w9", text="第56条")
    assert "第五十六条" in again[0]["text"]


async def test_sql_in_text_leaves_the_tables_intact(client, runtime):
    await chat(client, user_id="w10", text="1); DELETE FROM turn_events; --")
    async with create_session_factory(runtime.database)() as session:
        assert await session.scalar(select(func.count(TurnEventRow.id))) == 1
        assert (await session.execute(text("SELECT 1"))).scalar() == 1


async def test_a_retry_with_the_same_message_id_is_answered_once(client, runtime):
    first = await chat(client, user_id="w11", text="假一赔三", message_id="abc")
    second = await chat(client, user_id="w11", text="假一赔三", message_id="abc")
    assert first == second
    async with create_session_factory(runtime.database)() as session:
        turns = await session.scalar(select(func.count(TurnEventRow.id)).where(TurnEventRow.duplicate.is_(False)))
    assert turns == 1


async def test_the_chat_page_and_health(client):
    page = await client.get("/")
    assert page.status_code == 200 and "/api/chat" in page.text and "消费维权助手" in page.text
    health = await client.get("/healthz")
    assert health.json() == {"ok": True, "database": True, "knowledge": True}


async def test_half_surrogate_pairs_in_json_are_dropped_not_fatal(client):
    body = b'{"user_id": "w12", "text": "\\udb66\\u4e70\\u5230\\u5047\\u8d27", "message_id": "s1"}'
    response = await client.post("/api/chat", content=body)
    assert response.status_code == 200, response.text
    for bad in (b'{"user_id": "w12", "payload": "\\ud800"}', b'{"user_id": "w\\udb66", "text": "hi"}'):
        refused = await client.post("/api/chat", content=bad)
        assert refused.status_code == 400, bad


async def test_a_browser_is_known_by_the_cookie_the_server_issued(browser, runtime):
    page = await browser.get("/")
    cookie = page.headers["set-cookie"].lower()
    assert "weiquan_id=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    first = await browser.post("/api/chat", json={"text": "我要转人工"})
    assert first.status_code == 200 and "set-cookie" not in first.headers, "the page's identity is kept"
    identity = web_identity_of(browser)
    async with runtime.sessions() as session:
        row = await session.scalar(select(ConversationRow).where(ConversationRow.channel == "web"))
    assert row.external_id == identity and row.wants_human


async def test_naming_a_citizen_needs_the_api_key(browser, client, runtime):
    await browser.get("/")
    victim = web_identity_of(browser)
    async with runtime.sessions.begin() as session:
        outbox.push(session, UserRef("web", victim), [Reply("工作人员：您的投诉已受理")], now=datetime.now(UTC))
    async with httpx.AsyncClient(transport=browser._transport, base_url="http://test") as stranger:
        read = await stranger.get("/api/chat/updates", params={"user_id": victim})
        assert read.status_code == 401 and "API key" in read.json()["error"]
        cancel = await stranger.post("/api/chat", json={"user_id": victim, "text": "取消"})
        assert cancel.status_code == 401
        stranger.cookies.set("weiquan_id", victim)
        forged = await stranger.get("/api/chat/updates")
        assert forged.json() == {"replies": []}, "an unsigned cookie is nobody"
    integration = await client.get("/api/chat/updates", params={"user_id": victim})
    assert integration.json() == {"replies": []}, "integration ids are their own space"
    mine = await browser.get("/api/chat/updates")
    assert "您的投诉已受理" in mine.json()["replies"][0]["text"], "the message waited for its citizen"


async def test_a_first_request_without_a_cookie_gets_one_and_keeps_it(browser):
    first = await browser.post("/api/chat", json={"text": "你好"})
    assert "weiquan_id=" in first.headers["set-cookie"]
    identity = web_identity_of(browser)
    await browser.post("/api/chat", json={"text": "我要转人工"})
    assert web_identity_of(browser) == identity


async def test_every_worker_accepts_the_identity_another_issued(browser, config, runtime):
    await browser.get("/")
    other_worker = create_app(config, runtime=runtime)  # its own state: reads the stored key again
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other_worker), base_url="http://test",
                                 cookies=browser.cookies) as same_browser:
        reply = await same_browser.post("/api/chat", json={"text": "你好"})
    assert reply.status_code == 200 and "set-cookie" not in reply.headers


async def test_without_a_configured_key_no_one_names_a_citizen(tmp_path, database_url, knowledge):
    config = make_config(tmp_path, database_url, WEIQUAN_WEB_API_KEY="")
    started = await start_runtime(config, knowledge=knowledge)
    try:
        app = create_app(config, runtime=started)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                     headers={"Authorization": "Bearer "}) as http:
            refused = await http.post("/api/chat", json={"user_id": "x", "text": "你好"})
    finally:
        await started.close()
    assert refused.status_code == 401


def web_identity_of(http: httpx.AsyncClient) -> str:
    """The identity inside the browser's signed cookie (the part before the signature)."""
    return http.cookies["weiquan_id"].rsplit(".", 1)[0]


async def test_a_reloaded_page_gets_its_conversation_and_cases_back_and_no_one_else_does(browser, runtime):
    await browser.get("/")
    await browser.post("/api/chat", json={"text": "网上买的衣服七天内能退吗", "message_id": "q1"})
    await browser.post("/api/chat", json={"text": "网上买的衣服七天内能退吗", "message_id": "q1"})  # a retry
    await browser.post("/api/chat", json={"payload": "full", "label": "查看法条原文"})
    async with runtime.sessions.begin() as session:
        outbox.push(session, UserRef("web", web_identity_of(browser)), [Reply("【工作人员】请补充订单截图")],
                    now=datetime.now(UTC))
    await browser.get("/api/chat/updates")
    lines = (await browser.get("/api/chat/history")).json()["lines"]
    assert [line["speaker"] for line in lines] == ["citizen", "bot", "citizen", "bot", "bot"]
    assert [lines[0]["text"], lines[2]["text"], lines[4]["text"]] == [
        "网上买的衣服七天内能退吗", "查看法条原文", "【工作人员】请补充订单截图"]
    assert lines[1]["citations"] == [{"law": "中华人民共和国消费者权益保护法", "article": 25}]
    assert lines[1]["buttons"], "buttons are kept for the page to draw"
    async with httpx.AsyncClient(transport=browser._transport, base_url="http://test") as stranger:
        assert (await stranger.get("/api/chat/history")).json() == {"lines": [], "cases": []}


async def test_my_cases_lists_the_citizens_own_tickets(browser, runtime):
    await browser.get("/")
    for answer in COMPLAINT_ANSWERS + ("确认",):
        await browser.post("/api/chat", json={"text": answer})
    cases = (await browser.get("/api/chat/history")).json()["cases"]
    assert len(cases) == 1 and cases[0]["ticket"].startswith("T") and cases[0]["status"]
    async with httpx.AsyncClient(transport=browser._transport, base_url="http://test") as stranger:
        await stranger.get("/")
        assert (await stranger.get("/api/chat/history")).json()["cases"] == []


def tiny_png() -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(image, format="PNG")
    return image.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


async def test_evidence_uploads_are_checked_by_content_and_all_join_the_complaint(browser, runtime, config):
    await browser.get("/")
    evidence_step = COMPLAINT_ANSWERS.index("跳过")
    for answer in COMPLAINT_ANSWERS[:evidence_step]:
        await browser.post("/api/chat", json={"text": answer})
    disguised = await browser.post("/api/chat/upload", content=b"MZ\x90\x00 an exe named photo.png",
                                   headers={"Content-Type": "image/png"})
    assert disguised.status_code == 415 and disguised.json()["replies"][0]["text"] == texts.UPLOAD_WRONG_TYPE
    empty = await browser.post("/api/chat/upload", content=b"")
    assert empty.status_code == 400 and empty.json()["replies"][0]["text"] == texts.UPLOAD_EMPTY
    huge = await browser.post("/api/chat/upload", content=tiny_png() + bytes(config.web.max_upload_bytes))
    assert huge.status_code == 413 and "太大" in huge.json()["replies"][0]["text"]
    png = tiny_png()
    first = await browser.post("/api/chat/upload", content=png, headers={"Content-Type": "application/octet-stream"})
    assert first.status_code == 200 and "第1件" in first.json()["replies"][0]["text"]
    second = await browser.post("/api/chat/upload", content=PDF, headers={"Content-Type": "application/pdf"})
    assert "第2件" in second.json()["replies"][0]["text"]
    for answer in ("完成", *COMPLAINT_ANSWERS[evidence_step + 1:], "确认"):
        await browser.post("/api/chat", json={"text": answer})
    async with runtime.sessions() as session:
        case = await session.scalar(select(CaseRow))
    stored = [f"{hashlib.sha256(png).hexdigest()}.png", f"{hashlib.sha256(PDF).hexdigest()}.pdf"]
    assert case.evidence == [f"media:evidence:{name}" for name in stored]
    assert (runtime.services.evidence_dir / stored[1]).read_bytes() == PDF
    said = [line["text"] for line in (await browser.get("/api/chat/history")).json()["lines"]
            if line["speaker"] == "citizen"]
    assert "[图片]" in said and "[PDF文件]" in said and len(os.listdir(runtime.services.evidence_dir)) == 2
