"""A newcomer files a complaint and looks it up, in the terminal and through the web API."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.app import create_app
from bot.complaints.models import CaseRow
from bot.db import create_session_factory
from tests.channels.test_terminal import converse
from tests.conftest import INTEGRATION
from tests.scenarios.chat import COMPLAINT_ANSWERS


async def only_case(runtime) -> CaseRow:
    async with create_session_factory(runtime.database)() as session:
        (case,) = (await session.scalars(select(CaseRow))).all()
    return case


async def test_filing_and_looking_up_in_the_terminal(runtime):
    screen = await converse(runtime, [*COMPLAINT_ANSWERS, "确认", "查进度", "退出"])
    case = await only_case(runtime)
    assert f"编号：{case.ticket}" in screen
    assert "1. 确认提交" in screen, "choices are numbered in the terminal"
    assert "当前状态：已登记" in screen


async def test_filing_by_buttons_and_looking_up_on_the_web(config, runtime):
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:

        async def send(**body) -> list[dict]:
            response = await client.post("/api/chat", json={"user_id": "web-citizen", **body}, headers=INTEGRATION)
            assert response.status_code == 200, response.text
            return response.json()["replies"]

        menu = await send(payload="menu")
        assert {"label": "我要投诉/举报", "payload": "complaint"} in menu[0]["buttons"]
        kind = await send(payload="complaint")
        assert any(button["payload"] == "form:投诉" for button in kind[-1]["buttons"])
        await send(payload="form:投诉")
        for answer in COMPLAINT_ANSWERS[1:]:
            await send(text=answer)
        filed = await send(payload="form:确认")
        case = await only_case(runtime)
        assert case.ticket in filed[0]["text"]
        status = await send(payload="status")
        assert "当前状态：已登记" in status[0]["text"]
        other = await client.post("/api/chat", json={"user_id": "someone-else", "text": case.ticket},
                                  headers=INTEGRATION)
        assert "后四位" in other.json()["replies"][0]["text"]
