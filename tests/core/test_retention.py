"""Old processed-message keys, turn statistics and web chat lines are pruned, recent ones kept; stored
replies are compact UTF-8 JSON (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, text

from bot.core.engine import Engine
from bot.core.messages import IncomingMessage, MessageKind, UserRef
from bot.core.retention import Retention, prune_once
from bot.core.tables import ChatLineRow, ProcessedMessageRow, TurnEventRow
from bot.db import compact_json

NOW = datetime(2027, 3, 15, 12, tzinfo=UTC)
RETENTION = Retention(processed_messages=timedelta(days=3), turn_events=timedelta(days=400),
                      chat_lines=timedelta(days=30))


def turn_event(created_at: datetime) -> dict:
    return {"created_at": created_at, "channel": "test", "user_hash": "h", "message_kind": "text", "route": "qa",
            "outcome": "answered", "citations": [], "latency_ms": 5.0, "duplicate": False}


def chat_line(created_at: datetime) -> dict:
    return {"channel": "web", "external_id": "w", "speaker": "citizen", "text": "你好", "buttons": [],
            "citations": [], "created_at": created_at}


async def counts(runtime) -> tuple[int, int, int]:
    async with runtime.sessions() as session:
        return (await session.scalar(select(func.count(ProcessedMessageRow.dedup_key))),
                await session.scalar(select(func.count(TurnEventRow.id))),
                await session.scalar(select(func.count(ChatLineRow.id))))


async def test_rows_older_than_their_retention_are_pruned_and_recent_ones_kept(runtime):
    async with runtime.sessions.begin() as session:
        for age, key in ((timedelta(days=3, seconds=1), "old"), (timedelta(days=2, hours=23), "recent")):
            await session.execute(insert(ProcessedMessageRow.__table__),
                                  {"dedup_key": key, "replies": [], "created_at": NOW - age})
        for age in (timedelta(days=401), timedelta(days=399)):
            await session.execute(insert(TurnEventRow.__table__), turn_event(NOW - age))
        for age in (timedelta(days=31), timedelta(days=29)):
            await session.execute(insert(ChatLineRow.__table__), chat_line(NOW - age))
    assert await prune_once(runtime.sessions, RETENTION, NOW) == 3
    assert await counts(runtime) == (1, 1, 1)
    async with runtime.sessions() as session:
        assert await session.scalar(select(ProcessedMessageRow.dedup_key)) == "recent"
    assert await prune_once(runtime.sessions, RETENTION, NOW) == 0


async def test_stored_replies_are_utf8_json_and_a_lone_surrogate_is_still_stored(runtime):
    engine: Engine = runtime.engine
    for user, words, key in (("u1", "网购的衣服能退吗", "a"), ("u2", "我要投诉\ud800", "b")):
        await engine.handle(IncomingMessage(UserRef("test", user), MessageKind.TEXT, text=words, dedup_key=key))
    async with runtime.sessions() as session:
        raw = await session.scalar(text("SELECT CAST(replies AS TEXT) FROM processed_messages WHERE dedup_key = 'a'"))
        stored = await session.scalar(select(func.count(ProcessedMessageRow.dedup_key)))
    assert "\\u" not in raw and "退" in raw and '", "' not in raw
    assert stored == 2


def test_json_that_cannot_be_utf8_keeps_its_escapes():
    assert compact_json({"text": "退货"}) == '{"text":"退货"}'
    assert compact_json(["坏\ud800"]) == '["\\u574f\\ud800"]'
