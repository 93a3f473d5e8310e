"""The engine's promises, on SQLite and PostgreSQL: one transaction per turn, dedup, no lost updates."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bot.core.engine import Engine
from bot.core.messages import IncomingMessage, MessageKind, UserRef
from bot.core.router import Route, Router
from bot.core.tables import ConversationRow, ProcessedMessageRow, TurnEventRow
from bot.db import create_reader_factory, create_session_factory
from handlers import ROUTES, qa


def text_message(user_id: str, text: str, key: str | None = None) -> IncomingMessage:
    return IncomingMessage(UserRef("test", user_id), MessageKind.TEXT, text=text, dedup_key=key)


async def count(runtime, column, *conditions) -> int:
    async with create_session_factory(runtime.database)() as session:
        return await session.scalar(select(func.count(column)).where(*conditions))


async def conversation_row(runtime, user_id: str) -> ConversationRow:
    async with create_session_factory(runtime.database)() as session:
        return await session.scalar(select(ConversationRow).where(ConversationRow.external_id == user_id))


async def test_a_retried_message_is_handled_once_and_gets_the_same_replies(runtime):
    first = await runtime.engine.handle(text_message("u1", "网购的衣服不想要了能退吗", key="m-1"))
    again = await runtime.engine.handle(text_message("u1", "网购的衣服不想要了能退吗", key="m-1"))
    assert again == first
    assert await count(runtime, ProcessedMessageRow.dedup_key) == 1
    assert await count(runtime, TurnEventRow.id, TurnEventRow.duplicate.is_(False)) == 1
    assert await count(runtime, TurnEventRow.id, TurnEventRow.duplicate.is_(True)) == 1
    assert (await conversation_row(runtime, "u1")).version == 2


async def test_concurrent_copies_of_one_message_run_one_turn(runtime):
    copies = [text_message("u2", "过期食品怎么赔", key="dup") for _ in range(6)]
    results = await asyncio.gather(*(runtime.engine.handle(message) for message in copies))
    assert all(result == results[0] for result in results)
    assert await count(runtime, TurnEventRow.id, TurnEventRow.duplicate.is_(False)) == 1
    assert (await conversation_row(runtime, "u2")).version == 2


async def test_concurrent_messages_of_one_user_lose_no_update(runtime):
    questions = [f"消法第{n}条" for n in range(1, 13)]
    await asyncio.gather(*(runtime.engine.handle(text_message("u3", q, key=f"k{n}")) for n, q in enumerate(questions)))
    row = await conversation_row(runtime, "u3")
    assert row.version == 1 + len(questions)
    assert await count(runtime, TurnEventRow.id) == len(questions)


async def test_first_contact_from_many_users_at_once(runtime):
    await asyncio.gather(*(runtime.engine.handle(text_message(f"new{n}", "你好")) for n in range(10)))
    assert await count(runtime, ConversationRow.id) == 10


async def test_a_failed_turn_stores_nothing_and_its_retry_runs_fresh(runtime):
    """A crash mid-turn (here: a handler that raises) rolls the whole turn back, dedup key included."""

    async def crash(_turn):
        raise RuntimeError("process died mid-turn")

    crashing = Engine(
        sessions=create_session_factory(runtime.database),
        readers=create_reader_factory(runtime.database),
        router=Router(ROUTES, Route("qa", lambda _turn: True, crash)),
        services=runtime.services,
        idle_expiry=timedelta(days=1),
    )
    with pytest.raises(RuntimeError):
        await crashing.handle(text_message("u4", "假货怎么赔", key="crash-1"))
    assert await count(runtime, ProcessedMessageRow.dedup_key) == 0
    assert await count(runtime, TurnEventRow.id) == 0
    replies = await runtime.engine.handle(text_message("u4", "假货怎么赔", key="crash-1"))
    assert replies and "依据" in replies[0].text


async def test_context_expires_after_the_idle_time(runtime):
    await runtime.engine.handle(text_message("u5", "消法第55条"))
    replies = await runtime.engine.handle(text_message("u5", "第24条"))
    assert "第二十四条" in replies[0].text and "消费者权益保护法" in replies[0].text
    long_ago = datetime.now(UTC) - timedelta(days=30)
    async with create_session_factory(runtime.database).begin() as session:
        await session.execute(update(ConversationRow).values(updated_at=long_ago))
    replies = await runtime.engine.handle(text_message("u5", "第24条"))
    assert "消费者权益保护法》第二十四条" not in replies[0].text


async def test_a_number_presses_the_button_it_points_at(runtime):
    menu = await runtime.engine.handle(IncomingMessage(UserRef("test", "u6"), MessageKind.BUTTON, payload="menu"))
    labels = [button.label for button in menu[0].buttons]
    human_position = labels.index("转人工服务") + 1
    await runtime.engine.handle(text_message("u6", str(human_position)))
    assert (await conversation_row(runtime, "u6")).wants_human is True


async def test_turn_log_holds_no_message_text(runtime):
    secret = "我叫张三丰手机13812345678"
    await runtime.engine.handle(text_message("u7", secret + "买到假货了怎么办"))
    async with create_session_factory(runtime.database)() as session:
        rows = (await session.scalars(select(TurnEventRow))).all()
    dumped = repr([vars(row) for row in rows])
    assert "13812345678" not in dumped and "张三丰" not in dumped


async def test_a_question_is_matched_outside_the_write_lock_and_rematched_if_the_conversation_changed(runtime):
    """The Q&A route prepares its answer before the turn's transaction; here another transaction holds the
    write lock (SQLite) or the row (PostgreSQL) meanwhile and changes the law under discussion, so the
    prepared answer no longer fits and the turn answers from the conversation it saved against."""
    prepared = []

    def recording(turn):
        prepared.append(turn.conversation.slots.get("qa", {}).get("law"))
        return qa.prepare_answer(turn)

    engine = Engine(
        sessions=create_session_factory(runtime.database),
        readers=create_reader_factory(runtime.database),
        router=Router(ROUTES, Route("qa", lambda _turn: True, qa.answer_question, prepare=recording)),
        services=runtime.services,
        idle_expiry=timedelta(days=1),
    )
    await engine.handle(text_message("u9", "消法第55条"))
    async with create_session_factory(runtime.database).begin() as session:
        row = await session.scalar(select(ConversationRow).where(ConversationRow.external_id == "u9"))
        await session.execute(update(ConversationRow).where(ConversationRow.id == row.id)
                              .values(slots={**row.slots, "qa": {**row.slots["qa"], "law": "产品质量法"}},
                                      version=row.version + 1))
        turn = asyncio.create_task(engine.handle(text_message("u9", "第40条")))
        for _ in range(200):
            if len(prepared) == 2:
                break
            await asyncio.sleep(0.005)
        assert len(prepared) == 2 and not turn.done()  # prepared while the lock was held, then waits for it
    replies = await turn
    assert prepared == [None, "消费者权益保护法"]
    assert "产品质量法》第四十条" in replies[0].text
