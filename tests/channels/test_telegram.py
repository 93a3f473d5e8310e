"""The Telegram channel through python-telegram-bot, against a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from telegram import Update

from bot import texts
from bot.app import create_app
from bot.channels.telegram_bot import CALLBACK_BYTES, keyboard, to_incoming
from bot.channels.telegram_sender import Pacer, deliver_pending, poll_explanation
from bot.complaints.models import CaseRow
from bot.core import outbox
from bot.core.messages import Button, Poll, Reply, UserRef
from bot.core.tables import OutboxRow, TurnEventRow
from bot.runtime import start_runtime
from bot.staff.models import HandoffRow
from tests.conftest import PROJECT_ROOT, make_config
from tests.fakes.telegram import (
    BOT_TOKEN,
    FakeBotApi,
    callback_update,
    command_update,
    group_reply_update,
    photo_update,
    poll_answer_update,
    text_update,
)
from tests.scenarios.chat import COMPLAINT_ANSWERS

SECRET = "weiquan-webhook-secret_0123"
STAFF_GROUP = -100_555_0001
HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Telegram:
    """One citizen-facing bot: the app's webhook, the fake Bot API and the outbox sender."""

    def __init__(self, runtime, client: httpx.AsyncClient, api: FakeBotApi, config):
        self.runtime, self.client, self.api, self.config = runtime, client, api, config
        self.update_ids = iter(range(800_000_001, 900_000_000))
        self.clock = [0.0]

    def next_id(self) -> int:
        return next(self.update_ids)

    async def post(self, update: dict, *, secret: str = SECRET) -> httpx.Response:
        return await self.client.post("/telegram", json=update, headers={HEADER: secret})

    async def say(self, chat: int, text: str) -> httpx.Response:
        return await self.post(text_update(self.next_id(), chat, text))

    async def deliver(self) -> int:
        """One round of the sender (a fake clock, so the per-chat spacing never sleeps)."""
        def tick() -> float:
            self.clock[0] += 1.0
            return self.clock[0]

        async with self.api.make_bot() as bot:
            return await deliver_pending(self.runtime.sessions, bot, Pacer(tick), datetime.now(UTC))


@pytest.fixture
async def telegram(tmp_path, database_url, knowledge):
    async with FakeBotApi(token=BOT_TOKEN) as api:
        config = make_config(tmp_path, database_url, WEIQUAN_TELEGRAM_TOKEN=BOT_TOKEN,
                             WEIQUAN_TELEGRAM_SECRET=SECRET, WEIQUAN_TELEGRAM_API_BASE=api.base_url,
                             WEIQUAN_TELEGRAM_STAFF_CHAT_ID=str(STAFF_GROUP))
        runtime = await start_runtime(config, knowledge=knowledge)
        app = create_app(config, runtime=runtime)
        try:
            async with app.state.channels["telegram"].bot, httpx.AsyncClient(  # the bot as the lifespan would start it
                    transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
                yield Telegram(runtime, client, api, config)
        finally:
            await runtime.close()


async def turns(runtime) -> int:
    async with runtime.sessions() as session:
        return await session.scalar(select(func.count(TurnEventRow.id)).where(TurnEventRow.duplicate.is_(False)))


async def undelivered(runtime) -> list[OutboxRow]:
    async with runtime.sessions() as session:
        return list(await session.scalars(select(OutboxRow).where(OutboxRow.delivered_at.is_(None))))


async def test_a_question_is_answered_with_its_citation_and_buttons(telegram):
    response = await telegram.say(4201, "网购的衣服七天内能退吗")
    assert response.status_code == 200
    assert await telegram.deliver() == 1
    (sent,) = telegram.api.sent_messages(4201)
    assert "依据：《消费者权益保护法》第二十五条" in sent["text"]
    buttons = [row[0] for row in sent["reply_markup"]["inline_keyboard"]]
    assert buttons and all(len(b["callback_data"].encode()) <= CALLBACK_BYTES for b in buttons)


@pytest.mark.parametrize("secret", ["", "wrong-secret", "sécret".encode("latin-1")])
async def test_updates_without_the_secret_are_refused(telegram, secret):
    response = await telegram.post(text_update(telegram.next_id(), 4202, "你好"), secret=secret)
    assert response.status_code == 403
    assert await turns(telegram.runtime) == 0


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"update_id": "x", "message": 5}', b"\xff\xfe", b""])
async def test_malformed_updates_get_400_and_never_500(telegram, body):
    response = await telegram.client.post("/telegram", content=body, headers={HEADER: SECRET})
    assert response.status_code == 400
    assert await turns(telegram.runtime) == 0


