"""The WeChat fakes speak the real protocol: checked with wechatpy itself, not with the fakes' own code."""

from __future__ import annotations

import json

import httpx
import pytest
import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.events import ClickEvent, ScanEvent, SubscribeEvent, SubscribeScanEvent, UnsubscribeEvent, ViewEvent
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.messages import ImageMessage, LinkMessage, LocationMessage, TextMessage, VoiceMessage
from wechatpy.replies import ImageReply, TextReply
from wechatpy.utils import check_signature

from tests.fakes.wechat import (
    ACCOUNT_ID,
    FakeWeChatApi,
    WeChatPlatform,
    WeChatProtocolError,
    generate_aes_key,
)

TOKEN = "weiquan-token"
APP_ID = "wx1234567890abcdef"
AES_KEY = generate_aes_key()
USER = "oUSER_openid_0001"


def platform(mode: str = "plain") -> WeChatPlatform:
    return WeChatPlatform(token=TOKEN, app_id=APP_ID, aes_key=None if mode == "plain" else AES_KEY, mode=mode)


def our_crypto() -> WeChatCrypto:
    """What our endpoint would hold: its own WeChatCrypto from the same settings."""
    return WeChatCrypto(TOKEN, AES_KEY, APP_ID)


# -- inbound pushes --------------------------------------------------------------------------


def test_aes_key_has_wechat_shape():
    assert len(AES_KEY) == 43
    WeChatCrypto(TOKEN, AES_KEY, APP_ID)  # asserts a 32-byte key


def test_plain_post_is_signed_as_wechat_signs():
    wechat = platform()
    xml = wechat.text(USER, "你好")
    params, body = wechat.signed_post(xml, timestamp=1700000000, nonce="123456789")
    assert set(params) == {"signature", "timestamp", "nonce", "openid"}
    assert params["timestamp"] == "1700000000" and params["nonce"] == "123456789" and params["openid"] == USER
    check_signature(TOKEN, params["signature"], params["timestamp"], params["nonce"])
    with pytest.raises(InvalidSignatureException):
        check_signature("another-token", params["signature"], params["timestamp"], params["nonce"])
    assert body == xml.encode()
    message = parse_message(body)
    assert isinstance(message, TextMessage)
    assert (message.content, message.source, message.target) == ("你好", USER, ACCOUNT_ID)


def test_safe_post_decrypts_with_wechatpy():
    wechat = platform("safe")
    xml = wechat.text(USER, "我要投诉 <商家> & ]]> 退款", msg_id=42)
    params, body = wechat.signed_post(xml)
    assert params["encrypt_type"] == "aes" and params["openid"] == USER
    check_signature(TOKEN, params["signature"], params["timestamp"], params["nonce"])
    envelope = xmltodict.parse(body)["xml"]
    assert set(envelope) == {"ToUserName", "Encrypt"} and envelope["ToUserName"] == ACCOUNT_ID
    decrypted = our_crypto().decrypt_message(body, params["msg_signature"], params["timestamp"], params["nonce"])
    assert decrypted == xml
    message = parse_message(decrypted)
    assert isinstance(message, TextMessage)
    assert message.content == "我要投诉 <商家> & ]]> 退款" and message.id == 42
    with pytest.raises(InvalidSignatureException):
        our_crypto().decrypt_message(body, params["msg_signature"], params["timestamp"], "wrong-nonce")


def test_compat_post_carries_plaintext_beside_ciphertext():
    wechat = platform("compat")
    xml = wechat.event(USER, "CLICK", "MENU_COMPLAIN")
    params, body = wechat.signed_post(xml)
    fields = xmltodict.parse(body)["xml"]
    assert {"ToUserName", "FromUserName", "MsgType", "Event", "EventKey", "Encrypt"} <= set(fields)
    assert fields["EventKey"] == "MENU_COMPLAIN"
    assert isinstance(parse_message(body), ClickEvent)  # a plaintext-only reader still works
    decrypted = our_crypto().decrypt_message(body, params["msg_signature"], params["timestamp"], params["nonce"])
    assert decrypted == xml


