"""The Telegram fakes speak the real Bot API: checked with python-telegram-bot itself, not with the fakes' own code."""

from __future__ import annotations

import datetime as dtm
import json

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, filters
from telegram.warnings import PTBDeprecationWarning

from tests.fakes.telegram import (
    BOT_ID,
    BOT_TOKEN,
    BOT_USERNAME,
    FakeBotApi,
    callback_update,
    command_update,
    document_update,
    group_reply_update,
    photo_update,
    poll_answer_update,
    text_update,
)

USER = 424242
GROUP = -1001234567890
BASIC_GROUP = -4567


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch):
    # PTB 22.8 warns (an error under this suite's filterwarnings) whenever a time period such as
    # RetryAfter.retry_after or Poll.open_period is read as an int; opt in to timedelta values.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def api():
    async with FakeBotApi() as fake:
        yield fake


@pytest.fixture
async def bot(api):
    async with telegram.Bot(BOT_TOKEN, base_url=api.base_url + "/bot", base_file_url=api.base_url + "/file/bot") as b:
        yield b


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton("咨询", callback_data="menu:ask"),
         InlineKeyboardButton("投诉", callback_data="menu:complain")],
        [InlineKeyboardButton("网站", url="https://weiquan.example/")],
    ])


# -- the Bot API ------------------------------------------------------------------------------


async def test_initialize_gets_me(api, bot):
    assert bot.base_url == f"{api.base_url}/bot{BOT_TOKEN}"
    assert api.calls[0] == ("getMe", {})
    me = bot.bot
    assert (me.id, me.is_bot, me.username) == (BOT_ID, True, BOT_USERNAME)
    assert me.can_join_groups is True and me.can_read_all_group_messages is False
    assert me.supports_inline_queries is False
    assert me.api_kwargs == {}  # nothing PTB does not know


async def test_make_bot_is_the_same_bot(api):
    async with api.make_bot() as bot:
        assert bot.base_url == f"{api.base_url}/bot{BOT_TOKEN}"
        assert bot.base_file_url == f"{api.base_url}/file/bot{BOT_TOKEN}"
        assert bot.username == BOT_USERNAME


async def test_bot_id_comes_from_the_token(api):
    async with api.make_bot("123456:ABC-def") as bot:
        assert bot.id == 123456


async def test_send_message_round_trips_the_keyboard(api, bot):
    first = await bot.send_message(USER, "您好，请选择服务", reply_markup=keyboard())
    second = await bot.send_message(USER, "第二条")
    assert isinstance(first, telegram.Message)
    assert first.reply_markup == keyboard()
    assert first.text == "您好，请选择服务"
    assert first.chat.id == USER and first.chat.type == "private"
    assert first.from_user.id == BOT_ID and first.from_user.is_bot
    assert isinstance(first.date, dtm.datetime)
    assert second.message_id == first.message_id + 1
    assert second.reply_markup is None
    assert first.api_kwargs == {} and first.chat.api_kwargs == {}
    sent = api.sent_messages(USER)
    assert [p["text"] for p in sent] == ["您好，请选择服务", "第二条"]
    assert sent[0]["chat_id"] == USER
    assert sent[0]["reply_markup"] == keyboard().to_dict()
    assert api.sent_texts(USER) == ["您好，请选择服务", "第二条"]
    assert api.messages(USER)[0]["message_id"] == first.message_id


async def test_group_chats_are_groups(api, bot):
    supergroup = await bot.send_message(GROUP, "群消息")
    group = await bot.send_message(BASIC_GROUP, "群消息")
    assert supergroup.chat.type == "supergroup" and supergroup.chat.title
    assert group.chat.type == "group"
    assert api.sent_messages(GROUP)[0]["chat_id"] == GROUP
    assert api.sent_messages(str(BASIC_GROUP))  # either form of the chat id


async def test_reply_parameters_echo_the_replied_message(api, bot):
    first = await bot.send_message(USER, "一")
    reply = await bot.send_message(USER, "二", reply_to_message_id=first.message_id)
    assert reply.reply_to_message.message_id == first.message_id
    assert reply.reply_to_message.text == "一"


