"""The terminal chat, driven line by line as a person would type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot.channels.terminal import run_repl
from bot.core.tables import ConversationRow
from bot.db import create_session_factory


async def converse(runtime, lines: list[str]) -> str:
    pending = iter(lines)
    output: list[str] = []

    def read(prompt: str) -> str:
        output.append(prompt)
        return next(pending)  # StopIteration would end the test loudly; EOF is simulated below

    def read_until_eof(prompt: str) -> str:
        try:
            return read(prompt)
        except StopIteration:
            raise EOFError from None

    await run_repl(runtime.engine, runtime.sessions, read=read_until_eof, write=output.append, user_id="tester")
    return "\n".join(output)


async def test_a_conversation_in_the_terminal(runtime):
    screen = await converse(runtime, ["网上买的鞋子不喜欢，七天内可以退货吗", "全文", "消法第五十五条", "退出"])
    assert "消费维权助手" in screen
    assert "依据：《消费者权益保护法》第二十五条" in screen
    assert "1. 查看法条原文" in screen
    assert "无需说明理由" in screen
    assert "增加赔偿的金额为消费者购买商品的价款" in screen


async def test_numbers_press_buttons_and_eof_ends_the_chat(runtime):
    screen = await converse(runtime, ["菜单", "4"])
    assert "已为您转接人工服务" in screen or "已为您登记" in screen


async def test_a_user_who_comes_back_days_later_is_not_confused(runtime):
    """Context older than the idle limit is dropped, so 第二十四条 alone is not guessed."""
    await converse(runtime, ["消法第55条"])
    async with create_session_factory(runtime.database).begin() as session:
        await session.execute(update(ConversationRow).values(updated_at=datetime.now(UTC) - timedelta(days=3)))
    screen = await converse(runtime, ["网购的东西收到七天内能无理由退货吗"])
    assert "第二十五条" in screen


async def test_a_rule_whose_text_is_not_loaded_says_where_its_official_text_is(runtime):
    """The default setup carries the laws, not the 部门规章: the citizen is sent to the publisher's site."""
    screen = await converse(runtime, ["商家标价和收银台收的钱不一样，多收的能退回来吗", "全文"])
    assert "《明码标价和禁止价格欺诈规定》的官方文本见国家市场监督管理总局网站（www.samr.gov.cn）" in screen
    assert "条的原文暂未收录，官方文本见国家市场监督管理总局网站" in screen
    library = runtime.services.knowledge.library
    online_rules = "最高人民法院关于审理网络消费纠纷案件适用法律若干问题的规定（一）"
    assert library.where_published(online_rules).startswith("最高人民法院网站")
    assert library.where_published("中华人民共和国食品安全法实施条例") == "国家法律法规数据库（flk.npc.gov.cn）"