@pytest.mark.parametrize(
    ("build", "kind", "check"),
    [
        (lambda w: w.image(USER, "MEDIA1"), ImageMessage, lambda m: m.media_id == "MEDIA1" and m.image),
        (lambda w: w.voice(USER, "V1", recognition="我要退货"), VoiceMessage,
         lambda m: m.media_id == "V1" and m.recognition == "我要退货" and m.format == "amr"),
        (lambda w: w.voice(USER, "V2"), VoiceMessage, lambda m: m.recognition is None),
        (lambda w: w.location(USER, 23.134521, 113.358803, "广州市天河区"), LocationMessage,
         lambda m: m.location == ("23.134521", "113.358803") and m.label == "广州市天河区"),
        (lambda w: w.link(USER, "商家页面", "https://example.com/shop"), LinkMessage,
         lambda m: m.title == "商家页面" and m.url == "https://example.com/shop"),
        (lambda w: w.event(USER, "subscribe"), SubscribeEvent, lambda m: m.key == ""),
        (lambda w: w.event(USER, "subscribe", "qrscene_7"), SubscribeScanEvent,
         lambda m: m.scene_id == "7" and m.ticket),
        (lambda w: w.event(USER, "unsubscribe"), UnsubscribeEvent, lambda _m: True),
        (lambda w: w.event(USER, "CLICK", "QUIZ"), ClickEvent, lambda m: m.key == "QUIZ"),
        (lambda w: w.event(USER, "VIEW", "https://example.com"), ViewEvent, lambda m: m.url == "https://example.com"),
        (lambda w: w.event(USER, "SCAN", "9"), ScanEvent, lambda m: m.scene_id == "9" and m.ticket),
    ],
)
def test_every_message_kind_parses_with_wechatpy(build, kind, check):
    wechat = platform("safe")
    params, body = wechat.signed_post(build(wechat))
    message = parse_message(
        our_crypto().decrypt_message(body, params["msg_signature"], params["timestamp"], params["nonce"]))
    assert isinstance(message, kind)
    assert message.source == USER and message.target == ACCOUNT_ID
    assert check(message)


def test_msg_ids_are_unique_and_events_have_none():
    wechat = platform()
    ids = {parse_message(wechat.text(USER, "x")).id for _ in range(5)}
    assert len(ids) == 5
    assert "MsgId" not in xmltodict.parse(wechat.event(USER, "subscribe"))["xml"]


def test_menu_click_carries_bizmsgmenuid():
    fields = xmltodict.parse(platform().menu_click(USER, "101", "满意"))["xml"]
    assert fields["MsgType"] == "text" and fields["Content"] == "满意" and fields["bizmsgmenuid"] == "101"


def test_verify_url_query_is_signed():
    query = platform("safe").verify_url("1234567890123", timestamp=1700000000, nonce="42")
    assert query["echostr"] == "1234567890123" and query["timestamp"] == "1700000000"
    check_signature(TOKEN, query["signature"], query["timestamp"], query["nonce"])


# -- our passive replies -----------------------------------------------------------------------


def test_read_reply_plain():
    wechat = platform()
    params, _ = wechat.signed_post(wechat.text(USER, "你好"))
    reply = TextReply(source=ACCOUNT_ID, target=USER, content="您好，请问有什么可以帮您？").render()
    fields = wechat.read_reply(reply.encode(), params)
    assert fields["MsgType"] == "text" and fields["Content"] == "您好，请问有什么可以帮您？"
    assert fields["ToUserName"] == USER and fields["FromUserName"] == ACCOUNT_ID
    assert wechat.read_reply(b"success", params) is None
    assert wechat.read_reply(b"", params) is None


