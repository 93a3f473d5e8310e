"""The WeChat channel through wechatpy, against a fake WeChat platform and a fake WeChat API server."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import create_app
from bot.channels.wechat_sender import StatusTemplate, WeChatApi, deliver_pending, grouped_messages, split_text
from bot.complaints import service
from bot.complaints.models import CaseRow
from bot.core.messages import Button, Reply
from bot.core.tables import OutboxRow, TurnEventRow
from bot.runtime import start_runtime
from bot.staff import queue
from bot.staff.auth import StaffUser
from tests.conftest import PROJECT_ROOT, make_config
from tests.fakes.wechat import FakeWeChatApi, WeChatPlatform, generate_aes_key
from tests.scenarios.chat import COMPLAINT_ANSWERS
from tests.staff.console import create_staff

TOKEN = "weiquan-test-token"
APP_ID = "wx0123456789abcdef"
AES_KEY = generate_aes_key()


@pytest.fixture
async def wechat(tmp_path, database_url, knowledge):
    """A runtime and app with the WeChat channel on (safe-mode key set; plain pushes still accepted)."""
    config = make_config(tmp_path, database_url, WEIQUAN_WECHAT_TOKEN=TOKEN, WEIQUAN_WECHAT_APP_ID=APP_ID,
                         WEIQUAN_WECHAT_AES_KEY=AES_KEY, WEIQUAN_WECHAT_APP_SECRET="secret")
    runtime = await start_runtime(config, knowledge=knowledge)
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield runtime, client, config
    await runtime.close()


def platform(mode: str = "plain") -> WeChatPlatform:
    return WeChatPlatform(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY, mode=mode)


async def push(client, wx: WeChatPlatform, xml: str, **signing) -> tuple[httpx.Response, dict | None]:
    params, body = wx.signed_post(xml, **signing)
    response = await client.post("/wechat", params=params, content=body)
    reply = wx.read_reply(response.content, params) if response.status_code == 200 else None
    return response, reply


async def turns(runtime) -> int:
    async with runtime.sessions() as session:
        return await session.scalar(select(func.count(TurnEventRow.id)).where(TurnEventRow.duplicate.is_(False)))


async def test_url_verification(wechat):
    _runtime, client, _config = wechat
    wx = platform()
    good = await client.get("/wechat", params=wx.verify_url("echo-123"))
    assert good.status_code == 200 and good.text == "echo-123"
    forged = {**wx.verify_url("echo-123"), "signature": "0" * 40}
    assert (await client.get("/wechat", params=forged)).status_code == 400
    stale = wx.verify_url("echo-123", timestamp=int(time.time()) - 3600)
    assert (await client.get("/wechat", params=stale)).status_code == 400
    for odd in ({"signature": "签名" * 20}, {"timestamp": "9" * 5000}, {"timestamp": "²"}):
        assert (await client.get("/wechat", params={**wx.verify_url("echo-123"), **odd})).status_code == 400


@pytest.mark.parametrize("mode", ["plain", "compat", "safe"])
async def test_a_question_is_answered_passively_in_every_mode(wechat, mode):
    _runtime, client, _config = wechat
    wx = platform(mode)
    response, reply = await push(client, wx, wx.text("oUser1", "网购的衣服七天内能退吗"))
    assert response.status_code == 200
    assert reply["MsgType"] == "text" and "依据：《消费者权益保护法》第二十五条" in reply["Content"]
    assert "回复 1：查看法条原文" in reply["Content"], "buttons become numbered options"


async def test_forged_and_replayed_pushes_are_refused(wechat):
    runtime, client, _config = wechat
    wx = platform("safe")
    params, body = wx.signed_post(wx.text("oUser2", "你好"))
    forged = await client.post("/wechat", params={**params, "msg_signature": "0" * 40}, content=body)
    assert forged.status_code == 400
    plain = platform()
    params, body = plain.signed_post(plain.text("oUser2", "你好"), timestamp=int(time.time()) - 3600)
    assert (await client.post("/wechat", params=params, content=body)).status_code == 400
    assert await turns(runtime) == 0


@pytest.mark.parametrize("body", [
    b"<xml><ToUserName>",
    b"not xml at all",
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
    b"<xml><Content>&lol2;</Content></xml>",
    b"",
])
async def test_malformed_xml_and_entity_attacks_get_success_never_500(wechat, body):
    _runtime, client, _config = wechat
    wx = platform()
    params, _ = wx.signed_post(wx.text("oUser3", "x"))
    response = await client.post("/wechat", params=params, content=body)
    assert response.status_code == 200 and response.text == "success"


async def test_a_reply_over_wechats_passive_limit_is_cut_and_the_rest_sent_after(wechat):
    """广告法第五十八条 in full is about 2,900 bytes: WeChat refuses a passive reply over 2,048."""
    runtime, client, _config = wechat
    wx = platform()
    await push(client, wx, wx.text("oLong", "广告法第五十八条"))
    response, reply = await push(client, wx, wx.text("oLong", "1"))
    assert response.status_code == 200 and len(reply["Content"].encode()) <= 2048
    async with runtime.sessions() as session:
        rest = await session.scalar(select(OutboxRow).where(OutboxRow.external_id == "oLong"))
    assert rest is not None and "接上条" in rest.replies[0]["text"]
    whole = reply["Content"] + rest.replies[0]["text"]
    assert "第五十八条" in whole and len(whole.encode()) > 2048


async def test_a_message_sent_three_times_is_one_turn(wechat):
    runtime, client, _config = wechat
    wx = platform()
    xml = wx.text("oUser4", "过期食品怎么赔", msg_id=987654321)
    replies = [await push(client, wx, xml) for _ in range(3)]
    assert replies[0][1]["Content"] == replies[1][1]["Content"] == replies[2][1]["Content"]
    assert await turns(runtime) == 1


async def test_retries_arriving_together_run_one_turn(wechat):
    runtime, client, _config = wechat
    wx = platform()
    xml = wx.text("oUser5", "假一赔三", msg_id=123123)
    results = await asyncio.gather(*(push(client, wx, xml) for _ in range(3)))
    assert len({reply["Content"] for _response, reply in results}) == 1
    assert await turns(runtime) == 1


async def test_menu_clicks_subscribe_and_numbers(wechat):
    runtime, client, _config = wechat
    wx = platform()
    _, welcome = await push(client, wx, wx.event("oUser6", "subscribe"))
    assert "消费维权助手" in welcome["Content"]
    _, started = await push(client, wx, wx.event("oUser6", "CLICK", "complaint"))
    assert "投诉还是举报" in started["Content"]
    _, numbered = await push(client, wx, wx.text("oUser6", "1"))
    assert "为自己投诉" in numbered["Content"], "typing 1 pressed the first option (投诉)"
    response, reply = await push(client, wx, wx.event("oUser6", "unsubscribe"))
    assert response.text == "success" and reply is None


async def test_a_complaint_with_a_photo_over_wechat(wechat):
    runtime, client, _config = wechat
    wx = platform("safe")
    for answer in COMPLAINT_ANSWERS[:11]:
        await push(client, wx, wx.text("oUser7", answer))
    await push(client, wx, wx.image("oUser7", "MEDIA_abc"))
    for answer in ("完成", *COMPLAINT_ANSWERS[12:]):
        await push(client, wx, wx.text("oUser7", answer))
    _, filed = await push(client, wx, wx.text("oUser7", "确认"))
    assert "编号" in filed["Content"]
    async with runtime.sessions() as session:
        case = await session.scalar(select(CaseRow))
    assert case.evidence == ["media:MEDIA_abc"] and case.channel == "wechat"
    _, status = await push(client, wx, wx.text("oUser7", "查进度"))
    assert case.ticket in status["Content"]


async def test_a_slow_turn_is_delivered_by_the_customer_service_api(tmp_path, database_url, knowledge):
    config = make_config(tmp_path, database_url, WEIQUAN_WECHAT_TOKEN=TOKEN, WEIQUAN_WECHAT_APP_ID=APP_ID,
                         WEIQUAN_WECHAT_APP_SECRET="secret", WEIQUAN_WECHAT_REPLY_BUDGET_SECONDS="0")
    runtime = await start_runtime(config, knowledge=knowledge)
    try:
        app = create_app(config, runtime=runtime)
        wx = platform()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            response, reply = await push(client, wx, wx.text("oSlow", "网购的衣服七天内能退吗"))
        assert response.text == "success" and reply is None
        for _ in range(50):
            async with runtime.sessions() as session:
                if await session.scalar(select(func.count(OutboxRow.id))):
                    break
            await asyncio.sleep(0.05)
        async with FakeWeChatApi() as api, httpx.AsyncClient() as http:
            target = WeChatApi(APP_ID, "secret", api.base_url)
            api.fail_next_sends, api.send_failure = 1, "http"  # a passing server error
            now = datetime.now(UTC)
            assert await deliver_pending(runtime.sessions, target, http, now) == 0, "first send fails: retried"
            later = datetime.fromtimestamp(now.timestamp() + 10, UTC)
            assert await deliver_pending(runtime.sessions, target, http, later) == 1
            assert await deliver_pending(runtime.sessions, target, http, later) == 0, "delivered once"
            texts = api.sent_texts("oSlow")
            menus = api.sent_menus("oSlow")
            assert api.token_requests == 1, "one shared token for all rounds"
        assert any("第二十五条" in text for text in texts) or any("第二十五条" in m["head_content"] for m in menus)
        assert menus and menus[0]["list"][0]["content"] == "查看法条原文"
    finally:
        await runtime.close()


async def test_undeliverable_messages_are_recorded(wechat):
    runtime, _client, _config = wechat
    async with runtime.sessions.begin() as session:
        session.add(OutboxRow(channel="wechat", external_id="oGone", replies=[Reply("通知").to_dict()],
                              created_at=datetime.now(UTC), attempts=0))
    async with FakeWeChatApi() as api, httpx.AsyncClient() as http:
        api.fail_next_sends = 1  # 45015: outside the 48-hour window
        await deliver_pending(runtime.sessions, WeChatApi(APP_ID, "secret", api.base_url), http, datetime.now(UTC))
    async with runtime.sessions() as session:
        row = await session.scalar(select(OutboxRow).where(OutboxRow.external_id == "oGone"))
    assert row.failed and "45015" in row.last_error and row.delivered_at is None


def test_long_texts_are_split_and_buttons_become_msgmenu():
    long = "\n".join(["消费者权益保护法第二十五条规定的七日无理由退货" * 3] * 20)
    pieces = split_text(long)
    assert all(len(piece) <= 600 for piece in pieces) and "".join(pieces).replace("\n", "") == long.replace("\n", "")
    messages = [m for group in grouped_messages("oX", [Reply(long, (Button("查看法条原文", "full"),))]) for m in group]
    assert messages[-1]["msgtype"] == "msgmenu" and messages[-1]["msgmenu"]["list"][0]["id"] == "full"
    assert len(messages) <= 5


async def test_two_workers_on_one_database_agree(tmp_path, database_url, knowledge):
    config = make_config(tmp_path, database_url, WEIQUAN_WECHAT_TOKEN=TOKEN, WEIQUAN_WECHAT_APP_ID=APP_ID)
    first = await start_runtime(config, knowledge=knowledge)
    second = await start_runtime(config, knowledge=knowledge, migrate=False)
    try:
        wx = platform()
        xml = wx.text("oShared", "七天无理由退货", msg_id=555)
        clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config, runtime=r)),
                                     base_url="http://test") for r in (first, second)]
        results = await asyncio.gather(*(push(client, wx, xml) for client in clients for _ in range(2)))
        for client in clients:
            await client.aclose()
        assert len({reply["Content"] for _response, reply in results}) == 1
        assert await turns(first) == 1
    finally:
        await first.close()
        await second.close()


async def test_photos_are_fetched_at_once_and_kept_by_hash(tmp_path, database_url, knowledge):
    async with FakeWeChatApi() as api:
        png = api.add_media("MEDIA_receipt")
        config = make_config(tmp_path, database_url, WEIQUAN_WECHAT_TOKEN=TOKEN, WEIQUAN_WECHAT_APP_ID=APP_ID,
                             WEIQUAN_WECHAT_APP_SECRET="secret", WEIQUAN_WECHAT_API_BASE=api.base_url)
        runtime = await start_runtime(config, knowledge=knowledge)
        try:
            app = create_app(config, runtime=runtime)
            wx = platform()
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
                for answer in COMPLAINT_ANSWERS[:11]:
                    await push(client, wx, wx.text("oPhoto", answer))
                await push(client, wx, wx.image("oPhoto", "MEDIA_receipt"))
                for answer in ["完成", *COMPLAINT_ANSWERS[12:], "确认"]:
                    await push(client, wx, wx.text("oPhoto", answer))
            async with runtime.sessions() as session:
                case = await session.scalar(select(CaseRow))
        finally:
            await runtime.close()
    digest = hashlib.sha256(png).hexdigest()
    assert case.evidence == [f"media:evidence:{digest}.png"]
    assert (config.app.data_dir / "evidence" / f"{digest}.png").read_bytes() == png


async def test_a_slow_answer_shows_typing(tmp_path, database_url, knowledge):
    async with FakeWeChatApi() as api:
        config = make_config(tmp_path, database_url, WEIQUAN_WECHAT_TOKEN=TOKEN, WEIQUAN_WECHAT_APP_ID=APP_ID,
                             WEIQUAN_WECHAT_APP_SECRET="secret", WEIQUAN_WECHAT_API_BASE=api.base_url,
                             WEIQUAN_WECHAT_REPLY_BUDGET_SECONDS="0")
        runtime = await start_runtime(config, knowledge=knowledge)
        try:
            app = create_app(config, runtime=runtime)
            wx = platform()
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
                await push(client, wx, wx.text("oTyping", "网购的衣服七天内能退吗"))
            for _ in range(50):
                if api.typing:
                    break
                await asyncio.sleep(0.05)
        finally:
            await runtime.close()
    assert api.typing == [("oTyping", "Typing")]


async def test_the_menu_is_pushed_from_config(tmp_path):
    async with FakeWeChatApi() as api:
        env = {**os.environ, "WEIQUAN_APP_DATA_DIR": str(tmp_path), "WEIQUAN_WECHAT_TOKEN": TOKEN,
               "WEIQUAN_WECHAT_APP_ID": APP_ID, "WEIQUAN_WECHAT_APP_SECRET": "secret",
               "WEIQUAN_WECHAT_API_BASE": api.base_url}
        env.pop("DATABASE_URL", None)
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bot", "wechat", "menu", "push"], env=env, cwd=PROJECT_ROOT,
            capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    (menu,) = api.menus
    names = [button["name"] for button in menu["button"]]
    assert names == ["问答", "投诉维权", "更多"]
    assert {"type": "click", "name": "查进度", "key": "status"} in menu["button"][1]["sub_button"]


async def test_hand_off_to_wechats_own_customer_service_when_configured(tmp_path, database_url, knowledge):
    config = make_config(tmp_path, database_url, WEIQUAN_WECHAT_TOKEN=TOKEN, WEIQUAN_WECHAT_APP_ID=APP_ID,
                         WEIQUAN_WECHAT_AES_KEY=AES_KEY, WEIQUAN_WECHAT_TRANSFER_CUSTOMER_SERVICE="true",
                         WEIQUAN_WECHAT_KF_ACCOUNT="kf2001@gh_test")
    runtime = await start_runtime(config, knowledge=knowledge)
    try:
        app = create_app(config, runtime=runtime)
        wx = platform("safe")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            _, reply = await push(client, wx, wx.text("oKf", "转人工"))
    finally:
        await runtime.close()
    assert reply["MsgType"] == "transfer_customer_service"
    assert reply["TransInfo.KfAccount"] == "kf2001@gh_test"


async def test_staff_replies_reach_a_wechat_user(wechat):
    runtime, client, _config = wechat
    wx = platform()
    _, queued = await push(client, wx, wx.text("oStaff", "人工"))
    assert "转接人工" in queued["Content"]
    await create_staff(runtime, "agent9", "agent")
    agent = StaffUser(1, "agent9", "小王", "agent")
    async with runtime.sessions.begin() as session:
        (waiting,) = await queue.waiting(session)
        await queue.claim(session, waiting.id, agent, datetime.now(UTC), max_open=3)
        await queue.staff_reply(session, waiting, agent, "您好，请讲。", datetime.now(UTC))
    async with FakeWeChatApi() as api, httpx.AsyncClient() as http:
        await deliver_pending(runtime.sessions, WeChatApi(APP_ID, "secret", api.base_url), http, datetime.now(UTC))
        sent = api.sent_texts("oStaff")
    assert any("已接入" in text for text in sent) and any("您好，请讲" in text for text in sent)
    response, reply = await push(client, wx, wx.text("oStaff", "我家楼下超市卖过期面包"))
    assert response.text == "success" and reply is None, "while a person is attached the bot is silent"


async def test_the_quiz_over_wechat(wechat):
    _runtime, client, _config = wechat
    wx = platform()
    _, first = await push(client, wx, wx.text("oQuiz", "答题"))
    assert "第1/10题" in first["Content"] and "A. " in first["Content"]
    _, second = await push(client, wx, wx.text("oQuiz", "A"))
    assert ("回答正确" in second["Content"] or "回答错误" in second["Content"]) and "第2/10题" in second["Content"]


async def test_a_click_on_a_msgmenu_option_presses_that_button(wechat):
    _runtime, client, _config = wechat
    wx = platform()
    _, reply = await push(client, wx, wx.menu_click("oMenu", "complaint", "我要投诉/举报"))
    assert "投诉还是举报" in reply["Content"]


async def accepted_later(runtime, client, openid: str, when: datetime) -> CaseRow:
    """A complaint filed through WeChat by `openid`, accepted by staff at `when` (a notice in the outbox)."""
    wx = platform()
    for answer in (*COMPLAINT_ANSWERS, "确认"):
        await push(client, wx, wx.text(openid, answer))
    async with runtime.sessions.begin() as session:
        case = await session.scalar(select(CaseRow).where(CaseRow.external_id == openid))
        await service.change_status(session, case, "accepted", note="材料齐全", actor="staff:1", now=when,
                                    settings=runtime.services.complaints)
    return case


async def test_a_citizen_silent_for_three_days_gets_the_acceptance_notice_as_a_template_message(wechat):
    """Past WeChat's 48-hour window custom/send answers 45015; the case notice goes as a template message."""
    runtime, client, _config = wechat
    three_days_later = datetime.now(UTC) + timedelta(days=3)
    case = await accepted_later(runtime, client, "oQuiet", three_days_later)
    template = StatusTemplate("TPL_case_status", "character_string1", "phrase2", "time3")
    async with FakeWeChatApi() as api, httpx.AsyncClient() as http:
        api.templates.add("TPL_case_status")
        api.fail_next_sends = 1  # custom/send: 45015, the window has closed
        target = WeChatApi(APP_ID, "secret", api.base_url, template)
        assert await deliver_pending(runtime.sessions, target, http, three_days_later) == 1
    (sent,) = api.template_messages
    assert sent["touser"] == "oQuiet" and sent["template_id"] == "TPL_case_status"
    assert sent["data"]["character_string1"]["value"] == case.ticket
    assert sent["data"]["phrase2"]["value"] == "已受理"
    local = three_days_later.astimezone(runtime.services.complaints.timezone).strftime("%Y-%m-%d %H:%M")
    assert sent["data"]["time3"]["value"] == local
    async with runtime.sessions() as session:
        row = await session.scalar(select(OutboxRow).where(OutboxRow.case_id == case.id))
        assert row.delivered_at is not None and not row.failed and "template" in row.last_error
        assert await service.undelivered_notices(session, case) == []


async def test_a_notice_that_cannot_reach_the_citizen_is_shown_to_staff(wechat):
    """No template configured (or refused): the notice is recorded undelivered on the case for a phone call."""
    runtime, client, _config = wechat
    case = await accepted_later(runtime, client, "oGoneQuiet", datetime.now(UTC))
    async with FakeWeChatApi() as api, httpx.AsyncClient() as http:
        api.fail_next_sends = 1
        await deliver_pending(runtime.sessions, WeChatApi(APP_ID, "secret", api.base_url), http, datetime.now(UTC))
    async with runtime.sessions() as session:
        (undelivered,) = await service.undelivered_notices(session, case)
    assert "45015" in undelivered.last_error and undelivered.notice["status"] == "已受理"