async def test_a_huge_update_is_refused(telegram):
    huge = text_update(telegram.next_id(), 4203, "投" * 300_000)
    response = await telegram.post(huge)
    assert response.status_code == 413


async def test_a_redelivered_update_runs_one_turn(telegram):
    update = text_update(telegram.next_id(), 4204, "过期食品怎么赔")
    responses = await asyncio.gather(*(telegram.post(update) for _ in range(3)))
    assert {r.status_code for r in responses} == {200}
    assert await turns(telegram.runtime) == 1
    assert len(await undelivered(telegram.runtime)) == 1, "the answer is queued once"


async def test_commands_buttons_and_unknown_commands(telegram):
    await telegram.post(command_update(telegram.next_id(), 4205, "start"))
    await telegram.post(callback_update(telegram.next_id(), 4205, "complaint", callback_id="cb-1"))
    await telegram.post(command_update(telegram.next_id(), 4205, "/frobnicate"))
    await telegram.deliver()
    texts = telegram.api.sent_texts(4205)
    assert "消费维权助手" in texts[0]
    assert any("投诉还是举报" in text for text in texts)
    assert len(await undelivered(telegram.runtime)) == 0 and await turns(telegram.runtime) == 3, \
        "an unknown command is a turn with an answer too"
    assert telegram.api.answered_callbacks == ["cb-1"], "every button press is acknowledged"


async def test_a_complaint_by_buttons_with_a_photo(telegram):
    api, chat = telegram.api, 4206
    png = b"\x89PNG\r\n\x1a\n" + b"receipt" * 50
    api.add_file("photo-receipt", png, "photos/file_7.png")
    await telegram.post(command_update(telegram.next_id(), chat, "complaint"))
    pressed = 0
    for answer in ["投诉", *COMPLAINT_ANSWERS[1:11], "photo", "完成", *COMPLAINT_ANSWERS[12:], "确认"]:
        await telegram.deliver()
        if answer == "photo":
            await telegram.post(photo_update(telegram.next_id(), chat, "photo-receipt"))
            continue
        shown = [m for m in api.sent_messages(chat) if "reply_markup" in m][-1]["reply_markup"]["inline_keyboard"]
        button = next((row[0] for row in shown if row[0]["callback_data"] == f"form:{answer}"), None)
        if button is None:
            await telegram.say(chat, answer)
        else:
            pressed += 1
            await telegram.post(callback_update(telegram.next_id(), chat, button["callback_data"]))
    await telegram.deliver()
    assert pressed >= 6, "every choice on the way was a button press"
    async with telegram.runtime.sessions() as session:
        case = await session.scalar(select(CaseRow))
    digest = hashlib.sha256(png).hexdigest()
    assert case.channel == "telegram" and case.evidence == [f"media:evidence:{digest}.png"]
    assert (telegram.config.app.data_dir / "evidence" / f"{digest}.png").read_bytes() == png
    assert any(case.ticket in text for text in api.sent_texts(chat))
    await telegram.post(command_update(telegram.next_id(), chat, "status"))
    await telegram.deliver()
    assert case.ticket in api.sent_texts(chat)[-1]


async def test_the_quiz_as_native_quiz_polls(telegram):
    api, chat = telegram.api, 4207
    await telegram.post(command_update(telegram.next_id(), chat, "quiz"))
    await telegram.deliver()
    (params,) = api.sent_polls(chat)
    intro = api.sent_texts(chat)[0]
    assert "点选" in intro and "字母" not in intro, "a poll is tapped, not answered with letters"
    assert params["type"] == "quiz" and params["is_anonymous"] is False
    assert params["question"].startswith("第1/10题") and params["correct_option_ids"]
    assert "（依据：《" in params["explanation"] and len(params["explanation"]) <= 200
    assert params["open_period"] == telegram.config.quiz.seconds_per_question
    (poll,) = api.polls(chat)
    correct = list(poll["correct_option_ids"])
    await telegram.post(poll_answer_update(telegram.next_id(), poll["id"], chat, correct))
    await telegram.deliver()
    assert any("回答正确" in text for text in api.sent_texts(chat))
    assert api.sent_polls(chat)[-1]["question"].startswith("第2/10题")
    await telegram.post(poll_answer_update(telegram.next_id(), "no-such-poll", chat, [0]))
    assert len(api.sent_polls(chat)) == 2, "a vote on a poll we do not know is ignored"


