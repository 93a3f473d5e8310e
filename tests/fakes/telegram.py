"""Fakes of Telegram's side of a bot, for tests of the Telegram channel.

``FakeBotApi`` plays https://api.telegram.org on a real local HTTP port, served by uvicorn inside
the test's own event loop, for the real python-telegram-bot ``telegram.Bot``::

    async with FakeBotApi() as api:
        async with api.make_bot() as bot:          # = telegram.Bot(BOT_TOKEN, base_url=..., ...)
            await bot.send_message(42, "您好")
        assert api.sent_messages(42)[0]["text"] == "您好"

It answers ``/bot<token>/<method>`` (GET or POST; query string, JSON, urlencoded or multipart
bodies, as PTB and the Bot API allow) with the Bot API's own envelopes ``{"ok": true, "result":
...}`` / ``{"ok": false, "error_code": ..., "description": ...}``, and serves file downloads at
``/file/bot<token>/<file_path>``. Method names are case-insensitive, as on Telegram.

The results follow the Bot API as python-telegram-bot 22.8 reads it (Bot API 10.0): a ``Poll``
carries ``correct_option_ids`` (the single ``correct_option_id`` was removed in 9.6; PTB warns if
it sees it), ``allows_revoting`` and ``members_only``; every ``PollOption`` has a
``persistent_id``; a ``PollAnswer`` has ``option_persistent_ids``.

Where the real Telegram refuses a request in a way our code could plausibly provoke, so does the
fake (HTTP 400 "Bad Request: ..."): empty or over-long texts, malformed ``parse_mode="HTML"``
(tags, nesting, byte offsets as Telegram reports them), callback_data over 64 bytes, inline
buttons without an action, poll limits, unknown file ids, non-HTTPS webhooks. MarkdownV2 texts
are passed through unparsed.

The update builders below produce plain dicts in the exact JSON shape Telegram POSTs to a
webhook (fields that would be null are left out, as Telegram does).
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import itertools
import json
import mimetypes
import re
import time
from typing import Any
from urllib.parse import urlsplit

import telegram  # python-telegram-bot: this module's own name does not shadow it (absolute import)
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.local_server import LocalServer

BOT_ID = 7_000_000_001
BOT_USERNAME = "weiquan_test_bot"
BOT_TOKEN = f"{BOT_ID}:AAF-weiquan_fake_token_0123456789abcdefg"
"""A well-formed token. The bot's user id is the part before the colon, as on Telegram."""

SECRET_TOKEN_HEADER = "X-Telegram-Bot-Api-Secret-Token"
"""The header in which Telegram sends setWebhook's secret_token with every update."""

DEFAULT_GROUP_USER_ID = 10_001
"""The member who speaks in a group when a builder is not told who."""

MAX_MESSAGE_LENGTH = 4096  # UTF-16 code units, after entity parsing
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files

_FIRST_MESSAGE_ID = 1001  # per chat; well clear of the builders' default message_id=1
_WEBHOOK_PORTS = {80, 88, 443, 8443}
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BUTTON_ACTIONS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                   "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                   "copy_text", "callback_game", "pay")

# Parameters whose form/query value is the string itself; every other value is JSON-encoded by
# PTB (objects, arrays, numbers, booleans), and Telegram decodes it by the parameter's type.
_STRING_PARAMS = frozenset({
    "text", "caption", "question", "explanation", "description", "callback_query_id", "url",
    "secret_token", "file_id", "parse_mode", "explanation_parse_mode", "question_parse_mode",
    "description_parse_mode", "language_code", "ip_address", "business_connection_id",
    "message_effect_id", "inline_message_id", "emoji", "title", "name", "short_description",
    "action", "type",
})


# -- users, chats -----------------------------------------------------------------------------

def bot_user(bot_id: int = BOT_ID, *, full: bool = False) -> dict[str, Any]:
    """The bot as a User. ``full``: with the fields only getMe returns."""
    user: dict[str, Any] = {"id": bot_id, "is_bot": True, "first_name": "消费维权助手",
                            "username": BOT_USERNAME}
    if full:
        user.update({
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
            "has_topics_enabled": False,
            "allows_users_to_create_topics": False,
        })
    return user


