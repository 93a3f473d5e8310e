"""The complaint and report dialog, walked end to end against the real engine and database."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from bot import texts
from bot.complaints import service
from bot.complaints.form import MAX_EVIDENCE_ITEMS
from bot.complaints.models import CaseEventRow, CasePartyRow, CaseRow, StatusCheckFailureRow
from bot.complaints.numbering import new_ticket
from bot.core.tables import ConversationRow, OutboxRow
from bot.db import create_session_factory
from bot.runtime import start_runtime
from tests.conftest import make_config
from tests.scenarios.chat import COMPLAINT_ANSWERS, Citizen

SECRETS = ("张三丰", "13812345678", "某小区3号楼")


async def cases(runtime, *conditions) -> list[CaseRow]:
    async with create_session_factory(runtime.database)() as session:
        return list((await session.scalars(select(CaseRow).where(*conditions).order_by(CaseRow.id))).all())


async def parties(runtime) -> list[CasePartyRow]:
    async with create_session_factory(runtime.database)() as session:
        return list((await session.scalars(select(CasePartyRow))).all())


async def age_conversation(runtime, user_id: str, days: int) -> None:
    """Pretend the user's last message (and the draft's last change) was `days` ago."""
    then = datetime.now(UTC) - timedelta(days=days)
    async with create_session_factory(runtime.database).begin() as session:
        row = await session.scalar(select(ConversationRow).where(ConversationRow.external_id == user_id))
        slots = dict(row.slots)
        slots["form"] = {**slots["form"], "updated": then.isoformat(), "started": then.isoformat()}
        await session.execute(
            update(ConversationRow).where(ConversationRow.id == row.id).values(updated_at=then, slots=slots)
        )


async def test_a_complaint_from_start_to_ticket(runtime):
    citizen = Citizen(runtime, "c1")
    screen = await citizen.answer_all(*COMPLAINT_ANSWERS)
    assert "请核对" in screen and "138****5678" in screen and "塞上健身俱乐部" in screen
    screen = await citizen.say("确认")
    (case,) = await cases(runtime)
    assert case.ticket in screen and "决定是否受理" in screen
    assert case.kind == "complaint" and case.status == "received"
    assert case.department_code == "saihan", case.routing_basis
    assert "赛罕区" in screen
    assert case.amount is not None and str(case.amount) == "3280.00"
    assert case.demand == "退款" and case.accepts_mediation is True
    (party,) = await parties(runtime)
    assert (party.role, party.name, party.phone) == ("complainant", "张三丰", "+8613812345678")
    status = await citizen.say("查进度")
    assert case.ticket in status and "已登记" in status


async def test_a_real_name_report_and_an_anonymous_one(runtime):
    reporter = Citizen(runtime, "r1")
    await reporter.answer_all(
        "我要举报", "惠民超市", "线下", "新城区海拉尔东路", "货架上在卖过期三个月的牛奶，生产日期是今年一月。", "跳过",
        "实名",
    )
    notice = reporter.screen
    assert "个人信息告知" in notice and "不会透露给被举报的商家" in notice and "第三十三条" in notice
    await reporter.answer_all("同意", "李四", "0471-6912345")
    screen = await reporter.say("确认")
    assert "核查" in screen
    anonymous = Citizen(runtime, "r2")
    await anonymous.answer_all("我要举报", "惠民超市", "线下", "跳过", "一直用不合格的秤称菜，短斤少两很严重。")
    await anonymous.send_photo("media-123")
    await anonymous.say("完成")
    screen = await anonymous.say("匿名")
    assert "请核对" in screen and "姓名" not in screen
    await anonymous.say("确认")
    report, hidden = await cases(runtime)
    assert report.kind == hidden.kind == "report" and hidden.anonymous and not report.anonymous
    assert hidden.evidence == ["media:media-123"]
    (party,) = await parties(runtime)
    assert party.role == "reporter" and party.consented_at is not None, "the consent is kept with the identity"
    stranger = Citizen(runtime, "x1")
    assert "匿名举报" in await stranger.say(f"查一下 {hidden.ticket}")


async def test_complaint_and_report_in_one_filing_are_linked(runtime):
    citizen = Citizen(runtime, "b1")
    assert "投诉还是举报" in await citizen.press("complaint")
    answers = list(COMPLAINT_ANSWERS)
    answers[0:1] = ["都有"]
    answers.insert(answers.index("3280元"), "店里没有营业执照，还在卖三无蛋白粉。")
    await citizen.answer_all(*answers)
    screen = await citizen.say("确认")
    complaint, report = await cases(runtime)
    assert (complaint.kind, report.kind) == ("complaint", "report")
    assert complaint.linked_case_id == report.id and report.linked_case_id == complaint.id
    assert complaint.ticket in screen and report.ticket in screen
    assert report.facts.startswith("店里没有营业执照")


async def test_the_three_year_pre_check_warns_and_lets_the_citizen_decide(runtime):
    citizen = Citizen(runtime, "old")
    await citizen.answer_all("我要投诉", "本人")
    screen = await citizen.say("2020年1月")
    assert "超过三年" in screen and "第十五条" in screen
    assert texts.COMPLAINT_ASK_HANDLED in await citizen.say("继续"), "继续 goes on to the next question"
    answers = list(COMPLAINT_ANSWERS[3:])
    await citizen.answer_all(*answers)
    await citizen.say("确认")
    (case,) = await cases(runtime)
    assert case.warnings == ["occurred_on"]
    assert case.occurred_on.isoformat() == "2020-01-01"


async def test_cancel_drops_the_draft(runtime):
    citizen = Citizen(runtime, "cancel")
    await citizen.answer_all(*COMPLAINT_ANSWERS[:7])
    assert "已取消" in await citizen.say("取消")
    assert await cases(runtime) == []
    answer = await citizen.say("网购的衣服七天内能退吗")
    assert "依据" in answer, "after cancelling, questions are answered again"


async def test_back_and_edit(runtime):
    citizen = Citizen(runtime, "edit")
    await citizen.answer_all(*COMPLAINT_ANSWERS[:6])
    back = await citizen.say("返回")
    assert "商家叫什么" in back
    await citizen.say("塞上健身")
    await citizen.answer_all(*COMPLAINT_ANSWERS[6:])
    screen = await citizen.say("修改 联系电话")
    assert "联系电话" in screen
    summary = await citizen.say("13987654321")
    assert "139****4321" in summary and "请核对" in summary
    await citizen.say("确认")
    (case,) = await cases(runtime)
    assert case.business_name == "塞上健身"
    assert (await parties(runtime))[0].phone == "+8613987654321"


async def test_a_side_question_is_answered_and_the_dialog_resumes(runtime):
    citizen = Citizen(runtime, "side")
    await citizen.answer_all(*COMPLAINT_ANSWERS[:5])
    screen = await citizen.say("七天无理由退货是什么意思？")
    assert "依据" in screen and "接着填写" in screen and "商家叫什么" in screen
    await citizen.answer_all(*COMPLAINT_ANSWERS[5:])
    await citizen.say("确认")
    assert len(await cases(runtime)) == 1


async def test_coming_back_days_later_offers_to_continue(runtime):
    citizen = Citizen(runtime, "resume")
    await citizen.answer_all(*COMPLAINT_ANSWERS[:8])
    await age_conversation(runtime, "resume", days=3)
    screen = await citizen.say("你好")
    assert "还没有提交" in screen
    assert "发生了什么" in await citizen.say("继续")
    await citizen.answer_all(*COMPLAINT_ANSWERS[8:])
    await citizen.say("确认")
    assert len(await cases(runtime)) == 1


async def test_an_old_draft_expires(runtime):
    citizen = Citizen(runtime, "expired")
    await citizen.answer_all(*COMPLAINT_ANSWERS[:8])
    await age_conversation(runtime, "expired", days=30)
    assert "作废" in await citizen.say("继续")
    assert "依据" in await citizen.say("网购的衣服七天内能退吗")


async def test_status_by_ticket_needs_the_phone_digits_for_someone_else(runtime):
    owner = Citizen(runtime, "owner")
    await owner.answer_all(*COMPLAINT_ANSWERS)
    await owner.say("确认")
    (case,) = await cases(runtime)
    assert "当前状态" in await owner.say(case.ticket.lower().replace("-", " "))
    stranger = Citizen(runtime, "stranger")
    assert "后四位" in await stranger.say(f"帮我查一下{case.ticket}")
    assert "还可以再试" in await stranger.say("0000")
    screen = await stranger.say("5678")
    assert "当前状态" in screen and "塞上健身俱乐部" in screen and "张三丰" not in screen
    thief = Citizen(runtime, "thief")
    await thief.say(case.ticket)
    for _ in range(3):
        await thief.say("1111")
    assert "次数过多" in await thief.say("1111"), "the stranger's wrong guess counts too: five on this ticket"
    assert "没有找到" in await thief.say(new_ticket("complaint"))


async def test_wrong_digits_count_per_ticket_whoever_asks_and_however_often_the_ticket_is_sent(runtime):
    owner = Citizen(runtime, "owner-b")
    await owner.answer_all(*COMPLAINT_ANSWERS)
    await owner.say("确认")
    (case,) = await cases(runtime)
    thief = Citizen(runtime, "thief-b")
    for _ in range(4):  # sending the ticket again used to start a fresh count of five
        await thief.say(case.ticket)
        await thief.say("1111")
    fresh_id = Citizen(runtime, "thief-b-again")
    await fresh_id.say(case.ticket)
    assert "次数过多" in await fresh_id.say("2222"), "the fifth wrong guess on this ticket, from anyone"
    assert "次数过多" in await fresh_id.say(case.ticket)
    assert "次数过多" in await Citizen(runtime, "honest").say(case.ticket), "locked for a day, whoever asks"
    assert "当前状态" in await owner.say(case.ticket), "the owner's own account still sees it"
    async with create_session_factory(runtime.database).begin() as session:
        await session.execute(update(StatusCheckFailureRow).values(failed_at=datetime.now(UTC) - timedelta(hours=25)))
    honest = Citizen(runtime, "honest")
    assert "后四位" in await honest.say(case.ticket), "a day later the ticket can be checked again"
    assert "当前状态" in await honest.say("5678")


async def test_one_requester_is_stopped_across_tickets(tmp_path, database_url, knowledge):
    config = make_config(tmp_path, database_url, WEIQUAN_COMPLAINTS_STATUS_CHECK_ATTEMPTS_PER_REQUESTER="3")
    runtime = await start_runtime(config, knowledge=knowledge)
    try:
        for owner in ("owner-c", "owner-d"):
            await Citizen(runtime, owner).answer_all(*COMPLAINT_ANSWERS, "确认")
        first, second = await cases(runtime)
        prober = Citizen(runtime, "prober")
        await prober.say(first.ticket)
        await prober.answer_all("1111", "2222")
        await prober.say(second.ticket)
        assert "次数过多" in await prober.say("3333"), "three wrong guesses in all, over two tickets"
        assert "次数过多" in await prober.say(second.ticket)
        other = Citizen(runtime, "other")
        await other.say(first.ticket)
        assert "还可以再试2次" in await other.say("4444"), "the first ticket's own count: 2 + 1 of 5 used"
    finally:
        await runtime.close()


async def test_garbage_answers_are_re_asked_without_breaking_the_dialog(runtime):
    citizen = Citizen(runtime, "garbage")
    await citizen.answer_all(*COMPLAINT_ANSWERS[:COMPLAINT_ANSWERS.index("张三丰") + 1])
    nudged = 0
    for attempt in range(100):
        screen = await citizen.say(f"不知道{attempt}")
        assert "号码好像不对" in screen and "联系电话" in screen
        nudged += "帮助" in screen
    assert nudged == 33, "every third failure points to 帮助 and 取消"
    await citizen.send_photo("photo-1")
    assert "请用文字" in citizen.screen
    assert "地址" in await citizen.say("13812345678")


async def test_photos_are_evidence_where_evidence_is_asked(runtime):
    citizen = Citizen(runtime, "photo")
    await citizen.answer_all(*COMPLAINT_ANSWERS[:5])
    assert "请用文字" in await citizen.send_photo("photo-early")
    evidence_step = COMPLAINT_ANSWERS.index("跳过")
    await citizen.answer_all(*COMPLAINT_ANSWERS[5:evidence_step])
    assert "第1件" in await citizen.send_photo("photo-receipt")
    assert "第2件" in await citizen.send_photo("photo-chat")
    assert "调解" in await citizen.say("完成")
    await citizen.answer_all(*COMPLAINT_ANSWERS[evidence_step + 1:])
    assert "2件图片/文件" in citizen.screen
    await citizen.say("确认")
    (case,) = await cases(runtime)
    assert case.evidence == ["media:photo-receipt", "media:photo-chat"]


async def test_evidence_in_words_after_photos_is_kept_with_them_and_the_count_is_capped(runtime):
    citizen = Citizen(runtime, "photos")
    evidence_step = COMPLAINT_ANSWERS.index("跳过")
    await citizen.answer_all(*COMPLAINT_ANSWERS[:evidence_step])
    for number in range(MAX_EVIDENCE_ITEMS):
        await citizen.send_photo(f"p{number}")
    assert "不能再多" in await citizen.send_photo("one-too-many")
    assert "调解" in await citizen.say("还有和客服的聊天记录，可以提供")
    await citizen.answer_all(*COMPLAINT_ANSWERS[evidence_step + 1:])
    await citizen.say("确认")
    (case,) = await cases(runtime)
    assert case.evidence == [f"media:p{n}" for n in range(MAX_EVIDENCE_ITEMS)] + ["还有和客服的聊天记录，可以提供"]


async def test_two_messages_at_once_do_not_corrupt_the_draft(runtime):
    citizen = Citizen(runtime, "race")
    await citizen.answer_all(*COMPLAINT_ANSWERS[:5])
    await asyncio.gather(citizen.say("塞上健身俱乐部"), citizen.say("线下"))
    async with create_session_factory(runtime.database)() as session:
        row = await session.scalar(select(ConversationRow).where(ConversationRow.external_id == "race"))
    data = row.slots["form"]["data"]
    assert row.step.startswith("complaint.")
    assert data.get("business_name") in ("塞上健身俱乐部", "线下")
    assert row.version == 8


async def test_a_double_confirm_files_one_case(runtime):
    citizen = Citizen(runtime, "double")
    await citizen.answer_all(*COMPLAINT_ANSWERS)
    await asyncio.gather(citizen.say("确认"), citizen.say("确认"))
    assert len(await cases(runtime)) == 1


async def test_several_complaints_against_one_business_form_a_group_joined_only_with_consent(runtime):
    """Art. 11: staff are alerted to the group; each complainant is offered joint handling, never told it happened."""
    names = ("塞上健身俱乐部", "塞上健身俱乐部有限公司", "塞上 健身俱乐部")
    for number, name in enumerate(names):
        citizen = Citizen(runtime, f"g{number}")
        answers = list(COMPLAINT_ANSWERS)
        answers[5] = name
        await citizen.answer_all(*answers)
        screen = await citizen.say("确认")
    claims = runtime.services.knowledge.claims
    assert claims.say("joint_offer") in screen and "并入" not in screen
    assert "第十一条" in claims.citation("joint_offer")
    grouped = await cases(runtime)
    assert len({case.group_id for case in grouped}) == 1 and grouped[0].group_id is not None
    mine = next(case for case in grouped if case.external_id == "g2")
    assert "已记录" in await citizen.press(f"joint:yes:{mine.ticket}")
    assert "失效" in await Citizen(runtime, "g0").press(f"joint:no:{mine.ticket}"), "only the complainant answers"
    async with create_session_factory(runtime.database)() as session:
        notes = (await session.scalars(select(CaseEventRow.note).where(CaseEventRow.case_id == mine.id))).all()
    assert "joint_consent" in notes


async def test_a_status_change_notifies_the_citizen_through_the_outbox(runtime):
    citizen = Citizen(runtime, "notify")
    await citizen.answer_all(*COMPLAINT_ANSWERS)
    await citizen.say("确认")
    async with create_session_factory(runtime.database).begin() as session:
        case = await session.scalar(select(CaseRow))
        await service.change_status(session, case, "accepted", note="材料齐全", actor="staff:1",
                                    now=datetime.now(UTC), settings=runtime.services.complaints)
    async with create_session_factory(runtime.database)() as session:
        (notice,) = (await session.scalars(select(OutboxRow))).all()
        events = await session.scalar(select(func.count(CaseEventRow.id)))
    assert (notice.channel, notice.external_id) == ("test", "notify")
    assert "已受理" in notice.replies[0]["text"]
    assert events == 2
    assert "已受理" in await citizen.say("查进度")


async def test_names_and_phones_never_reach_the_logs_or_the_business(runtime, caplog):
    caplog.set_level(logging.DEBUG)
    reporter = Citizen(runtime, "private")
    await reporter.press("complaint")
    answers = list(COMPLAINT_ANSWERS)
    answers[0:1] = ["都有"]
    answers.insert(answers.index("3280元"), "店里没有营业执照，还在卖三无蛋白粉。")
    await reporter.answer_all(*answers)
    await reporter.say("确认")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in SECRETS:
        assert secret not in logged


async def test_form_answers_stay_out_of_the_hand_off_transcript(runtime):
    citizen = Citizen(runtime, "transcript")
    await citizen.say("网购的衣服七天内能退吗")
    await citizen.answer_all(*COMPLAINT_ANSWERS)
    async with create_session_factory(runtime.database)() as session:
        row = await session.scalar(select(ConversationRow).where(ConversationRow.external_id == "transcript"))
    recent = repr(row.slots.get("recent"))
    assert "网购的衣服七天内能退吗" in recent
    for secret in SECRETS:
        assert secret not in recent


async def test_an_account_of_what_happened_that_ends_in_a_question_is_kept_as_the_account(runtime):
    citizen = Citizen(runtime, "facts-question")
    await citizen.answer_all(*COMPLAINT_ANSWERS[:8])
    screen = await citizen.say("新买的手机用了三天就黑屏了，找商家修，商家说是我摔的不给修，这种情况怎么办？")
    assert "涉及金额" in screen, "stored as 经过 and moved on"


async def test_a_complaint_against_an_odr_member_is_told_it_may_settle_there(tmp_path, database_url, knowledge):
    config = make_config(tmp_path, database_url, WEIQUAN_COMPLAINTS_ODR_MEMBERS="塞上健身俱乐部有限公司")
    odr_runtime = await start_runtime(config, knowledge=knowledge)
    try:
        citizen = Citizen(odr_runtime, "odr")
        await citizen.answer_all(*COMPLAINT_ANSWERS)
        filed = await citizen.say("确认")
        assert "在线消费纠纷解决（ODR）" in filed and "第六条" in filed and "投诉照常办理" in filed
    finally:
        await odr_runtime.close()
    plain_runtime = await start_runtime(make_config(tmp_path / "plain", database_url), knowledge=knowledge)
    try:
        elsewhere = Citizen(plain_runtime, "plain")
        await elsewhere.answer_all(*COMPLAINT_ANSWERS)
        assert "ODR" not in await elsewhere.say("确认")
    finally:
        await plain_runtime.close()