async def test_a_hand_off_is_answered_from_the_staff_group(telegram):
    api, chat = telegram.api, 4208
    await telegram.say(chat, "转人工")
    await telegram.deliver()
    notice = api.messages(STAFF_GROUP)[-1]
    assert "#H" in notice["text"]
    await telegram.say(chat, "商场不给退押金")
    await telegram.deliver()
    assert "市民：商场不给退押金" in api.messages(STAFF_GROUP)[-1]["text"]
    reply = group_reply_update(telegram.next_id(), STAFF_GROUP, 10_001, "您好，我是值班员，请讲。", notice,
                               message_id=api.next_message_id(STAFF_GROUP))
    assert (await telegram.post(reply)).status_code == 200
    assert (await telegram.post(reply)).status_code == 200, "Telegram redelivers an update"
    await telegram.deliver()
    citizen = api.sent_texts(chat)
    assert any("已接入" in text for text in citizen) and any("请讲" in text for text in citizen)
    assert sum("请讲" in text for text in citizen) == 1, "a redelivered staff reply is relayed once"
    close = group_reply_update(telegram.next_id(), STAFF_GROUP, 10_001, "/close", notice,
                               message_id=api.next_message_id(STAFF_GROUP))
    await telegram.post(close)
    async with telegram.runtime.sessions() as session:
        handoff = await session.scalar(select(HandoffRow))
    assert handoff.status == "closed"
    assert await turns(telegram.runtime) == 2, "staff-group messages are not citizen turns"


async def test_too_many_requests_is_honoured(telegram):
    api, chat = telegram.api, 4209
    await telegram.say(chat, "假一赔三")
    api.flood("sendMessage", times=1, retry_after=7)
    assert await telegram.deliver() == 0
    async with telegram.runtime.sessions() as session:
        row = await session.scalar(select(OutboxRow))
    waited = row.next_attempt_at.replace(tzinfo=row.next_attempt_at.tzinfo or UTC) - datetime.now(UTC)
    assert timedelta(seconds=5) < waited <= timedelta(seconds=7)
    assert await telegram.deliver() == 0, "not retried before retry_after"
    async with telegram.api.make_bot() as bot:
        later = datetime.now(UTC) + timedelta(seconds=8)
        assert await deliver_pending(telegram.runtime.sessions, bot, Pacer(), later) == 1
    assert len(api.sent_messages(chat)) == 1


async def test_a_blocked_user_fails_after_retries_and_loses_nothing_else(telegram):
    api = telegram.api
    api.block(4210)
    await telegram.say(4210, "假一赔三")
    await telegram.say(4211, "假一赔三")
    assert await telegram.deliver() == 1
    async with telegram.runtime.sessions() as session:
        blocked = await session.scalar(select(OutboxRow).where(OutboxRow.external_id == "4210"))
    assert blocked.delivered_at is None and "Forbidden" in blocked.last_error


class FailsSecondMessage(Pacer):
    """Paces as usual, and makes the Bot API refuse the second message of the round."""

    def __init__(self, api) -> None:
        super().__init__(clock=iter(range(10**6)).__next__)
        self.api, self.calls = api, 0

    async def wait(self, chat: str) -> None:
        self.calls += 1
        if self.calls == 2:
            self.api.fail("sendMessage", error_code=502, description="Bad Gateway")
        await super().wait(chat)


async def test_a_retried_row_resumes_after_the_messages_already_sent(telegram):
    chat = 4212
    async with telegram.runtime.sessions.begin() as session:
        outbox.push(session, UserRef("telegram", str(chat)), [Reply("第一条"), Reply("第二条"), Reply("第三条")],
                    now=datetime.now(UTC))
    async with telegram.api.make_bot() as bot:
        assert await deliver_pending(telegram.runtime.sessions, bot, FailsSecondMessage(telegram.api),
                                     datetime.now(UTC)) == 0
        assert telegram.api.sent_texts(chat) == ["第一条"]
        later = datetime.now(UTC) + timedelta(minutes=1)
        assert await deliver_pending(telegram.runtime.sessions, bot, Pacer(iter(range(10**6)).__next__), later) == 1
    assert telegram.api.sent_texts(chat) == ["第一条", "第二条", "第三条"], "nothing sent twice, nothing lost"