def make_user(user_id: int) -> dict[str, Any]:
    """A human Telegram user."""
    return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}


def chat_type(chat_id: int) -> str:
    """private for positive ids; supergroup for -100…; group for other negative ids."""
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


def make_chat(chat_id: int) -> dict[str, Any]:
    """A Chat as it appears in messages: the user's own chat, or a group with a title."""
    kind = chat_type(chat_id)
    if kind == "private":
        return {"id": chat_id, "first_name": f"User{chat_id}", "type": "private"}
    return {"id": chat_id, "title": "维权测试群", "type": kind}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _unique_id(seed: str) -> str:
    """A file_unique_id-looking string, stable for one file_id."""
    return "AgAD" + hashlib.sha1(seed.encode()).hexdigest()[:12]


def _now() -> int:
    return int(time.time())


# -- update builders --------------------------------------------------------------------------

def _message(chat_id: int, message_id: int, *, user_id: int | None, **fields: Any) -> dict[str, Any]:
    if user_id is None:
        user_id = chat_id if chat_id > 0 else DEFAULT_GROUP_USER_ID
    message: dict[str, Any] = {"message_id": message_id, "from": make_user(user_id),
                               "chat": make_chat(chat_id), "date": _now()}
    message.update({key: value for key, value in fields.items() if value is not None})
    return message


def _as_reply(replied: dict[str, Any]) -> dict[str, Any]:
    """Telegram nests one level only: the replied-to message carries no reply_to_message."""
    return {key: value for key, value in replied.items() if key != "reply_to_message"}


def _command_entities(text: str) -> list[dict[str, Any]] | None:
    match = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{5,32})?", text)
    if not match:
        return None
    return [{"offset": 0, "length": _utf16_len(match.group(0)), "type": "bot_command"}]


def text_update(update_id: int, chat_id: int, text: str, *, user_id: int | None = None, message_id: int = 1,
                reply_to: dict | None = None) -> dict:
    """A text message from a user (in a private chat the user id is the chat id).

    A text that starts with a /command gets its bot_command entity, as Telegram adds it."""
    message = _message(chat_id, message_id, user_id=user_id, text=text, entities=_command_entities(text),
                       reply_to_message=_as_reply(reply_to) if reply_to is not None else None)
    return {"update_id": update_id, "message": message}


def command_update(update_id: int, chat_id: int, command: str, *, user_id: int | None = None,
                   message_id: int = 1) -> dict:
    """"/start" (or "start", or "/start payload"): a text message with its bot_command entity."""
    text = command if command.startswith("/") else "/" + command
    return text_update(update_id, chat_id, text, user_id=user_id, message_id=message_id)


def callback_update(update_id: int, chat_id: int, data: str, *, message_id: int = 1, user_id: int | None = None,
                    message_text: str = "请选择：", reply_markup: dict | None = None,
                    callback_id: str | None = None) -> dict:
    """The user pressed an inline button under the bot's message ``message_id`` in that chat."""
    if user_id is None:
        user_id = chat_id if chat_id > 0 else DEFAULT_GROUP_USER_ID
    bot_message: dict[str, Any] = {"message_id": message_id, "from": bot_user(), "chat": make_chat(chat_id),
                                   "date": _now(), "text": message_text}
    if reply_markup is not None:
        bot_message["reply_markup"] = reply_markup
    query = {
        "id": callback_id if callback_id is not None else f"{abs(chat_id) % 10**10}{update_id:09d}",
        "from": make_user(user_id),
        "message": bot_message,
        "chat_instance": str(-(abs(chat_id) * 2_654_435_761 % 2**62)),
        "data": data,
    }
    return {"update_id": update_id, "callback_query": query}


_PHOTO_SIZES = ((90, 67, 1_300), (320, 240, 17_000), (800, 600, 72_000), (1280, 960, 154_000))