async def test_html_is_parsed_as_telegram_parses_it(api, bot):
    message = await bot.send_message(USER, "<b>投诉</b>编号 &lt;A-1&gt; &amp; <a href=\"https://x.example/\">详情</a>",
                                     parse_mode="HTML")
    assert message.text == "投诉编号 <A-1> & 详情"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 2), ("text_link", 13, 2)]
    assert message.entities[1].url == "https://x.example/"
    assert api.sent_messages(USER)[0]["parse_mode"] == "HTML"  # the params as sent

    with pytest.raises(BadRequest, match='(?i)Unsupported start tag "a-1" at byte offset 13'):
        await bot.send_message(USER, "投诉编号 <A-1>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)Can't find end tag corresponding to start tag \"b\""):
        await bot.send_message(USER, "<b>未闭合", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)Unmatched end tag"):
        await bot.send_message(USER, "<b><i>x</b></i>", parse_mode="HTML")
    assert len(api.sent_messages(USER)) == 1  # refused sends are not "sent"
    assert len(api.method_calls("sendMessage")) == 4  # but every call is recorded


async def test_refusals_of_bad_messages(api, bot):
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(USER, "   ")
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(USER, "长" * 4097)
    await bot.send_message(USER, "长" * 4096)
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("按钮", callback_data="数" * 22)]]))  # 66 bytes
    api.block(USER + 1)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(USER + 1, "在吗")


async def test_edit_message_reply_markup(api, bot):
    message = await bot.send_message(USER, "请选择", reply_markup=keyboard())
    edited = await bot.edit_message_reply_markup(USER, message.message_id)
    assert isinstance(edited, telegram.Message)
    assert edited.message_id == message.message_id and edited.reply_markup is None
    assert edited.edit_date is not None
    assert "reply_markup" not in api.messages(USER)[0]
    new = InlineKeyboardMarkup([[InlineKeyboardButton("已选：咨询", callback_data="noop")]])
    again = await bot.edit_message_reply_markup(USER, message.message_id, reply_markup=new)
    assert again.reply_markup == new
    # a message the fake never sent (e.g. the one in a builder's callback_update) can be edited too
    stranger = await bot.edit_message_reply_markup(USER, 1)
    assert stranger.message_id == 1


async def test_answer_callback_query(api, bot):
    assert await bot.answer_callback_query("4242420001", text="已收到") is True
    assert await bot.answer_callback_query("4242420002") is True
    assert api.answered_callbacks == ["4242420001", "4242420002"]


async def test_send_quiz_poll(api, bot):
    message = await bot.send_poll(USER, "网购商品七日无理由退货从何时起算？", ["下单之日", "收到商品之日", "付款之日"],
                                  type="quiz", correct_option_ids=[1], explanation="《消费者权益保护法》第二十五条",
                                  open_period=30, is_anonymous=False)
    poll = message.poll
    assert isinstance(poll, telegram.Poll)
    assert isinstance(poll.id, str) and poll.id
    assert poll.question == "网购商品七日无理由退货从何时起算？"
    assert [o.text for o in poll.options] == ["下单之日", "收到商品之日", "付款之日"]
    assert [o.voter_count for o in poll.options] == [0, 0, 0]
    assert poll.total_voter_count == 0 and poll.is_closed is False and poll.is_anonymous is False
    assert poll.type == "quiz" and poll.allows_multiple_answers is False
    assert poll.correct_option_ids == (1,)
    assert poll.explanation == "《消费者权益保护法》第二十五条"
    assert poll.open_period == dtm.timedelta(seconds=30)
    assert poll.close_date is not None
    assert poll.api_kwargs == {} and all(o.api_kwargs == {} for o in poll.options)
    sent = api.sent_polls(USER)
    assert len(sent) == 1 and sent[0]["type"] == "quiz" and sent[0]["correct_option_ids"] == [1]
    assert sent[0]["options"] == [{"text": "下单之日"}, {"text": "收到商品之日"}, {"text": "付款之日"}]
    assert sent[0]["is_anonymous"] is False and sent[0]["open_period"] == 30
    assert api.polls(USER)[0]["id"] == poll.id


async def test_the_deprecated_correct_option_id_still_reaches_the_fake(api, bot):
    # PTB 22.8 warns about correct_option_id (Bot API 9.6 replaced it) and sends correct_option_ids.
    with pytest.warns(PTBDeprecationWarning, match="correct_option_ids"):
        message = await bot.send_poll(USER, "问题", ["甲", "乙"], type="quiz", correct_option_id=1)
    assert message.poll.correct_option_ids == (1,)


