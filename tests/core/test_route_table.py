"""The route table's priorities, through the real engine: which route a message takes, in which state."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.messages import IncomingMessage, MessageKind, UserRef
from bot.core.tables import TurnEventRow
from bot.db import create_session_factory


async def route_taken(runtime, user_id: str, text: str = "", *, payload: str | None = None) -> str:
    kind = MessageKind.BUTTON if payload is not None else MessageKind.TEXT
    await runtime.engine.handle(IncomingMessage(UserRef("test", user_id), kind, text=text, payload=payload))
    async with create_session_factory(runtime.database)() as session:
        events = (await session.scalars(select(TurnEventRow).order_by(TurnEventRow.id))).all()
    return events[-1].route


async def test_an_emergency_interrupts_an_open_complaint_form(runtime):
    assert await route_taken(runtime, "r1", "我要投诉") == "complaint_start"
    assert await route_taken(runtime, "r1", "惠民超市") == "complaint"
    assert await route_taken(runtime, "r1", "商场电梯困人了，孩子在里面") == "urgent"


async def test_menu_commands_win_over_the_unknown_command_route(runtime):
    assert await route_taken(runtime, "r2", "/help") == "menu"
    assert await route_taken(runtime, "r2", "/nonsense") == "unknown_command"


async def test_my_complaints_is_a_status_question_not_a_new_complaint(runtime):
    assert await route_taken(runtime, "r3", "我的投诉") == "status"


async def test_buttons_reach_their_route_and_unknown_ones_are_stale(runtime):
    assert await route_taken(runtime, "r4", payload="menu") == "menu"
    assert await route_taken(runtime, "r4", payload="no-such-button") == "stale_button"


async def test_anything_else_is_a_question(runtime):
    assert await route_taken(runtime, "r5", "网购的衣服七天内能退吗") == "qa"


async def test_danger_now_is_urgent_in_either_script(runtime):
    assert await route_taken(runtime, "r6", "孩子在商場被困電梯了") == "urgent"
    assert await route_taken(runtime, "r7", "吃了他家的盒饭，一家人都食物中毒了，现在肚子疼得厉害") == "urgent"
    assert await route_taken(runtime, "r8", "店里的热水器正在冒烟，要赔钱吗") == "urgent"


async def test_a_remedy_question_about_past_harm_is_a_question_not_an_emergency(runtime):
    said = "去年买的电动车，充电时电池起火把我的摩托车烧坏了，能让卖车的店赔吗"
    assert await route_taken(runtime, "r9", said) == "qa"
    assert await route_taken(runtime, "r10", "给狗洗澡被吹风机烫伤了，商家要负责任吗") == "qa"
