"""Answers a citizen can trust: wrong answers seen in use stay fixed, facts gate entries, conversation
words and other departments' matters get no law, bad input gets a clear reply (written for these
tests, not taken from eval data)."""

from __future__ import annotations

import dataclasses

import pytest

from bot.answer_replies import render_answer
from knowledge.base import AnswerKind
from knowledge.check import VERDICT_OPENER, check_facts, check_openers
from knowledge.facts import elapsed_days
from knowledge.faq import FaqEntry
from knowledge.narrative import question_clause
from knowledge.scope import OutOfScopeTopic, ScopeGuard


def cited(answer) -> set[tuple[str, int]]:
    return {(c.law.removeprefix("中华人民共和国"), c.article) for c in answer.citations}


def cited_laws(answer) -> set[str]:
    return {law for law, _ in cited(answer)}


@pytest.mark.parametrize(
    "question, wrong_law",
    [
        ("驾校收了钱不给安排练车", "食品安全法"),
        ("景区门票不退", "计量法"),
        ("物业费太贵了", "特种设备安全法"),
        ("买到假羊绒衫能要十倍赔偿吗", "食品安全法"),
    ],
)
def test_wrong_laws_seen_in_use_are_not_cited(knowledge, question, wrong_law):
    assert wrong_law not in cited_laws(knowledge.ask(question))


def test_overpackaged_mooncakes_are_not_spoiled_food(knowledge):
    answer = knowledge.ask("月饼过度包装")
    assert answer.faq is None or answer.faq.id != "food-mouldy-spoiled"


def test_a_jade_bought_face_to_face_is_not_the_online_seven_day_return(knowledge):
    answer = knowledge.ask("在玉器店当面买的一块翡翠被骗了，是假的")
    assert ("消费者权益保护法", 25) not in cited(answer)


def test_a_twenty_day_old_car_is_not_the_seven_day_rule(knowledge):
    answer = knowledge.ask("新车提了20天，发动机就坏了要换，能退车吗")
    assert answer.faq is None or answer.faq.id != "cars-return-within-7days"


def test_a_shopkeeper_is_not_told_he_can_claim_ten_times(knowledge):
    answer = knowledge.ask("我是开超市的，顾客买到过期酸奶要求我赔十倍，我必须赔吗")
    assert answer.faq is None or "operator" not in answer.faq.excludes


def test_a_typo_of_fake_goods_is_read_as_fake_goods(knowledge):
    answer = knowledge.ask("网上买到加货了怎么办")
    assert answer.faq is None or answer.faq.id != "ecom-platform-promise"
    assert "假货" in knowledge.normalizer.correct_typos(knowledge.normalizer.clean("买到加货"))


def test_no_answer_opens_with_a_fixed_yes_or_no(knowledge):
    assert check_openers(knowledge.faq) == []
    for entry in knowledge.faq:
        (reply,) = render_answer(knowledge.faq_answer(entry), knowledge)
        assert not VERDICT_OPENER.match(reply.text), entry.id


def test_a_swollen_power_bank_is_not_answered_with_a_no(knowledge):
    answer = knowledge.ask("充电宝鼓包能退吗")
    if answer.kind is AnswerKind.FAQ:
        assert not answer.faq.answer.startswith(("不能", "不可以"))


def test_a_worn_jacket_with_its_tag_cut_is_not_told_yes(knowledge):
    answer = knowledge.ask("网上买的夹克穿了两次，吊牌也剪了，还能七天无理由退吗")
    if answer.kind is AnswerKind.FAQ:
        assert not answer.faq.answer.startswith("可以")


CONVERSATION = ["继续", "评价", "好的我知道了", "你好呀，在吗", "你是真人还是机器人", "谢谢！", "嗯嗯好的"]


@pytest.mark.parametrize("text", CONVERSATION)
def test_conversation_words_get_a_reply_without_law(knowledge, text):
    answer = knowledge.ask(text)
    assert answer.kind is AnswerKind.CHAT and not answer.citations and not answer.answered
    (reply,) = render_answer(answer, knowledge)
    assert "第" not in reply.text and not reply.citations


def test_a_question_with_a_greeting_is_still_answered(knowledge):
    assert knowledge.ask("你好，网购的衣服七天内能退吗").kind is AnswerKind.FAQ


@pytest.mark.parametrize(
    "text",
    [
        "老板拖欠工资三个月了怎么办", "网上有人说我坏话，造谣我", "草场承包合同到期了不还",
        "厂里拖欠了我两个月的工资怎么办", "在路边捡到一个黑色钱包怎么处理",
    ],
)
def test_other_departments_matters_are_declined_without_law(knowledge, text):
    answer = knowledge.ask(text)
    assert answer.kind is AnswerKind.OUT_OF_SCOPE and not answer.citations