async def test_regular_poll_and_poll_limits(api, bot):
    message = await bot.send_poll(GROUP, "满意吗？", ["满意", "一般", "不满意"])
    assert message.poll.type == "regular" and message.poll.is_anonymous is True
    assert message.poll.correct_option_ids == ()
    with pytest.raises(BadRequest):
        await bot.send_poll(USER, "问题", [str(i) for i in range(13)])
    with pytest.raises(BadRequest):
        await bot.send_poll(USER, "问题", ["甲", "乙"], type="quiz")  # no correct option
    stopped = await bot.stop_poll(GROUP, message.message_id)
    assert stopped.is_closed is True


async def test_get_file_and_download(api, bot):
    data = bytes(range(256)) * 40
    api.add_file("AgACAgUAAxkBAAIBQ2YAAQ", data)
    file = await bot.get_file("AgACAgUAAxkBAAIBQ2YAAQ")
    assert file.file_id == "AgACAgUAAxkBAAIBQ2YAAQ" and file.file_unique_id
    assert file.file_size == len(data)
    assert file.file_path == f"{api.base_url}/file/bot{BOT_TOKEN}/photos/AgACAgUAAxkBAAIBQ2YAAQ.jpg"
    assert await file.download_as_bytearray() == bytearray(data)
    assert api.downloads == ["photos/AgACAgUAAxkBAAIBQ2YAAQ.jpg"]

    api.add_file("BQACAgUAAxkBAAIB", b"%PDF-1.4", file_path="documents/file_3.pdf")
    document = await bot.get_file("BQACAgUAAxkBAAIB")
    assert bytes(await document.download_as_bytearray()) == b"%PDF-1.4"

    with pytest.raises(BadRequest, match="(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_commands_and_webhook_are_recorded(api, bot):
    assert api.commands is None and api.webhook is None
    assert await bot.set_my_commands([("start", "开始"), ("complain", "我要投诉")]) is True
    assert api.commands == [{"command": "start", "description": "开始"},
                            {"command": "complain", "description": "我要投诉"}]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "complain"]

    assert await bot.set_webhook("https://weiquan.example/telegram/webhook", secret_token="s3cret-Token_1",
                                 allowed_updates=["message", "callback_query", "poll_answer"]) is True
    assert api.webhook["url"] == "https://weiquan.example/telegram/webhook"
    assert api.webhook["secret_token"] == "s3cret-Token_1"
    assert api.webhook["allowed_updates"] == ["message", "callback_query", "poll_answer"]
    info = await bot.get_webhook_info()
    assert info.url == "https://weiquan.example/telegram/webhook" and info.pending_update_count == 0
    assert info.allowed_updates == ("message", "callback_query", "poll_answer")

    with pytest.raises(BadRequest, match="(?i)HTTPS URL must be provided"):
        await bot.set_webhook("http://weiquan.example/telegram/webhook")
    with pytest.raises(BadRequest, match="(?i)secret token"):
        await bot.set_webhook("https://weiquan.example/hook", secret_token="有中文")
    assert api.webhook["url"] == "https://weiquan.example/telegram/webhook"  # refusals change nothing

    assert await bot.delete_webhook() is True
    assert api.webhook is None
    assert (await bot.get_webhook_info()).url == ""


async def test_flooded_send_raises_retry_after(api, bot):
    api.flood("sendMessage", times=2, retry_after=7)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(USER, "刷屏")
        assert caught.value.retry_after == dtm.timedelta(seconds=7)
    message = await bot.send_message(USER, "终于")
    assert message.text == "终于"
    assert [p["text"] for p in api.sent_messages(USER)] == ["终于"]
    assert [name for name, _ in api.calls].count("sendMessage") == 3
    await bot.send_poll(USER, "不受影响", ["甲", "乙"])  # other methods are not flooded


async def test_flood_response_is_telegrams(api):
    api.flood("sendMessage", times=1, retry_after=12)
    async with httpx.AsyncClient(base_url=api.base_url) as client:
        response = await client.post(f"/bot{BOT_TOKEN}/sendMessage", json={"chat_id": USER, "text": "x"})
    assert response.status_code == 429
    assert response.json() == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 12",
                               "parameters": {"retry_after": 12}}


