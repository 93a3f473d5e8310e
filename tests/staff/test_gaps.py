"""The learning loop, on SQLite and PostgreSQL: questions the bot could not answer are kept masked and
grouped; a supervisor drafts an entry from a group, `kb check`'s rules refuse a wrong quote, and the
approved entry answers in a second worker without a restart."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.core.messages import IncomingMessage, MessageKind, UserRef
from bot.gaps import live, service
from bot.gaps.models import QuestionGapRow
from bot.privacy import mask
from bot.runtime import start_runtime
from knowledge.faq import parse_faq_text
from tests.staff.console import StaffBrowser, create_staff

PETS = ("猫", "狗", "泰迪", "兔子", "金毛")
MISHAPS = ("走丢了", "生病了", "受伤了", "死了", "跑丢了")
ASKS = ("寄养店要赔吗", "宠物寄养的店该负责吗")
BOARDING = [f"把{pet}放在宠物店寄养，{mishap}，{ask}" for pet, mishap, ask in itertools.product(PETS, MISHAPS, ASKS)]
MOVING = [f"搬家公司到了现场{verb}，{ask}" for verb, ask in itertools.product(
    ("临时加价", "坐地起价", "说楼层高要加钱", "按件另收费", "不给搬要多收钱"), ("合法吗", "能投诉吗"))]

ENTRY = """
[[faq]]
id = "pet-boarding-loss"
question = "宠物寄养期间走丢、生病或死亡，寄养店要负责赔偿吗？"
variants = {variants}
keywords = ["宠物寄养", "寄养店"]
answer = \"\"\"寄养是一项服务。消费者接受服务时财产安全不受损害的权利受法律保护；\\
宠物在寄养期间因店家看管不善走失、受伤或死亡，可以要求店家依法赔偿。\\
先和店家协商，保留寄养单、付款记录和聊天记录；协商不成可以向12315投诉。\"\"\"

[[faq.citations]]
law = "消费者权益保护法"
article = 52
quote = "{quote}"

[[faq.citations]]
law = "消费者权益保护法"
article = 7
"""


def entry(quote: str) -> str:
    variants = "[" + ", ".join(f'"{q}"' for q in BOARDING[:12]) + "]"
    return ENTRY.format(variants=variants, quote=quote)


async def test_unanswered_questions_are_kept_with_personal_data_masked(runtime):
    user = UserRef("test", "gap-citizen")
    said = "我叫王小明，电话13912345678，寄养的猫丢了咋整"
    await runtime.engine.handle(IncomingMessage(user, MessageKind.TEXT, text=said))
    async with runtime.sessions() as session:
        kept = (await session.scalars(select(QuestionGapRow.text))).all()
    assert kept and all("13912345678" not in text and "王小明" not in text for text in kept)
    assert any("[电话]" in text and "寄养" in text for text in kept)


async def test_fifty_questions_become_one_group_and_the_approved_entry_answers_in_another_worker(config, runtime):
    now = datetime.now(UTC)
    async with runtime.sessions.begin() as session:
        for text in BOARDING + MOVING:
            service.record(session, channel="web", text=text, outcome="suggested", confidence=0.2, now=now)
    await create_staff(runtime, "chief", "supervisor")
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        chief = StaffBrowser(client)
        await chief.log_in("chief")
        report = await client.get("/staff/gaps")
        assert report.text.index("50个相似问题") < report.text.index("10个相似问题")
        form = await client.get("/staff/gaps/draft", params={"group": "0"})
        assert "宠物店寄养" in form.text and "[[faq]]" in form.text
        wrong = await chief.post("/staff/faq-drafts", toml=entry(quote="经营者应当赔偿宠物的全部价值"))
        assert wrong.status_code == 422 and "pet-boarding-loss" in wrong.text and "quote" in wrong.text
        saved = await chief.post("/staff/faq-drafts", toml=entry(quote="造成消费者财产损害的"))
        assert saved.status_code == 303, saved.text
        page = await client.get("/staff/gaps")
        draft_id = page.text.split('/staff/faq-drafts/')[1].split("/approve")[0]
        assert (await chief.post(f"/staff/faq-drafts/{draft_id}/approve")).status_code == 303
        exported = (await client.get("/staff/faq-drafts.toml")).text
    assert [e.id for e in parse_faq_text(Path("export.toml"), exported)] == ["pet-boarding-loss"]
    second = await start_runtime(config)  # another worker, started before any of this and never restarted
    try:
        question = "我家泰迪在宠物店寄养的时候跑丢了，店家要不要赔"
        assert _answered_by(second, question) != "pet-boarding-loss"
        await live.refresh(second.sessions, config, second.services.knowledge, live.NOTHING_APPROVED)
        assert _answered_by(second, question) == "pet-boarding-loss"
        replies = await second.engine.handle(IncomingMessage(UserRef("test", "owner"), MessageKind.TEXT, text=question))
        assert "寄养是一项服务" in replies[0].text and "第五十二条" in replies[0].text
    finally:
        await second.close()


def _answered_by(runtime, question: str) -> str | None:
    answer = runtime.services.knowledge.ask(question)
    return answer.faq.id if answer.answered and answer.faq else None


@pytest.mark.parametrize("text, masked", [
    ("身份证110101199003071234丢了", "身份证[证件号]丢了"),
    ("本人李雷，住幸福小区3号楼2单元", "[姓名]，[地址]"),
])
def test_masking_hides_who_asked_not_what_about(text, masked):
    assert mask(text) == masked


async def test_a_draft_cannot_take_the_id_of_a_shipped_entry(runtime):
    shipped = entry(quote="造成消费者财产损害的").replace('id = "pet-boarding-loss"', 'id = "apa-seed-harvest-loss"')
    async with runtime.sessions() as session:
        with pytest.raises(service.DraftRejected, match="already used"):
            await service.save_draft(session, runtime.services.knowledge, shipped, staff_id=1,
                                     now=datetime.now(UTC))