def photo_update(update_id: int, chat_id: int, file_id: str, *, user_id: int | None = None, message_id: int = 1,
                 caption: str | None = None) -> dict:
    """A photo: PhotoSizes from thumbnail to full size; the largest (photo[-1]) is ``file_id``."""
    sizes = []
    for index, (width, height, size) in enumerate(_PHOTO_SIZES):
        size_id = file_id if index == len(_PHOTO_SIZES) - 1 else f"{file_id}-s{index}"
        sizes.append({"file_id": size_id, "file_unique_id": _unique_id(size_id), "file_size": size,
                      "width": width, "height": height})
    message = _message(chat_id, message_id, user_id=user_id, photo=sizes, caption=caption)
    return {"update_id": update_id, "message": message}


def document_update(update_id: int, chat_id: int, file_id: str, file_name: str = "receipt.pdf", *,
                    user_id: int | None = None, message_id: int = 1, file_size: int = 48_213,
                    caption: str | None = None) -> dict:
    """A file sent as a document."""
    document = {"file_name": file_name,
                "mime_type": mimetypes.guess_type(file_name)[0] or "application/octet-stream",
                "file_id": file_id, "file_unique_id": _unique_id(file_id), "file_size": file_size}
    message = _message(chat_id, message_id, user_id=user_id, document=document, caption=caption)
    return {"update_id": update_id, "message": message}


def poll_answer_update(update_id: int, poll_id: str, user_id: int, option_ids: list[int]) -> dict:
    """A user's vote in a non-anonymous poll (empty ``option_ids``: the vote was retracted).

    The options' persistent ids are their indexes as strings, as ``FakeBotApi`` assigns them."""
    answer = {"poll_id": poll_id, "user": make_user(user_id), "option_ids": list(option_ids),
              "option_persistent_ids": [str(index) for index in option_ids]}
    return {"update_id": update_id, "poll_answer": answer}


def group_reply_update(update_id: int, group_chat_id: int, user_id: int, text: str, replied_message: dict, *,
                       message_id: int | None = None) -> dict:
    """A member's text in a group, replying to ``replied_message`` (e.g. ``api.messages(group)[-1]``).

    ``message_id`` defaults to the replied message's id + 1; when the bot will send more to the group
    afterwards, pass ``message_id=api.next_message_id(group_chat_id)`` so the ids stay unique."""
    if group_chat_id >= 0:
        raise ValueError("group chat ids are negative")
    if message_id is None:
        message_id = int(replied_message.get("message_id", 0)) + 1
    return text_update(update_id, group_chat_id, text, user_id=user_id, message_id=message_id,
                       reply_to=replied_message)


# -- HTML parse mode, as Telegram (tdlib) parses it -------------------------------------------

_HTML_TAGS = frozenset({"a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
                        "tg-emoji", "code", "pre", "blockquote"})
_ENTITY_TYPES = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
                 "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
                 "span": "spoiler", "tg-spoiler": "spoiler", "code": "code", "pre": "pre", "a": "text_link",
                 "tg-emoji": "custom_emoji", "blockquote": "blockquote"}
