"""Lab open days, on SQLite and PostgreSQL: book, be reminded and cancel in chat; never more bookings
than places, however many book at once; staff publish and export."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from bot.app import create_app
from bot.core.messages import IncomingMessage, MessageKind, UserRef
from bot.core.outbox import take_pending
from bot.labdays import service
from bot.labdays.models import LabBookingRow, LabEventRow
from bot.staff.models import StaffRow
from tests.staff.console import StaffBrowser, create_staff


async def an_event(runtime, *, capacity: int, days_ahead: int = 3) -> LabEventRow:
    await create_staff(runtime, "lab-chief", "supervisor")
    async with runtime.sessions.begin() as session:
        staff_id = await session.scalar(select(StaffRow.id).where(StaffRow.username == "lab-chief"))
        return await service.publish(session, title="免费检定电子秤", place="市计量测试所一楼",
                                     starts_at=datetime.now(UTC) + timedelta(days=days_ahead), capacity=capacity,
                                     bring="家用电子秤、金银首饰", staff_id=staff_id, now=datetime.now(UTC))


async def say(runtime, user: str, text: str = "", payload: str | None = None) -> str:
    kind = MessageKind.BUTTON if payload else MessageKind.TEXT
    replies = await runtime.engine.handle(IncomingMessage(UserRef("test", user), kind, text=text, payload=payload))
    return "\n".join(reply.text for reply in replies)


async def test_a_citizen_books_is_reminded_and_cancels_in_chat(runtime):
    event = await an_event(runtime, capacity=3)
    listed = await say(runtime, "c1", "实验室开放日什么时候")
    assert "免费检定电子秤" in listed and "剩余名额3个" in listed
    assert "已为您预约" in await say(runtime, "c1", payload=f"lab:book:{event.id}")
    assert "不用重复预约" in await say(runtime, "c1", payload=f"lab:book:{event.id}")
    assert "您已预约" in await say(runtime, "c1", "开放日")
    the_day_before = event.starts_at - timedelta(days=1)
    async with runtime.sessions.begin() as session:
        assert await service.send_reminders(session, the_day_before, runtime.services.staff.timezone) == 1
        assert await service.send_reminders(session, the_day_before, runtime.services.staff.timezone) == 0
        reminders = await take_pending(session, UserRef("test", "c1"), the_day_before)
    assert len(reminders) == 1 and "明天" in reminders[0].text and "市计量测试所" in reminders[0].text
    assert "已取消预约" in await say(runtime, "c1", payload=f"lab:cancel:{event.id}")
    async with runtime.sessions() as session:
        assert (await session.get(LabEventRow, event.id)).booked == 0


async def test_places_are_never_overbooked_when_many_book_at_once(runtime):
    event = await an_event(runtime, capacity=5)
    said = await asyncio.gather(*(say(runtime, f"rush{n}", payload=f"lab:book:{event.id}") for n in range(20)))
    assert sum("已为您预约" in text for text in said) == 5
    assert sum("名额已满" in text for text in said) == 15
    async with runtime.sessions() as session:
        booked = await session.scalar(select(func.count(LabBookingRow.id)).where(LabBookingRow.status == "booked"))
        assert booked == (await session.get(LabEventRow, event.id)).booked == 5


async def test_staff_publish_an_event_and_export_its_bookings(config, runtime):
    await create_staff(runtime, "chief", "supervisor")
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        chief = StaffBrowser(client)
        await chief.log_in("chief")
        when = (datetime.now(runtime.services.staff.timezone) + timedelta(days=2)).strftime("%Y-%m-%dT09:30")
        published = await chief.post("/staff/lab", title="眼镜免费检测", starts_at=when, place="市质检院",
                                     capacity="10", bring="眼镜")
        assert "flash" in published.headers["location"]
        async with runtime.sessions() as session:
            event = await session.scalar(select(LabEventRow))
        assert "已为您预约" in await say(runtime, "c9", payload=f"lab:book:{event.id}")
        exported = await client.get(f"/staff/lab/{event.id}/bookings.csv")
        assert exported.status_code == 200 and "已预约" in exported.content.decode("utf-8-sig")
        refused = await chief.post("/staff/lab", title="x", starts_at="2000-01-01T09:00", place="y", capacity="5")
        assert "flash" in refused.headers["location"]
        async with runtime.sessions() as session:
            assert await session.scalar(select(func.count(LabEventRow.id))) == 1


async def test_a_complaint_about_a_free_test_is_a_question_not_a_booking(runtime):
    said = await say(runtime, "c2", "眼镜店说免费检测视力，结果收了两百块，合法吗")
    assert "近期的实验室开放日" not in said and "近期没有安排" not in said