@pytest.mark.parametrize("story", [
    "下个月要考驾照，上周在眼镜店配了副眼镜，戴上看东西重影，验光单和镜片度数对不上。店家能给我重配吗？",
    "上周刷医保卡在药店买了个血压计，回家一量数值忽高忽低，跟医院量的差好多。这种能退吗？",
])
def test_another_departments_word_in_the_story_but_not_the_question_is_not_a_refusal(knowledge, story):
    assert knowledge.ask(story).kind is AnswerKind.FAQ


def test_a_gapped_keyword_names_its_topic_across_a_few_characters_only():
    guard = ScopeGuard([OutOfScopeTopic("labour", ("拖欠…工资",), "请拨打12333。")], str)
    assert guard.match("拖欠了我三个月工资")[1] == "拖欠 工资"
    assert guard.match("商家拖欠退款不给，我的工资都花在这上面了") is None


@pytest.fixture
def unmargined(knowledge):
    """The knowledge base with no answer margin: which article an answer leads with, whatever its rivals."""
    configured = knowledge.thresholds
    knowledge.thresholds = dataclasses.replace(configured, margin=0.0)
    yield knowledge
    knowledge.thresholds = configured


def test_two_close_entries_resting_on_different_articles_are_offered_not_answered(knowledge):
    """健身卡能退吗 does not say whether illness stops the citizen (SPC prepaid rules Art. 13) or they just want
    to quit (Art. 14): both are offered, neither is asserted."""
    answer = knowledge.ask("健身卡能退吗")
    assert knowledge.thresholds.margin > 0 and answer.kind is AnswerKind.SUGGEST and not answer.citations
    leads = {s.citations[0].article for s in answer.alternatives}
    assert {13, 14} <= leads


def test_an_entrys_own_question_decides_between_close_rivals(knowledge):
    """汽车三包期从哪天开始算 scores within the margin of an entry on another article, yet it is word for word
    the first entry's question: a citizen typing a suggestion back gets that answer."""
    entry = next(e for e in knowledge.faq if e.question == "汽车三包期从哪天开始算？")
    answer = knowledge.ask(entry.question)
    assert answer.kind is AnswerKind.FAQ and answer.faq.id == entry.id


def test_a_close_rival_needing_a_fact_the_question_lacks_does_not_contest(knowledge):
    """The seven-day return of defective goods (Art. 24) scores within the margin of the no-reason return
    (Art. 25), but it needs a quality problem and the question names none."""
    answer = knowledge.ask("网购的衣服七天内能退吗")
    assert answer.kind is AnswerKind.FAQ and cited(answer) and answer.citations[0].article == 25
    assert "defect" in knowledge.faq_entry("shop-quality-return-seven-days").needs


def test_close_entries_resting_on_the_same_article_are_still_answered(knowledge):
    """Two expired-food entries score within 0.01 of each other, both resting on Food Safety Law Art. 148."""
    answer = knowledge.ask("买到过期食品能要十倍赔偿吗")
    assert answer.kind is AnswerKind.FAQ and answer.citations[0].article == 148


@pytest.mark.parametrize(
    "question, first",
    [
        ("超市卖的酸奶过期了，我买了能要求赔多少钱", ("食品安全法", 148)),
        ("直播间买的金镯子说是足金结果是镀金的，能退一赔三吗", ("消费者权益保护法", 55)),
        ("卖病死猪肉的商家会被怎么罚", ("食品安全法", 123)),
    ],
)
def test_the_first_citation_is_the_article_that_answers_what_is_asked(unmargined, question, first):
    """A compensation question leads with the remedy; a fine leads only when punishment is asked about."""
    answer = unmargined.ask(question)
    assert answer.kind is AnswerKind.FAQ
    law, number = answer.citations[0].law.removeprefix("中华人民共和国"), answer.citations[0].article
    assert (law, number) == first


def test_a_legality_question_does_not_lead_with_a_penalty(unmargined):
    answer = unmargined.ask("病死的牛做成牛肉干拿去卖，这样合法吗")
    assert answer.kind is AnswerKind.FAQ
    assert (answer.citations[0].law.removeprefix("中华人民共和国"), answer.citations[0].article) != ("食品安全法", 123)


@pytest.mark.parametrize("text", ["tuihuo", "How can I get a refund for a broken phone?", "wangshang mai de yifu"])
def test_latin_only_text_is_asked_for_chinese(knowledge, text):
    answer = knowledge.ask(text)
    assert answer.kind is AnswerKind.NOT_CHINESE and not answer.citations


@pytest.mark.parametrize("text", ["😡😡😡", "🙏🙏", "？？？", "……"])
def test_emoji_and_punctuation_get_no_citation(knowledge, text):
    assert not knowledge.ask(text).citations


def test_a_ten_thousand_character_story_gets_an_answer_without_error(knowledge):
    story = "我在网上买了一件羽绒服，" * 900 + "收到后发现是假货，能要求三倍赔偿吗？"
    answer = knowledge.ask(story)
    assert answer.kind in set(AnswerKind)
    assert all(c.article > 0 for c in answer.citations)