_ATTR_RE = re.compile(r"""([A-Za-z_-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([a-z]+));")


class HtmlParseError(ValueError):
    pass


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Text and entities of an HTML-formatted text; errors worded (and offset, in UTF-8 bytes) as Telegram's."""
    out: list[str] = []
    out_len = 0  # UTF-16 units
    stack: list[tuple[str, int, dict[str, str], int]] = []  # tag, output offset, attributes, byte offset
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(source)

    def byte_offset(index: int) -> int:
        return len(source[:index].encode("utf-8"))

    def emit(chunk: str) -> None:
        nonlocal out_len
        out.append(chunk)
        out_len += _utf16_len(chunk)

    while i < n:
        char = source[i]
        if char == "&":
            match = _ENTITY_RE.match(source, i)
            if match:
                if match.group(3) is None or match.group(3) in _NAMED_ENTITIES:
                    if match.group(1):
                        value = chr(int(match.group(1))) if int(match.group(1)) <= 0x10FFFF else "&"
                    elif match.group(2):
                        value = chr(int(match.group(2), 16)) if int(match.group(2), 16) <= 0x10FFFF else "&"
                    else:
                        value = _NAMED_ENTITIES[match.group(3)]
                    emit(value)
                    i = match.end()
                    continue
            emit("&")  # not an entity Telegram knows: a literal ampersand
            i += 1
            continue
        if char != "<":
            start = i
            while i < n and source[i] not in "<&":
                i += 1
            emit(source[start:i])
            continue
        begin = i
        end = source.find(">", i + 1)
        if i + 1 < n and source[i + 1] == "/":
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
            if end == -1:
                raise HtmlParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
            name = source[i + 2:end].strip().lower()
            tag, start_offset, attributes, _ = stack.pop()
            if name != tag:
                raise HtmlParseError(f'Unmatched end tag at byte offset {byte_offset(begin)}, expected "</{tag}>", '
                                     f'found "</{name}>"')
            length = out_len - start_offset
            if length > 0:
                entity: dict[str, Any] = {"offset": start_offset, "length": length, "type": _ENTITY_TYPES[tag]}
                if tag == "a":
                    entity["url"] = attributes.get("href", "")
                elif tag == "tg-emoji":
                    entity["custom_emoji_id"] = attributes.get("emoji-id", "")
                elif tag == "blockquote" and "expandable" in attributes:
                    entity["type"] = "expandable_blockquote"
                elif tag == "pre":
                    inner = next((e for e in entities if e["type"] == "code" and e["offset"] == start_offset
                                  and e["length"] == length), None)
                    if inner is not None:
                        entities.remove(inner)
                        language = inner.pop("_language", None)
                        if language:
                            entity["language"] = language
                elif tag == "code":
                    language = attributes.get("class", "")
                    if language.startswith("language-"):
                        entity["_language"] = language[len("language-"):]
                entities.append(entity)
            i = end + 1
            continue
        j = i + 1
        while j < n and not source[j].isspace() and source[j] not in ">/":
            j += 1
        name = source[i + 1:j].lower()
        if name not in _HTML_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {byte_offset(begin)}')
        if end == -1:
            raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
        attributes = {m.group(1).lower(): html.unescape(next((g for g in m.groups()[1:] if g is not None), ""))
                      for m in _ATTR_RE.finditer(source[j:end])}
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}')
        stack.append((name, out_len, attributes, byte_offset(begin)))
        i = end + 1
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for entity in entities:
        entity.pop("_language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


# -- the Bot API ------------------------------------------------------------------------------

class BotApiError(Exception):
    """A refusal, turned into Telegram's error envelope by the dispatcher."""

    def __init__(self, error_code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters


def _bad_request(description: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {description}")


def _error_response(error: BotApiError) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": error.error_code, "description": error.description}
    if error.parameters:
        body["parameters"] = error.parameters
    return JSONResponse(body, status_code=error.error_code)


def _coerce(name: str, raw: str) -> Any:
    if name in _STRING_PARAMS:
        return raw
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return raw if isinstance(value, str) else value


def _same_chat(params: dict[str, Any], chat_id: int | str) -> bool:
    return str(params.get("chat_id")) == str(chat_id)


class FakeBotApi(LocalServer):
    """api.telegram.org on 127.0.0.1, for ``async with FakeBotApi() as api:``.

    ``token``, when given, is the only token accepted (others get 401 Unauthorized, as on
    Telegram); otherwise any token is, and the bot's id is the token's numeric prefix.

    ``calls`` holds every (method, params) that reached a method URL, refused or not; ``results``
    the (method, params, result) of the calls that succeeded.
    """

    def __init__(self, *, token: str | None = None):
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.results: list[tuple[str, dict[str, Any], Any]] = []
        self.downloads: list[str] = []  # file paths fetched from /file/bot<token>/
        self.answered_callbacks: list[str] = []
        self.commands: list[dict[str, Any]] | None = None
        self.webhook: dict[str, Any] | None = None
        self.files: dict[str, tuple[bytes, str]] = {}  # file_id -> (data, file_path)
        self.blocked: set[int] = set()
        self._failures: dict[str, list[BotApiError]] = {}
        self._messages: dict[int, dict[int, dict[str, Any]]] = {}  # chat id -> message id -> Message
        self._message_ids: dict[int, itertools.count] = {}
        self._polls: dict[str, dict[str, Any]] = {}
        self.pending_updates: list[dict[str, Any]] = []  # what getUpdates hands out (long polling)
        self._poll_ids = itertools.count(5_350_000_000_000_000_001)
        self._methods = {name.lower(): (name, handler) for name, handler in {
            "getMe": self._get_me,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getUpdates": self._get_updates,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPoll": self._send_poll,
            "stopPoll": self._stop_poll,
            "getFile": self._get_file,
        }.items()}
        methods = ["GET", "POST"]
        self.app = Starlette(routes=[
            Route("/file/bot{token}/{file_path:path}", self._download, methods=["GET"]),
            Route("/bot{token}/{method}", self._dispatch, methods=methods),
            Route("/{path:path}", self._not_found, methods=methods),
        ])

    # -- lifecycle ------------------------------------------------------------------------

    def make_bot(self, token: str = BOT_TOKEN) -> telegram.Bot:
        """A real ``telegram.Bot`` pointed at this fake (PTB appends the token to both URLs)."""
        return telegram.Bot(token, base_url=self.base_url + "/bot", base_file_url=self.base_url + "/file/bot")


    # -- test helpers ---------------------------------------------------------------------

    def add_file(self, file_id: str, data: bytes, file_path: str | None = None) -> None:
        """Make ``file_id`` known to getFile and downloadable (default path "photos/<file_id>.jpg")."""
        self.files[file_id] = (data, file_path or f"photos/{file_id}.jpg")

    def flood(self, method: str, times: int = 1, retry_after: int = 5) -> None:
        """The next ``times`` calls of ``method`` get 429 Too Many Requests with that retry_after."""
        error = BotApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        self._failures.setdefault(method.lower(), []).extend([error] * times)

    def fail(self, method: str, error_code: int = 400, description: str = "Bad Request: something went wrong",
             times: int = 1) -> None:
        """The next ``times`` calls of ``method`` get this error (e.g. 403 "Forbidden: ...", 502)."""
        error = BotApiError(error_code, description)
        self._failures.setdefault(method.lower(), []).extend([error] * times)

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sending to that chat gets 403 Forbidden."""
        self.blocked.add(chat_id)

    def successful(self, method: str) -> list[dict[str, Any]]:
        """The params of the successful calls of ``method``, in order."""
        return [params for name, params, _ in self.results if name.lower() == method.lower()]

    def sent_messages(self, chat_id: int | str) -> list[dict[str, Any]]:
        """The params of the successful sendMessage calls to that chat."""
        return [params for params in self.successful("sendMessage") if _same_chat(params, chat_id)]

    def sent_texts(self, chat_id: int | str) -> list[str]:
        return [params["text"] for params in self.sent_messages(chat_id)]

    def sent_polls(self, chat_id: int | str) -> list[dict[str, Any]]:
        """The params of the successful sendPoll calls to that chat."""
        return [params for params in self.successful("sendPoll") if _same_chat(params, chat_id)]

    def polls(self, chat_id: int | str) -> list[dict[str, Any]]:
        """The Poll objects sendPoll returned for that chat (their "id" is what poll answers name)."""
        return [result["poll"] for name, params, result in self.results
                if name == "sendPoll" and _same_chat(params, chat_id)]

    def next_message_id(self, chat_id: int) -> int:
        """Take the chat's next message id for a user's message (message ids are per chat, shared by
        everyone in it), so that the bot's later messages there do not reuse it."""
        return next(self._message_ids.setdefault(chat_id, itertools.count(_FIRST_MESSAGE_ID)))

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in that chat as Telegram now holds them (after edits, minus deletions)."""
        return list(self._messages.get(chat_id, {}).values())

    def method_calls(self, method: str) -> list[dict[str, Any]]:
        """The params of every call of ``method`` (refused ones included)."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    # -- HTTP -----------------------------------------------------------------------------

    async def _params(self, request: Request) -> dict[str, Any]:
        params: dict[str, Any] = {key: _coerce(key, value) for key, value in request.query_params.items()}
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json":
            raw = await request.body()
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise _bad_request("can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise _bad_request("JSON object expected")
                params.update(body)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            async with request.form() as form:
                for key, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        params[key] = {"filename": value.filename, "content": await value.read()}
                    else:
                        params[key] = _coerce(key, value)
        return params

    async def _dispatch(self, request: Request) -> Response:
        token = request.path_params["token"]
        requested = request.path_params["method"]
        name, handler = self._methods.get(requested.lower(), (requested, None))
        try:
            params = await self._params(request)
        except BotApiError as error:
            self.calls.append((name, {}))
            return _error_response(error)
        self.calls.append((name, params))
        try:
            if not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
                raise BotApiError(404, "Not Found")  # Telegram's answer to a malformed token
            if self.token is not None and token != self.token:
                raise BotApiError(401, "Unauthorized")
            if handler is None:
                raise BotApiError(404, "Not Found")
            queued = self._failures.get(name.lower())
            if queued:
                raise queued.pop(0)
            try:
                result, description = handler(params, int(token.split(":", 1)[0]))
            except (TypeError, ValueError, AttributeError) as exc:  # a parameter of the wrong type
                raise _bad_request(f"invalid parameters: {exc}") from None
        except BotApiError as error:
            return _error_response(error)
        if name == "getUpdates" and not result:  # a long poll that found nothing waits a little
            await asyncio.sleep(min(float(params.get("timeout") or 0), 0.05))
        self.results.append((name, params, result))
        body: dict[str, Any] = {"ok": True, "result": result}
        if description:
            body["description"] = description
        return JSONResponse(body)

    async def _download(self, request: Request) -> Response:
        file_path = request.path_params["file_path"]
        token = request.path_params["token"]
        self.downloads.append(file_path)
        if self.token is not None and token != self.token:
            return _error_response(BotApiError(401, "Unauthorized"))
        for data, path in self.files.values():
            if path == file_path:
                return Response(data, media_type=mimetypes.guess_type(path)[0] or "application/octet-stream")
        return _error_response(BotApiError(404, "Not Found"))

    async def _not_found(self, request: Request) -> Response:
        return _error_response(BotApiError(404, "Not Found"))

    # -- shared pieces --------------------------------------------------------------------

    @staticmethod
    def _require(params: dict[str, Any], *names: str) -> None:
        for name in names:
            if params.get(name) in (None, ""):
                raise _bad_request(f"{name} is empty" if name != "text" else "message text is empty")

    def _chat_id(self, params: dict[str, Any], *, sending: bool = True) -> int:
        self._require(params, "chat_id")
        chat_id = params["chat_id"]
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
                chat_id = int(chat_id)
            else:
                raise _bad_request("chat not found")  # @usernames name channels, not our users
        if sending and chat_id in self.blocked:
            raise BotApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        """The reply_markup as Telegram keeps it on the message: inline keyboards only."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None  # reply keyboards and removals are not part of the returned Message
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _bad_request("can't parse inline keyboard button: Text is empty")
                if not any(key in button for key in _BUTTON_ACTIONS):
                    raise _bad_request("can't parse inline keyboard button: Text buttons are unallowed in the "
                                       "inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                    raise _bad_request("BUTTON_DATA_INVALID")
        return markup

    @staticmethod
    def _formatted(text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]] | None]:
        text = "" if text is None else str(text)
        if str(parse_mode or "").lower() == "html":
            try:
                text, parsed = parse_html(text)
            except HtmlParseError as error:
                raise _bad_request(f"can't parse entities: {error}") from None
            return text, parsed or None
        return text, entities if isinstance(entities, list) and entities else None

    def _new_message(self, bot_id: int, chat_id: int, **fields: Any) -> dict[str, Any]:
        counter = self._message_ids.setdefault(chat_id, itertools.count(_FIRST_MESSAGE_ID))
        message: dict[str, Any] = {"message_id": next(counter), "from": bot_user(bot_id),
                                   "chat": make_chat(chat_id), "date": _now()}
        message.update({key: value for key, value in fields.items() if value is not None})
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        return message

    def _reply_to(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        message_id = reply.get("message_id") if isinstance(reply, dict) else params.get("reply_to_message_id")
        if message_id is None:
            return None
        known = self._messages.get(chat_id, {}).get(int(message_id))
        if known is not None:
            return _as_reply(known)
        # a user's message the fake never saw: Telegram would return it in full; a stand-in will do
        return {"message_id": int(message_id), "from": make_user(chat_id if chat_id > 0 else DEFAULT_GROUP_USER_ID),
                "chat": make_chat(chat_id), "date": _now()}

    def _stored_message(self, bot_id: int, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params, sending=False)
        self._require(params, "message_id")
        message_id = int(params["message_id"])
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None:
            # a bot message from before this fake started (e.g. a builder's callback_update): take it as given
            message = {"message_id": message_id, "from": bot_user(bot_id), "chat": make_chat(chat_id),
                       "date": _now() - 60, "text": "…"}
            self._messages.setdefault(chat_id, {})[message_id] = message
        return message

    # -- methods: each returns (result, description) ----------------------------------------

    def _get_me(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        return bot_user(bot_id, full=True), None

    def _set_webhook(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        url = str(params.get("url") or "")
        if not url:
            was_set = self.webhook is not None
            self.webhook = None
            return True, "Webhook was deleted" if was_set else "Webhook is already deleted"
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if (parts.port or 443) not in _WEBHOOK_PORTS:
            raise _bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        was_set = self.webhook is not None and self.webhook.get("url") == url
        self.webhook = dict(params)
        return True, "Webhook is already set" if was_set else "Webhook was set"

    def _delete_webhook(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        was_set = self.webhook is not None
        self.webhook = None
        return True, "Webhook was deleted" if was_set else "Webhook is already deleted"

    def _get_webhook_info(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        if self.webhook is None:
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}, None
        info: dict[str, Any] = {"url": self.webhook["url"], "has_custom_certificate": "certificate" in self.webhook,
                                "pending_update_count": 0,
                                "max_connections": int(self.webhook.get("max_connections") or 40),
                                "ip_address": str(self.webhook.get("ip_address") or "203.0.113.7")}
        if self.webhook.get("allowed_updates"):
            info["allowed_updates"] = list(self.webhook["allowed_updates"])
        return info, None

    def _get_updates(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        if self.webhook is not None:
            raise BotApiError(409, "Conflict: can't use getUpdates method while webhook is active; use "
                                   "deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]  # confirmed ones go
        limit = int(params.get("limit") or 100)
        return self.pending_updates[:limit], None

    def _set_my_commands(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("parameter \"commands\" is required")
        for command in commands:
            if not isinstance(command, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command"))):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description") or "")) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands = commands
        return True, None

    def _get_my_commands(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        return list(self.commands or []), None

    def _delete_my_commands(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        self.commands = None
        return True, None

    def _send_message(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        chat_id = self._chat_id(params)
        text, entities = self._formatted(params.get("text"), params.get("parse_mode"), params.get("entities"))
        if not text.strip():
            raise _bad_request("message text is empty")
        if _utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise _bad_request("message is too long")
        markup = self._check_markup(params.get("reply_markup"))
        message = self._new_message(bot_id, chat_id, reply_to_message=self._reply_to(chat_id, params), text=text,
                                    entities=entities, reply_markup=markup)
        return message, None

    def _edit_message_text(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        text, entities = self._formatted(params.get("text"), params.get("parse_mode"), params.get("entities"))
        if not text.strip():
            raise _bad_request("message text is empty")
        if _utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        markup = self._check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True, None
        message = self._stored_message(bot_id, params)
        message["text"] = text
        message.pop("entities", None)
        message.pop("reply_markup", None)
        if entities:
            message["entities"] = entities
        if markup is not None:
            message["reply_markup"] = markup
        message["edit_date"] = _now()
        return message, None

    def _edit_message_reply_markup(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        markup = self._check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True, None
        message = self._stored_message(bot_id, params)
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        message["edit_date"] = _now()
        return message, None

    def _delete_message(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        chat_id = self._chat_id(params, sending=False)
        self._require(params, "message_id")
        self._messages.get(chat_id, {}).pop(int(params["message_id"]), None)
        return True, None

    def _send_chat_action(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        self._chat_id(params)
        self._require(params, "action")
        return True, None

    def _answer_callback_query(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        self._require(params, "callback_query_id")
        if len(str(params.get("text") or "")) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self.answered_callbacks.append(str(params["callback_query_id"]))
        return True, None

    def _send_poll(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        chat_id = self._chat_id(params)
        question, question_entities = self._formatted(params.get("question"), params.get("question_parse_mode"),
                                                      params.get("question_entities"))
        if not 1 <= len(question) <= 300:
            raise _bad_request("POLL_QUESTION_INVALID" if question else "poll question must be non-empty")
        options = params.get("options")
        if not isinstance(options, list) or not options:
            raise _bad_request("poll must have at least 1 option")
        if len(options) > 12:
            raise _bad_request("poll can't have more than 12 options")
        poll_options = []
        for index, option in enumerate(options):
            option_text = option.get("text") if isinstance(option, dict) else option
            if not isinstance(option_text, str) or not 1 <= len(option_text) <= 100:
                raise _bad_request("POLL_OPTION_INVALID")
            poll_options.append({"text": option_text, "voter_count": 0, "persistent_id": str(index)})
        poll_type = str(params.get("type") or "regular")
        if poll_type not in ("regular", "quiz"):
            raise _bad_request("wrong poll type specified")
        correct = params.get("correct_option_ids")
        if correct is None and params.get("correct_option_id") is not None:
            correct = [params["correct_option_id"]]  # clients from before Bot API 9.6
        if poll_type == "quiz":
            if not isinstance(correct, list) or not correct:
                raise _bad_request("quiz poll must have correct option ids")
            if not all(isinstance(c, int) and 0 <= c < len(options) for c in correct):
                raise _bad_request("wrong correct option id specified")
        explanation, explanation_entities = self._formatted(params.get("explanation"),
                                                            params.get("explanation_parse_mode"),
                                                            params.get("explanation_entities"))
        if len(explanation) > 200 or explanation.count("\n") > 2:
            raise _bad_request("explanation is too long")
        open_period = params.get("open_period")
        if open_period is not None and not 5 <= int(open_period) <= 2_628_000:
            raise _bad_request("wrong open period specified")
        poll: dict[str, Any] = {
            "id": str(next(self._poll_ids)),
            "question": question,
            "options": poll_options,
            "total_voter_count": 0,
            "is_closed": bool(params.get("is_closed", False)),
            "is_anonymous": bool(params.get("is_anonymous", True)),
            "type": poll_type,
            "allows_multiple_answers": bool(params.get("allows_multiple_answers", False)),
            "allows_revoting": bool(params.get("allows_revoting", poll_type != "quiz")),
            "members_only": bool(params.get("members_only", False)),
        }
        if question_entities:
            poll["question_entities"] = question_entities
        if poll_type == "quiz":
            poll["correct_option_ids"] = list(correct)
        if explanation:
            poll["explanation"] = explanation
            if explanation_entities:
                poll["explanation_entities"] = explanation_entities
        if params.get("description"):
            poll["description"] = str(params["description"])
        if open_period is not None:
            poll["open_period"] = int(open_period)
            poll["close_date"] = _now() + int(open_period)
        elif params.get("close_date") is not None:
            poll["close_date"] = int(params["close_date"])
        self._polls[poll["id"]] = poll
        markup = self._check_markup(params.get("reply_markup"))
        message = self._new_message(bot_id, chat_id, reply_to_message=self._reply_to(chat_id, params), poll=poll,
                                    reply_markup=markup)
        return message, None

    def _stop_poll(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        message = self._stored_message(bot_id, params)
        poll = message.get("poll")
        if poll is None:
            raise _bad_request("message with poll to stop not found")
        if poll["is_closed"]:
            raise _bad_request("poll has already been closed")
        poll["is_closed"] = True
        return poll, None

    def _get_file(self, params: dict[str, Any], bot_id: int) -> tuple[Any, str | None]:
        self._require(params, "file_id")
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise _bad_request("invalid file_id")
        data, path = self.files[file_id]
        if len(data) > MAX_DOWNLOAD_SIZE:
            raise _bad_request("file is too big")
        return {"file_id": file_id, "file_unique_id": _unique_id(file_id), "file_size": len(data),
                "file_path": path}, None
