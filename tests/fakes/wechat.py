"""Fakes of WeChat's side of an official account (公众号), for tests of the WeChat channel.

``WeChatPlatform`` plays WeChat's servers pushing messages to our callback URL: it builds the XML
WeChat sends, signs (and in compatible or safe mode encrypts) it exactly as WeChat does, and reads
our passive replies back the way WeChat would, refusing ones WeChat would refuse.

``FakeWeChatApi`` plays api.weixin.qq.com (access tokens, customer-service messages, typing,
menus, media downloads) on a real local HTTP port, served by uvicorn inside the test's own event
loop, and records every call.

Signing and encryption use wechatpy's own helpers (``WeChatSigner``, ``WeChatCrypto``) so the
fakes cannot drift from what the real library, and WeChat, compute.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import secrets
import struct
import time
import xml.etree.ElementTree as ET
import zlib
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from tests.fakes.local_server import LocalServer

ACCOUNT_ID = "gh_test"
"""The official account's own id: ToUserName of everything WeChat pushes to us."""

MODES = ("plain", "compat", "safe")


class WeChatProtocolError(AssertionError):
    """Our side broke the protocol in a way the real WeChat would reject."""


def generate_aes_key() -> str:
    """A fresh EncodingAESKey: 43 characters, base64 of 32 random bytes without the trailing '='."""
    return base64.b64encode(os.urandom(32)).decode().rstrip("=")


def sign(*parts: str) -> str:
    """WeChat's signature: sha1 over the sorted, concatenated parts (wechatpy's WeChatSigner)."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def _cdata(value: str) -> str:
    # "]]>" cannot appear inside one CDATA section: split it across two, as any XML writer must.
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _xml(fields: list[tuple[str, str | int]]) -> str:
    """WeChat's push format: one element per line, strings in CDATA, numbers bare."""
    lines = ["<xml>"]
    for tag, value in fields:
        text = str(value) if isinstance(value, int) else _cdata(value)
        lines.append(f"<{tag}>{text}</{tag}>")
    lines.append("</xml>")
    return "\n".join(lines)


def _flatten(element: ET.Element, prefix: str, out: dict[str, str]) -> None:
    children = list(element)
    counts: dict[str, int] = {}
    for child in children:
        counts[child.tag] = counts.get(child.tag, 0) + 1
    seen: dict[str, int] = {}
    for child in children:
        name = child.tag
        if counts[name] > 1:
            name = f"{name}[{seen.get(child.tag, 0)}]"
            seen[child.tag] = seen.get(child.tag, 0) + 1
        key = f"{prefix}{name}"
        if len(child):
            _flatten(child, key + ".", out)
        else:
            out[key] = child.text or ""


def xml_fields(xml: str | bytes) -> dict[str, str]:
    """The fields of a WeChat XML document; nested elements flattened to dotted keys
    ("Image.MediaId", "Articles.item[0].Title" when an element repeats)."""
    root = ET.fromstring(xml)
    if root.tag != "xml":
        raise WeChatProtocolError(f"root element must be <xml>, not <{root.tag}>")
    fields: dict[str, str] = {}
    _flatten(root, "", fields)
    return fields