def test_mixed_traditional_and_simplified_is_understood(knowledge):
    mixed = knowledge.ask("網購的衣服七天内能无理由退貨嗎")
    assert mixed.kind is AnswerKind.FAQ and ("消费者权益保护法", 25) in cited(mixed)


def test_taiwan_wording_is_mapped_to_mainland_words(knowledge):
    assert knowledge.normalizer.clean("筆電還在保固期") == "笔记本电脑还在保修期"
    assert knowledge.normalizer.clean("便當外送") == "盒饭外卖"


def test_typos_are_corrected_only_when_likelier_than_the_text_as_written(knowledge):
    fix = lambda text: knowledge.normalizer.correct_typos(knowledge.normalizer.clean(text))  # noqa: E731
    assert fix("商家不肯陪偿") == "商家不肯赔偿"
    assert fix("网够的衣服") == "网购的衣服"
    assert fix("冲值的钱能退吗") == "充值的钱能退吗"
    assert fix("驾校收了钱不给安排练车") == "驾校收了钱不给安排练车"
    assert fix("卖家已读不回") == "卖家已读不回", "no typo is corrected to an everyday word (不会)"
    assert fix("用自己带的秤一秤") == "用自己带的秤一秤", "nor to a numeral phrase (一层)"
    assert fix("在药妆店买的") == "在药妆店买的", "nor across finals (妆/转)"
    assert fix("能要十背赔偿") == "能要十倍赔偿", "nor to a story's everyday word (要十 -> 要是)"


def test_an_entry_ruled_out_by_a_fact_is_not_offered(knowledge):
    answer = knowledge.ask("在商场专柜买的衣服，不喜欢了能七天无理由退吗")
    offered = {s.faq.id for s in answer.alternatives if s.faq} | ({answer.faq.id} if answer.faq else set())
    assert "ecom-seven-day-no-reason-return" not in offered


def test_an_entry_whose_needed_fact_is_missing_is_only_suggested(knowledge):
    entry = knowledge.faq_entry("food-ten-times-compensation")
    assert entry.needs == {"food"}
    answer = knowledge.ask("买到不符合安全标准的东西，可以要求十倍赔偿吗")
    assert answer.faq is None or answer.faq.id != entry.id


def test_working_vehicles_are_not_given_the_household_car_rules(knowledge):
    answer = knowledge.ask("我跑运输的厢式货车发动机修了好几次，能按汽车三包退车吗")
    assert answer.faq is None or "working_vehicle" not in answer.faq.excludes


def test_facts_are_read_from_signal_words(knowledge):
    find = lambda text: knowledge.facts.find(knowledge.normalizer.clean(text))  # noqa: E731
    assert find("在拼多多下单买的奶粉，孩子喝了过敏") >= {"online", "food", "injury"}
    assert find("在商场买的电视") == {"in_store"}


def test_an_advertising_rule_is_not_the_answer_without_an_advert(knowledge):
    """The 7-working-day rule for reports of illegal adverts does not answer a plain complaint's timeline."""
    assert "广告法" not in cited_laws(knowledge.ask("投诉以后多久能有人联系我"))


def test_a_signal_inside_another_word_is_not_a_fact(knowledge):
    find = lambda text: knowledge.facts.find(knowledge.normalizer.clean(text))  # noqa: E731
    assert "online" not in find("在家电商场买的冰箱"), "电商 inside 家电商场"
    assert "online" in find("上网购物买的冰箱")
    assert "food" in find("超市卖临期食品合法吗"), "a compound ending in the signal (临期食品) still states it"
    assert "advert" in find("举报违法广告后多久处理")


def test_every_entry_answers_its_own_standard_question(knowledge):
    """An entry that cannot be reached by its own question (a needed fact not read from it) is dead weight."""
    missed = [entry.id for entry in knowledge.faq
              if (answer := knowledge.ask(entry.question)).faq is None or answer.faq.id != entry.id]
    assert missed == []


def test_a_storys_incidental_word_does_not_make_an_entry_about_it(knowledge):
    """星期 occurs in stories of the seven-day car entry; asking the weekday is still small talk."""
    assert not knowledge.ask("今天星期几啊").answered


def test_a_story_is_searched_with_its_question_clause():
    story = "上个月在旗里的集市上买了一台二手拖拉机，卖家说是九成新，开了一周就坏了。这种情况我能要求退货吗？"
    assert question_clause(story) == "这种情况我能要求退货吗"
    assert question_clause("网购的衣服能退吗") is None


def test_kb_check_rejects_unknown_facts_and_fixed_verdicts():
    entry = FaqEntry("x", "问", (), (), "可以。商家应当退货。", (), "test", needs=frozenset({"flying"}))
    assert check_openers([entry]) and check_facts([entry], frozenset({"online"}))


def test_time_spans_are_read_but_dates_are_not():
    assert elapsed_days("新车提了20日") == 20 and elapsed_days("用了3个月") == 90 and elapsed_days("收到2周了") == 14
    assert elapsed_days("3月20日买的") is None and elapsed_days("2023年买的") is None