@pytest.mark.parametrize("command", sorted(texts.TELEGRAM_COMMANDS))
def test_every_published_command_is_understood(command):
    """The menu Telegram shows (texts.TELEGRAM_COMMANDS) and the commands the bot translates stay one list."""
    incoming = to_incoming(Update.de_json(command_update(1, 4300, f"/{command}"), None))
    assert incoming.payload or not incoming.text.startswith("/"), f"/{command} would be an unknown command"


async def test_the_pacer_spaces_messages_to_one_chat():
    now = [0.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(lambda: now[0], fake_sleep)
    for _ in range(3):
        await pacer.wait("4301")
    await pacer.wait("4302")
    for _ in range(2):
        await pacer.wait(str(STAFF_GROUP))
    assert slept == [1.0, 1.0, 3.0] and now[0] == 5.0


async def test_long_answers_are_split_with_the_keyboard_under_the_last_part(telegram):
    long = Reply("法" * 5000, (Button("查看法条原文", "full"),))
    async with telegram.runtime.sessions.begin() as session:
        session.add(OutboxRow(channel="telegram", external_id="4303", replies=[long.to_dict()],
                              created_at=datetime.now(UTC), attempts=0))
    assert await telegram.deliver() == 1
    first, second = telegram.api.sent_messages(4303)
    assert len(first["text"]) == 4096 and len(second["text"]) == 904
    assert "reply_markup" not in first and second["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "full"


def test_every_button_payload_fits_in_callback_data(knowledge):
    longest_faq = max(len(f"faq:{entry.id}".encode()) for entry in knowledge.faq)
    assert longest_faq <= CALLBACK_BYTES
    markup = keyboard(Reply("x", (Button("很长", "faq:" + "消费者权益" * 10),))).to_dict()
    data = markup["inline_keyboard"][0][0]["callback_data"]
    assert len(data.encode()) <= CALLBACK_BYTES, "an over-long payload is cut at a character boundary"


def test_a_long_explanation_is_shortened_but_keeps_its_article():
    basis = "（依据：《消费者权益保护法》第55条）"
    poll = Poll("题", ("甲", "乙"), (0,), "经营者提供商品有欺诈行为的，" * 30, basis, 60)
    shown = poll_explanation(poll)
    assert len(shown) == 200 and shown.endswith(basis) and "…" in shown


async def test_two_workers_on_one_database_run_an_update_once(tmp_path, database_url, knowledge):
    async with FakeBotApi() as api:
        config = make_config(tmp_path, database_url, WEIQUAN_TELEGRAM_TOKEN=BOT_TOKEN,
                             WEIQUAN_TELEGRAM_SECRET=SECRET, WEIQUAN_TELEGRAM_API_BASE=api.base_url)
        first = await start_runtime(config, knowledge=knowledge)
        second = await start_runtime(config, knowledge=knowledge, migrate=False)
        apps = [create_app(config, runtime=r) for r in (first, second)]
        clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") for app in apps]
        try:
            update = text_update(900_000_001, 4212, "七天无理由退货")
            await asyncio.gather(*(c.post("/telegram", json=update, headers={HEADER: SECRET})
                                   for c in clients for _ in range(2)))
            async with api.make_bot() as bot:
                delivered = await asyncio.gather(deliver_pending(first.sessions, bot, Pacer(), datetime.now(UTC)),
                                                 deliver_pending(second.sessions, bot, Pacer(), datetime.now(UTC)))
            assert await turns(first) == 1
            assert sum(delivered) == 1 and len(api.sent_messages(4212)) == 1
        finally:
            for client in clients:
                await client.aclose()
            await first.close()
            await second.close()


async def test_the_webhook_is_registered_by_the_cli(tmp_path):
    async with FakeBotApi(token=BOT_TOKEN) as api:
        env = {**os.environ, "WEIQUAN_APP_DATA_DIR": str(tmp_path), "WEIQUAN_TELEGRAM_TOKEN": BOT_TOKEN,
               "WEIQUAN_TELEGRAM_SECRET": SECRET, "WEIQUAN_TELEGRAM_API_BASE": api.base_url}
        env.pop("DATABASE_URL", None)
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bot", "telegram", "webhook", "set",
                             "https://weiquan.example.gov.cn/telegram"],
            env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert api.webhook["url"] == "https://weiquan.example.gov.cn/telegram"
    assert api.webhook["secret_token"] == SECRET
    assert json.loads(json.dumps(api.webhook["allowed_updates"])) == ["message", "callback_query", "poll_answer"]
    assert {c["command"] for c in api.commands} >= {"start", "complaint", "status", "quiz", "human"}


def poll_environment(tmp_path, api: FakeBotApi) -> dict[str, str]:
    env = {**os.environ, "WEIQUAN_APP_DATA_DIR": str(tmp_path), "WEIQUAN_TELEGRAM_TOKEN": BOT_TOKEN,
           "WEIQUAN_TELEGRAM_API_BASE": api.base_url}
    env.pop("DATABASE_URL", None)
    return env


async def test_long_polling_answers_without_a_webhook(tmp_path):
    async with FakeBotApi(token=BOT_TOKEN) as api:
        api.pending_updates.append(text_update(700_000_001, 4401, "网购的衣服七天内能退吗"))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "telegram", "poll", env=poll_environment(tmp_path, api), cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            for _ in range(600):
                if api.sent_messages(4401) or process.returncode is not None:
                    break
                await asyncio.sleep(0.1)
        finally:
            if process.returncode is None:
                process.terminate()
            _, stderr = await process.communicate()
    assert api.sent_messages(4401), stderr.decode()
    assert "依据" in api.sent_texts(4401)[0]
    offsets = [params.get("offset") for params in api.successful("getUpdates")]
    assert 700_000_002 in offsets, "the update is confirmed by the next poll's offset"


async def test_long_polling_survives_a_bad_gateway(tmp_path):
    """A 502 from getUpdates is passing trouble: the poller waits and polls again instead of exiting."""
    async with FakeBotApi(token=BOT_TOKEN) as api:
        api.fail("getUpdates", error_code=502, description="Bad Gateway")
        api.pending_updates.append(text_update(700_000_101, 4402, "买到假货怎么赔"))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "telegram", "poll", env=poll_environment(tmp_path, api), cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            for _ in range(600):
                if api.sent_messages(4402) or process.returncode is not None:
                    break
                await asyncio.sleep(0.1)
        finally:
            if process.returncode is None:
                process.terminate()
            _, stderr = await process.communicate()
    assert api.sent_messages(4402), stderr.decode()


async def test_polling_refuses_while_a_webhook_is_set(tmp_path):
    async with FakeBotApi(token=BOT_TOKEN) as api:
        api.webhook = {"url": "https://weiquan.example.gov.cn/telegram"}
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bot", "telegram", "poll"], env=poll_environment(tmp_path, api),
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2 and "webhook" in done.stderr


async def test_the_server_starts_when_telegram_is_unreachable(tmp_path, database_url, knowledge, caplog):
    config = make_config(tmp_path, database_url, WEIQUAN_TELEGRAM_TOKEN=BOT_TOKEN, WEIQUAN_TELEGRAM_SECRET=SECRET,
                         WEIQUAN_TELEGRAM_API_BASE="http://127.0.0.1:9")  # nothing listens on the discard port
    runtime = await start_runtime(config, knowledge=knowledge)
    app = create_app(config, runtime=runtime)
    try:
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
                assert (await client.get("/healthz")).status_code == 200
    finally:
        await runtime.close()
    assert "Telegram Bot API not reachable" in caplog.text and BOT_TOKEN not in caplog.text


async def test_citizens_are_answered_while_the_sender_paces(telegram):
    """Sending holds no transaction: on SQLite that would be the write lock, and turns would wait."""
    await telegram.say(4501, "假一赔三")
    await telegram.say(4501, "过期食品怎么赔")  # the second message to that chat waits a second
    now = [0.0]
    answered_meanwhile = []

    async def sleep_while_a_citizen_writes(seconds: float) -> None:
        response = await asyncio.wait_for(telegram.say(4502, "七天无理由退货"), 5)
        answered_meanwhile.append(response.status_code)
        now[0] += seconds

    async with telegram.api.make_bot() as bot:
        pacer = Pacer(lambda: now[0], sleep_while_a_citizen_writes)
        assert await deliver_pending(telegram.runtime.sessions, bot, pacer, datetime.now(UTC)) == 2
    assert answered_meanwhile == [200]