class WeChatPlatform:
    """WeChat's servers, as seen by our callback endpoint."""

    def __init__(self, *, token: str, app_id: str, aes_key: str | None = None, mode: str = "plain"):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if mode != "plain" and not aes_key:
            raise ValueError(f"{mode} mode needs the EncodingAESKey (aes_key)")
        self.token = token
        self.app_id = app_id
        self.aes_key = aes_key
        self.mode = mode
        self.account_id = ACCOUNT_ID
        self.crypto: WeChatCrypto | None = WeChatCrypto(token, aes_key, app_id) if aes_key else None
        self._msg_ids = itertools.count(24_000_000_000_000_000 + secrets.randbelow(10**12))

    # -- the messages WeChat pushes (plaintext XML) ---------------------------------------------

    def _message(self, from_user: str, msg_type: str, body: list[tuple[str, str | int]],
                 msg_id: int | None, create_time: int | None) -> str:
        fields: list[tuple[str, str | int]] = [
            ("ToUserName", self.account_id),
            ("FromUserName", from_user),
            ("CreateTime", int(time.time()) if create_time is None else create_time),
            ("MsgType", msg_type),
            *body,
            ("MsgId", next(self._msg_ids) if msg_id is None else msg_id),
        ]
        return _xml(fields)

    def text(self, from_user: str, content: str, msg_id: int | None = None, create_time: int | None = None) -> str:
        return self._message(from_user, "text", [("Content", content)], msg_id, create_time)

    def menu_click(self, from_user: str, menu_id: str, content: str, msg_id: int | None = None,
                   create_time: int | None = None) -> str:
        """The user tapped an option of a msgmenu we sent: a text message carrying <bizmsgmenuid>."""
        xml = self._message(from_user, "text", [("Content", content)], msg_id, create_time)
        return xml.replace("\n</xml>", f"\n<bizmsgmenuid>{menu_id}</bizmsgmenuid>\n</xml>")

    def image(self, from_user: str, media_id: str, pic_url: str = "http://mmbiz.qpic.cn/x",
              msg_id: int | None = None, create_time: int | None = None) -> str:
        return self._message(from_user, "image", [("PicUrl", pic_url), ("MediaId", media_id)], msg_id, create_time)

    def voice(self, from_user: str, media_id: str, recognition: str | None = None, msg_id: int | None = None,
              create_time: int | None = None) -> str:
        body: list[tuple[str, str | int]] = [("MediaId", media_id), ("Format", "amr")]
        if recognition is not None:  # only when the account has voice recognition switched on
            body.append(("Recognition", recognition))
        return self._message(from_user, "voice", body, msg_id, create_time)

    def location(self, from_user: str, x: float, y: float, label: str, msg_id: int | None = None,
                 create_time: int | None = None, scale: int = 15) -> str:
        body: list[tuple[str, str | int]] = [
            ("Location_X", format(x, ".6f")), ("Location_Y", format(y, ".6f")), ("Scale", scale), ("Label", label),
        ]
        return self._message(from_user, "location", body, msg_id, create_time)

    def link(self, from_user: str, title: str, url: str, msg_id: int | None = None,
             create_time: int | None = None, description: str = "") -> str:
        body: list[tuple[str, str | int]] = [("Title", title), ("Description", description), ("Url", url)]
        return self._message(from_user, "link", body, msg_id, create_time)

    def event(self, from_user: str, event: str, event_key: str = "", create_time: int | None = None,
              ticket: str | None = None) -> str:
        """An event push (no MsgId). ``event`` as WeChat spells it: subscribe, unsubscribe, CLICK,
        VIEW, SCAN, LOCATION… A QR-code subscribe has event_key "qrscene_<scene>" and a Ticket."""
        fields: list[tuple[str, str | int]] = [
            ("ToUserName", self.account_id),
            ("FromUserName", from_user),
            ("CreateTime", int(time.time()) if create_time is None else create_time),
            ("MsgType", "event"),
            ("Event", event),
            ("EventKey", event_key),
        ]
        if ticket is None and (event == "SCAN" or (event == "subscribe" and event_key.startswith("qrscene_"))):
            ticket = "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2FhYQ=="
        if ticket is not None:
            fields.append(("Ticket", ticket))
        return _xml(fields)

    # -- the HTTP calls WeChat makes ----------------------------------------------------------

    @staticmethod
    def _timestamp_nonce(timestamp: int | None, nonce: str | None) -> tuple[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        return ts, (str(secrets.randbelow(9 * 10**9) + 10**9) if nonce is None else nonce)

    def signed_post(self, xml: str, *, timestamp: int | None = None,
                    nonce: str | None = None) -> tuple[dict[str, str], bytes]:
        """The query parameters and body of the POST WeChat makes to our callback URL."""
        ts, nonce = self._timestamp_nonce(timestamp, nonce)
        fields = xml_fields(xml)
        params = {"signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce,
                  "openid": fields.get("FromUserName", "")}
        if self.mode == "plain":
            return params, xml.encode()
        assert self.crypto is not None
        envelope = xml_fields(self.crypto.encrypt_message(xml, nonce, ts))
        encrypt = envelope["Encrypt"]
        assert envelope["MsgSignature"] == sign(self.token, ts, nonce, encrypt)
        params["encrypt_type"] = "aes"
        params["msg_signature"] = envelope["MsgSignature"]
        if self.mode == "safe":
            body = f"<xml>\n<ToUserName>{_cdata(fields.get('ToUserName', self.account_id))}</ToUserName>\n" \
                   f"<Encrypt>{_cdata(encrypt)}</Encrypt>\n</xml>"
        else:  # compatible mode: the plaintext fields stay, the ciphertext rides along beside them
            head, _, _ = xml.rstrip().rpartition("</xml>")
            body = f"{head.rstrip()}\n<Encrypt>{_cdata(encrypt)}</Encrypt>\n</xml>"
        return params, body.encode()

    def verify_url(self, echostr: str, *, timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
        """The query of WeChat's GET that checks our URL (always plaintext, in every mode)."""
        ts, nonce = self._timestamp_nonce(timestamp, nonce)
        return {"signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce, "echostr": echostr}

    def read_reply(self, body: bytes, params: dict[str, str]) -> dict[str, str] | None:
        """Decode our passive reply to the POST made with ``params``, as WeChat does.

        "success" or an empty body mean "nothing to say" -> None. Otherwise the fields of the
        reply XML, decrypted first when it is an encrypted envelope (its MsgSignature checked
        against its TimeStamp and Nonce by WeChatCrypto.decrypt_message, which raises
        InvalidSignatureException / InvalidAppIdException). Raises WeChatProtocolError for a
        reply WeChat would refuse: plaintext in safe mode, encrypted in plain mode, no MsgType,
        or one not addressed from the account to the user who wrote.
        """
        text = body.decode("utf-8").strip() if body else ""
        if text in ("", "success"):
            return None
        try:
            outer = xml_fields(text)
        except ET.ParseError as exc:
            raise WeChatProtocolError(f"reply is neither 'success' nor XML: {text[:200]!r}") from exc
        if "Encrypt" in outer:
            if self.mode == "plain":
                raise WeChatProtocolError("encrypted reply, but the account is in plaintext mode")
            missing = [k for k in ("MsgSignature", "TimeStamp", "Nonce") if not outer.get(k)]
            if missing:
                raise WeChatProtocolError(f"encrypted reply lacks {', '.join(missing)}")
            assert self.crypto is not None
            plain = self.crypto.decrypt_message(text, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
            fields = xml_fields(plain)
        else:
            if self.mode == "safe":
                raise WeChatProtocolError("plaintext reply, but the account is in safe mode")
            fields = outer
        if not fields.get("MsgType"):
            raise WeChatProtocolError(f"reply has no MsgType: {fields}")
        if fields.get("FromUserName") != self.account_id:
            raise WeChatProtocolError(f"reply FromUserName {fields.get('FromUserName')!r} is not {self.account_id!r}")
        if params.get("openid") and fields.get("ToUserName") != params["openid"]:
            raise WeChatProtocolError(f"reply ToUserName {fields.get('ToUserName')!r} is not {params['openid']!r}")
        return fields


# ---------------------------------------------------------------------------------------------
# api.weixin.qq.com


def tiny_png(rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


CUSTOM_MESSAGE_TYPES = {"text", "image", "voice", "video", "music", "news", "mpnews", "mpnewsarticle",
                        "msgmenu", "wxcard", "miniprogrampage"}
SEND_REFUSED = (45015, "response out of time limit or subscription is canceled")


def _error(errcode: int, errmsg: str, status: int = 200) -> JSONResponse:
    return JSONResponse({"errcode": errcode, "errmsg": errmsg}, status_code=status)


OK = {"errcode": 0, "errmsg": "ok"}


class FakeWeChatApi(LocalServer):
    """api.weixin.qq.com on 127.0.0.1, for ``async with FakeWeChatApi() as api:``.

    ``app_id`` / ``secret``, when given, are checked by /cgi-bin/token (otherwise any are accepted).
    """

    def __init__(self, *, app_id: str | None = None, secret: str | None = None):
        self.app_id = app_id
        self.secret = secret
        self.calls: list[tuple[str, str, dict[str, str], Any]] = []
        self.token_requests = 0
        self.issued_tokens: list[str] = []
        self.expired_tokens: set[str] = set()
        self.fail_next_sends = 0
        self.send_failure = "errcode"  # "errcode": HTTP 200 with send_error; "http": HTTP 500
        self.send_error: tuple[int, str] = SEND_REFUSED
        self.delivered: list[dict[str, Any]] = []  # custom/send payloads WeChat accepted
        self.typing: list[tuple[str, str]] = []  # (touser, command)
        self.menus: list[dict[str, Any]] = []  # menu/create payloads
        self.media: dict[str, tuple[bytes, str]] = {}
        self.templates: set[str] = set()  # template ids the account has added (template/send refuses others)
        self.template_messages: list[dict[str, Any]] = []  # template/send payloads WeChat accepted
        methods = ["GET", "POST"]
        self.app = Starlette(routes=[
            Route("/cgi-bin/token", self._token, methods=methods),
            Route("/cgi-bin/message/custom/send", self._custom_send, methods=methods),
            Route("/cgi-bin/message/custom/typing", self._typing, methods=methods),
            Route("/cgi-bin/message/template/send", self._template_send, methods=methods),
            Route("/cgi-bin/menu/create", self._menu_create, methods=methods),
            Route("/cgi-bin/media/get", self._media_get, methods=methods),
            Route("/{path:path}", self._unknown, methods=methods),
        ])

    # -- lifecycle ------------------------------------------------------------------------


    # -- test helpers ---------------------------------------------------------------------

    def add_media(self, media_id: str, data: bytes | None = None, content_type: str = "image/png") -> bytes:
        """Make ``media_id`` downloadable from /cgi-bin/media/get; returns its bytes (a tiny PNG by default)."""
        data = tiny_png() if data is None else data
        self.media[media_id] = (data, content_type)
        return data

    def issue_token(self) -> str:
        """A valid access token, as if /cgi-bin/token had been called (not counted in token_requests)."""
        token = f"{len(self.issued_tokens) + 1}_{secrets.token_urlsafe(96)}"
        self.issued_tokens.append(token)
        return token

    def expire_tokens(self) -> None:
        """Every token issued so far now answers 42001 "access_token expired"."""
        self.expired_tokens.update(self.issued_tokens)

    def sent_messages(self, openid: str) -> list[dict[str, Any]]:
        """custom/send payloads delivered to that user, in order."""
        return [payload for payload in self.delivered if payload.get("touser") == openid]

    def sent_texts(self, openid: str) -> list[str]:
        return [p["text"]["content"] for p in self.sent_messages(openid) if p.get("msgtype") == "text"]

    def sent_menus(self, openid: str) -> list[dict[str, Any]]:
        return [p["msgmenu"] for p in self.sent_messages(openid) if p.get("msgtype") == "msgmenu"]

    # -- endpoints ------------------------------------------------------------------------

    async def _record(self, request: Request) -> tuple[dict[str, str], Any]:
        query = dict(request.query_params)
        body: Any = None
        raw = await request.body()
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                body = None
        self.calls.append((request.method, request.url.path, query, body))
        return query, body

    def _check_token(self, query: dict[str, str]) -> JSONResponse | None:
        token = query.get("access_token")
        if not token:
            return _error(41001, "access_token missing")
        if token in self.expired_tokens:
            return _error(42001, "access_token expired")
        if token not in self.issued_tokens:
            return _error(40001, "invalid credential")
        return None

    async def _authorised_post(self, request: Request) -> tuple[Any, JSONResponse | None]:
        query, body = await self._record(request)
        if request.method != "POST":
            return None, _error(43002, "require POST method")
        refusal = self._check_token(query)
        if refusal is not None:
            return None, refusal
        if not isinstance(body, dict):
            if await request.body():
                return None, _error(47001, "data format error")
            return None, _error(44002, "empty post data")
        return body, None

    async def _token(self, request: Request) -> Response:
        query, _ = await self._record(request)
        if request.method != "GET":
            return _error(43001, "require GET method")
        if query.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if not query.get("appid"):
            return _error(41002, "appid missing")
        if not query.get("secret"):
            return _error(41004, "appsecret missing")
        if self.app_id is not None and query["appid"] != self.app_id:
            return _error(40013, "invalid appid")
        if self.secret is not None and query["secret"] != self.secret:
            return _error(40125, "invalid appsecret")
        self.token_requests += 1
        return JSONResponse({"access_token": self.issue_token(), "expires_in": 7200})

    async def _custom_send(self, request: Request) -> Response:
        payload, refusal = await self._authorised_post(request)
        if refusal is not None:
            return refusal
        if not isinstance(payload.get("touser"), str) or not payload["touser"]:
            return _error(40003, "invalid openid")
        msgtype = payload.get("msgtype")
        if msgtype not in CUSTOM_MESSAGE_TYPES:
            return _error(40008, "invalid message type")
        content = payload.get(msgtype)
        if not isinstance(content, dict):
            return _error(44002, "empty post data")
        if msgtype == "text" and not content.get("content"):
            return _error(44004, "empty content")
        if msgtype == "msgmenu" and not (isinstance(content.get("list"), list) and content["list"]):
            return _error(44002, "empty post data")
        if self.fail_next_sends > 0:
            self.fail_next_sends -= 1
            if self.send_failure == "http":
                return _error(-1, "system error", status=500)
            return _error(*self.send_error)
        self.delivered.append(payload)
        return JSONResponse(OK)

    async def _template_send(self, request: Request) -> Response:
        """Template messages: any time, to a follower, with a template id the account has and {"value"} fields."""
        payload, refusal = await self._authorised_post(request)
        if refusal is not None:
            return refusal
        if not isinstance(payload.get("touser"), str) or not payload["touser"]:
            return _error(40003, "invalid openid")
        if payload.get("template_id") not in self.templates:
            return _error(40037, "invalid template_id")
        data = payload.get("data")
        if not isinstance(data, dict) or not data or not all(
            isinstance(v, dict) and isinstance(v.get("value"), str) for v in data.values()
        ):
            return _error(47001, "data format error")
        self.template_messages.append(payload)
        return JSONResponse({**OK, "msgid": len(self.template_messages)})

    async def _typing(self, request: Request) -> Response:
        payload, refusal = await self._authorised_post(request)
        if refusal is not None:
            return refusal
        if not payload.get("touser"):
            return _error(40003, "invalid openid")
        self.typing.append((payload["touser"], str(payload.get("command", ""))))
        return JSONResponse(OK)

    async def _menu_create(self, request: Request) -> Response:
        payload, refusal = await self._authorised_post(request)
        if refusal is not None:
            return refusal
        buttons = payload.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return _error(40016, "invalid button size")
        self.menus.append(payload)
        return JSONResponse(OK)

    async def _media_get(self, request: Request) -> Response:
        query, _ = await self._record(request)
        if request.method != "GET":
            return _error(43001, "require GET method")
        refusal = self._check_token(query)
        if refusal is not None:
            return refusal
        media_id = query.get("media_id", "")
        if media_id not in self.media:
            return _error(40007, "invalid media_id")
        data, content_type = self.media[media_id]
        extension = {"image/png": "png", "image/jpeg": "jpg", "audio/amr": "amr"}.get(content_type, "bin")
        return Response(data, media_type=content_type,
                        headers={"Content-disposition": f'attachment; filename="{media_id}.{extension}"'})

    async def _unknown(self, request: Request) -> Response:
        await self._record(request)
        return _error(48001, "api unauthorized", status=404)