@pytest.mark.parametrize("mode", ["safe", "compat"])
def test_read_reply_round_trips_encrypted_reply(mode):
    wechat = platform(mode)
    params, _ = wechat.signed_post(wechat.text(USER, "你好"))
    reply = TextReply(source=ACCOUNT_ID, target=USER, content="收到").render()
    envelope = our_crypto().encrypt_message(reply, params["nonce"], params["timestamp"])
    fields = wechat.read_reply(envelope.encode(), params)
    assert fields["MsgType"] == "text" and fields["Content"] == "收到" and fields["ToUserName"] == USER
    assert wechat.read_reply(b"success", params) is None


def test_read_reply_flattens_nested_fields():
    wechat = platform()
    params, _ = wechat.signed_post(wechat.text(USER, "图"))
    reply = ImageReply(source=ACCOUNT_ID, target=USER, media_id="M1").render()
    assert wechat.read_reply(reply.encode(), params)["Image.MediaId"] == "M1"


def test_read_reply_refuses_what_wechat_refuses():
    safe = platform("safe")
    params, _ = safe.signed_post(safe.text(USER, "你好"))
    plain_reply = TextReply(source=ACCOUNT_ID, target=USER, content="x").render()
    with pytest.raises(WeChatProtocolError):
        safe.read_reply(plain_reply.encode(), params)  # safe mode needs encryption
    wrong_key = WeChatCrypto(TOKEN, generate_aes_key(), APP_ID).encrypt_message(plain_reply, "1", "2")
    forged = wrong_key.replace("<TimeStamp>2</TimeStamp>", "<TimeStamp>3</TimeStamp>")
    with pytest.raises(InvalidSignatureException):
        safe.read_reply(forged.encode(), params)
    wrong_token = WeChatCrypto("other-token", AES_KEY, APP_ID).encrypt_message(plain_reply, "1", "2")
    with pytest.raises(InvalidSignatureException):
        safe.read_reply(wrong_token.encode(), params)
    misaddressed = TextReply(source=ACCOUNT_ID, target="someone-else", content="x").render()
    with pytest.raises(WeChatProtocolError):
        safe.read_reply(our_crypto().encrypt_message(misaddressed, "1", "2").encode(), params)
    plain = platform()
    with pytest.raises(WeChatProtocolError):
        plain.read_reply(our_crypto().encrypt_message(plain_reply, "1", "2").encode(), params)


def test_encrypted_modes_need_a_key():
    with pytest.raises(ValueError):
        WeChatPlatform(token=TOKEN, app_id=APP_ID, mode="safe")
    with pytest.raises(ValueError):
        WeChatPlatform(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY, mode="secure")


# -- api.weixin.qq.com -------------------------------------------------------------------------


async def get_token(client: httpx.AsyncClient) -> str:
    response = await client.get("/cgi-bin/token",
                                params={"grant_type": "client_credential", "appid": APP_ID, "secret": "s3cret"})
    body = response.json()
    assert response.status_code == 200 and body["expires_in"] == 7200
    return body["access_token"]


def send_text(touser: str, content: str) -> bytes:
    # as wechatpy's client sends it: UTF-8 JSON, not ASCII-escaped
    return json.dumps({"touser": touser, "msgtype": "text", "text": {"content": content}},
                      ensure_ascii=False).encode()