async def test_injected_failures(api, bot):
    api.fail("sendMessage", 403, "Forbidden: user is deactivated")
    with pytest.raises(Forbidden, match="(?i)user is deactivated"):
        await bot.send_message(USER, "x")
    await bot.send_message(USER, "y")


async def test_unknown_method_is_not_found(api, bot):
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("frobnicateWidgets", api_kwargs={"chat_id": USER})
    assert api.calls[-1] == ("frobnicateWidgets", {"chat_id": USER})
    async with httpx.AsyncClient(base_url=api.base_url) as client:
        response = await client.post(f"/bot{BOT_TOKEN}/frobnicateWidgets")
        elsewhere = await client.get("/robots.txt")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert elsewhere.status_code == 404


async def test_wrong_token_is_refused():
    async with FakeBotApi(token=BOT_TOKEN) as api:
        bot = api.make_bot("999:wrong-token")
        with pytest.raises(InvalidToken):
            await bot.initialize()
        await bot.shutdown()
        async with api.make_bot() as good:
            assert good.username == BOT_USERNAME


async def test_get_json_and_form_requests(api):
    async with httpx.AsyncClient(base_url=api.base_url) as client:
        me = await client.get(f"/bot{BOT_TOKEN}/getme")  # method names are case-insensitive
        by_query = await client.get(f"/bot{BOT_TOKEN}/sendMessage", params={"chat_id": USER, "text": "123"})
        inline = {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}
        by_json = await client.post(f"/bot{BOT_TOKEN}/sendMessage",
                                    json={"chat_id": USER, "text": "json", "reply_markup": inline})
        by_form = await client.post(f"/bot{BOT_TOKEN}/sendMessage", data={
            "chat_id": str(USER), "text": "true", "disable_notification": "true",
            "reply_markup": json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]})})
    assert me.json()["ok"] is True and me.json()["result"]["username"] == BOT_USERNAME
    assert by_query.json()["result"]["text"] == "123"
    assert by_json.json()["result"]["reply_markup"] == inline
    assert by_form.json()["result"]["text"] == "true"
    form_params = api.sent_messages(USER)[-1]
    assert form_params == {"chat_id": USER, "text": "true", "disable_notification": True,
                           "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}}
    assert api.calls[0] == ("getMe", {})


# -- update builders --------------------------------------------------------------------------


def parse(data: dict, bot: telegram.Bot) -> Update:
    json.dumps(data)  # plain JSON, as Telegram posts it
    update = Update.de_json(data, bot)
    assert update.api_kwargs == {}
    return update


@pytest.fixture
def offline_bot() -> telegram.Bot:
    return telegram.Bot(BOT_TOKEN)


def test_text_update(offline_bot):
    update = parse(text_update(1, USER, "我买的手机有质量问题", message_id=7), offline_bot)
    assert update.update_id == 1
    message = update.message
    assert message.text == "我买的手机有质量问题" and message.message_id == 7
    assert message.chat.id == USER and message.chat.type == "private"
    assert message.from_user.id == USER and message.from_user.is_bot is False and message.from_user.first_name
    assert message.entities == () and message.reply_to_message is None
    assert update.effective_user.id == USER and update.effective_chat.id == USER
    assert message.api_kwargs == {}


def test_text_update_in_a_group_and_replying(offline_bot):
    earlier = text_update(1, USER, "第一句", message_id=3)["message"]
    update = parse(text_update(2, USER, "第二句", message_id=4, reply_to=earlier), offline_bot)
    assert update.message.reply_to_message.text == "第一句"
    group = parse(text_update(3, GROUP, "群里说话", user_id=555), offline_bot)
    assert group.message.chat.type == "supergroup" and group.message.from_user.id == 555


def test_command_update(offline_bot):
    for command in ("/start", "start"):
        update = parse(command_update(4, USER, command), offline_bot)
        assert update.message.text == "/start"
        assert update.message.entities[0].type == "bot_command"
        assert update.message.parse_entities(["bot_command"]) == {update.message.entities[0]: "/start"}
        assert filters.COMMAND.check_update(update)


def test_callback_update(offline_bot):
    update = parse(callback_update(5, USER, "menu:complain", message_id=1001), offline_bot)
    query = update.callback_query
    assert query.data == "menu:complain"
    assert isinstance(query.id, str) and query.chat_instance
    assert query.from_user.id == USER
    assert isinstance(query.message, telegram.Message)  # accessible, not InaccessibleMessage
    assert query.message.message_id == 1001 and query.message.from_user.id == BOT_ID
    assert query.message.chat.id == USER
    assert update.effective_chat.id == USER and update.effective_user.id == USER
    other = parse(callback_update(6, USER, "x"), offline_bot)
    assert other.callback_query.id != query.id


def test_photo_update(offline_bot):
    update = parse(photo_update(7, USER, "AgACAgUAAxkBAAIBQ2YAAQ"), offline_bot)
    photo = update.message.photo
    assert len(photo) > 1
    assert photo[-1].file_id == "AgACAgUAAxkBAAIBQ2YAAQ"
    assert [p.width for p in photo] == sorted(p.width for p in photo)
    assert len({p.file_id for p in photo}) == len({p.file_unique_id for p in photo}) == len(photo)
    assert update.message.effective_attachment == photo


def test_document_update(offline_bot):
    update = parse(document_update(8, USER, "BQACAgUAAxkBAAIB"), offline_bot)
    document = update.message.document
    assert document.file_id == "BQACAgUAAxkBAAIB" and document.file_name == "receipt.pdf"
    assert document.mime_type == "application/pdf" and document.file_size > 0
    assert filters.Document.PDF.check_update(update)


def test_poll_answer_update(offline_bot):
    update = parse(poll_answer_update(9, "5350000000000000001", USER, [1]), offline_bot)
    answer = update.poll_answer
    assert answer.poll_id == "5350000000000000001"
    assert answer.option_ids == (1,)
    assert answer.option_persistent_ids == ("1",)
    assert answer.user.id == USER and update.effective_user.id == USER
    retracted = parse(poll_answer_update(10, "5350000000000000001", USER, []), offline_bot)
    assert retracted.poll_answer.option_ids == ()


async def test_group_reply_update_to_a_message_the_fake_sent(api, bot):
    sent = await bot.send_message(GROUP, "请回复本消息补充材料")
    replied = api.messages(GROUP)[-1]
    update = parse(group_reply_update(11, GROUP, 555, "补充：订单号 123", replied), bot)
    message = update.message
    assert message.text == "补充：订单号 123"
    assert message.chat.id == GROUP and message.chat.type == "supergroup"
    assert message.from_user.id == 555
    assert message.reply_to_message.message_id == sent.message_id
    assert message.reply_to_message.from_user.id == bot.id
    assert message.reply_to_message.text == "请回复本消息补充材料"
    assert message.message_id > sent.message_id
    assert filters.REPLY.check_update(update)

    own_id = api.next_message_id(GROUP)
    again = parse(group_reply_update(12, GROUP, 555, "再补充", replied, message_id=own_id), bot)
    later = await bot.send_message(GROUP, "已收到")
    assert sent.message_id < again.message.message_id < later.message_id


async def test_parameters_of_the_wrong_type_are_bad_requests(api):
    async with httpx.AsyncClient(base_url=api.base_url) as client:
        response = await client.post(f"/bot{BOT_TOKEN}/editMessageReplyMarkup",
                                     json={"chat_id": USER, "message_id": "abc"})
    assert response.status_code == 400 and response.json()["ok"] is False
    assert response.json()["description"].startswith("Bad Request: ")


async def test_builders_drive_a_real_application(api, bot):
    """A PTB Application fed the builders' updates answers through the fake."""
    application = ApplicationBuilder().bot(bot).updater(None).build()

    async def start(update, context):
        await update.message.reply_text("欢迎使用消费维权助手", reply_markup=keyboard())

    async def pressed(update, context):
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(None)

    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    async with application:
        await application.process_update(Update.de_json(command_update(20, USER, "/start"), application.bot))
        welcome = api.messages(USER)[-1]
        await application.process_update(Update.de_json(
            callback_update(21, USER, "menu:ask", message_id=welcome["message_id"]), application.bot))
    assert api.sent_texts(USER) == ["欢迎使用消费维权助手"]
    assert api.answered_callbacks == [f"{USER}{21:09d}"]
    assert "reply_markup" not in api.messages(USER)[-1]