async def test_api_issues_tokens_and_records_sends():
    async with FakeWeChatApi(app_id=APP_ID, secret="s3cret") as api:
        assert api.base_url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=api.base_url) as client:
            first, second = await get_token(client), await get_token(client)
            assert first != second and api.token_requests == 2
            wrong = await client.get("/cgi-bin/token",
                                     params={"grant_type": "client_credential", "appid": APP_ID, "secret": "nope"})
            assert wrong.json()["errcode"] == 40125 and api.token_requests == 2

            response = await client.post("/cgi-bin/message/custom/send", params={"access_token": first},
                                         content=send_text(USER, "您的投诉已受理"))
            assert response.json() == {"errcode": 0, "errmsg": "ok"}
            menu = {"head_content": "您对本次服务是否满意呢？", "tail_content": "欢迎再次光临",
                    "list": [{"id": "101", "content": "满意"}, {"id": "102", "content": "不满意"}]}
            response = await client.post("/cgi-bin/message/custom/send", params={"access_token": second},
                                         json={"touser": USER, "msgtype": "msgmenu", "msgmenu": menu})
            assert response.json()["errcode"] == 0
            typing = await client.post("/cgi-bin/message/custom/typing", params={"access_token": first},
                                       json={"touser": USER, "command": "Typing"})
            assert typing.json() == {"errcode": 0, "errmsg": "ok"}
            created = await client.post("/cgi-bin/menu/create", params={"access_token": first},
                                        json={"button": [{"type": "click", "name": "投诉", "key": "COMPLAIN"}]})
            assert created.json() == {"errcode": 0, "errmsg": "ok"}

    assert api.sent_texts(USER) == ["您的投诉已受理"]
    assert api.sent_texts("nobody") == []
    assert api.sent_menus(USER) == [menu]
    assert api.typing == [(USER, "Typing")]
    assert api.menus[0]["button"][0]["key"] == "COMPLAIN"
    method, path, query, body = api.calls[3]
    assert (method, path, query) == ("POST", "/cgi-bin/message/custom/send", {"access_token": first})
    assert body["text"]["content"] == "您的投诉已受理"
    assert api.calls[0][3] is None and api.calls[0][2]["grant_type"] == "client_credential"
    assert [call[1] for call in api.calls].count("/cgi-bin/token") == 3


async def test_api_fails_sends_on_demand():
    async with FakeWeChatApi() as api, httpx.AsyncClient(base_url=api.base_url) as client:
        token = await get_token(client)
        api.fail_next_sends = 2
        responses = [await client.post("/cgi-bin/message/custom/send", params={"access_token": token},
                                       content=send_text(USER, f"第{i}条")) for i in range(3)]
        assert [r.json()["errcode"] for r in responses] == [45015, 45015, 0]
        assert responses[0].json()["errmsg"] == "response out of time limit or subscription is canceled"
        assert api.sent_texts(USER) == ["第2条"] and api.fail_next_sends == 0

        api.send_failure, api.fail_next_sends = "http", 1
        response = await client.post("/cgi-bin/message/custom/send", params={"access_token": token},
                                     content=send_text(USER, "重试"))
        assert response.status_code == 500
        assert len([c for c in api.calls if c[1] == "/cgi-bin/message/custom/send"]) == 4


async def test_api_serves_media():
    async with FakeWeChatApi() as api, httpx.AsyncClient(base_url=api.base_url) as client:
        png = api.add_media("MEDIA_OK")
        token = await get_token(client)
        response = await client.get("/cgi-bin/media/get", params={"access_token": token, "media_id": "MEDIA_OK"})
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        assert response.content == png and png.startswith(b"\x89PNG\r\n\x1a\n")
        missing = await client.get("/cgi-bin/media/get", params={"access_token": token, "media_id": "NOPE"})
        assert missing.json() == {"errcode": 40007, "errmsg": "invalid media_id"}


async def test_api_rejects_tokens_it_did_not_issue():
    async with FakeWeChatApi() as api, httpx.AsyncClient(base_url=api.base_url) as client:
        invalid = {"errcode": 40001, "errmsg": "invalid credential"}
        send = await client.post("/cgi-bin/message/custom/send", params={"access_token": "forged"},
                                 content=send_text(USER, "x"))
        assert send.json() == invalid
        media = await client.get("/cgi-bin/media/get", params={"access_token": "forged", "media_id": "M"})
        assert media.json() == invalid
        assert api.sent_texts(USER) == []

        token = await get_token(client)
        api.expire_tokens()
        expired = await client.post("/cgi-bin/message/custom/send", params={"access_token": token},
                                    content=send_text(USER, "x"))
        assert expired.json()["errcode"] == 42001
        fresh = await get_token(client)
        ok = await client.post("/cgi-bin/message/custom/send", params={"access_token": fresh},
                               content=send_text(USER, "x"))
        assert ok.json()["errcode"] == 0
