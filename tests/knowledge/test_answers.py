"""What a citizen gets for typical questions (written for these tests, not taken from eval data)."""

from __future__ import annotations

import pytest

from bot.answer_replies import render_answer
from knowledge.base import AnswerKind
from knowledge.statutes import says

PREPAID_INTERPRETATION = "最高人民法院关于审理预付式消费民事纠纷案件适用法律若干问题的解释"


def cited(answer) -> set[tuple[str, int]]:
    return {(c.law.removeprefix("中华人民共和国"), c.article) for c in answer.citations}


@pytest.mark.parametrize(
    "question, law, article",
    [
        ("在网上买的裤子不合身，收到五天了还能退吗", "消费者权益保护法", 25),
        ("商家卖假货，我能要求赔三倍吗", "消费者权益保护法", 55),
        ("超市卖过期的面包，能赔一千块吗", "食品安全法", 148),
        ("健身房突然关门老板联系不上，卡里还有两千块", PREPAID_INTERPRETATION, 23),
    ],
)
def test_everyday_questions_are_answered_with_the_article(knowledge, question, law, article):
    answer = knowledge.ask(question)
    assert answer.answered, answer
    assert (law, article) in cited(answer), "rules not bundled are still cited by their short title"


def test_traditional_characters_get_the_same_answer(knowledge):
    simplified = knowledge.ask("网购的东西七天内可以无理由退货吗")
    traditional = knowledge.ask("網購的東西七天內可以無理由退貨嗎")
    assert simplified.faq == traditional.faq and simplified.answered


def test_direct_article_lookups(knowledge):
    answer = knowledge.ask("消法第55条")
    assert answer.kind is AnswerKind.LOOKUP and cited(answer) == {("消费者权益保护法", 55)}
    assert cited(knowledge.ask("食品安全法148条")) == {("食品安全法", 148)}
    assert cited(knowledge.ask("《电子商务法》第五十二条")) == {("电子商务法", 52)}
    followed = knowledge.ask("第二十四条", last_law="消费者权益保护法")
    assert cited(followed) == {("消费者权益保护法", 24)}


def test_an_article_that_does_not_exist_is_named(knowledge):
    answer = knowledge.ask("消法第99条")
    assert answer.kind is AnswerKind.NO_ARTICLE and not answer.answered
    assert answer.requested == ("中华人民共和国消费者权益保护法", 99)


@pytest.mark.parametrize(
    "question",
    ["帮我翻译一下这段英文", "离婚后孩子抚养权归谁", "公司拖欠工资三个月怎么办", "早上好呀", "股票亏了能找谁"],
)
def test_out_of_scope_questions_are_declined(knowledge, question):
    answer = knowledge.ask(question)
    assert not answer.answered and not answer.citations


@pytest.mark.parametrize("question", ["", "？？？", "😀😀", "asdfghjkl qwerty"])
def test_noise_is_not_answered(knowledge, question):
    assert not knowledge.ask(question).answered


def test_a_vague_question_gets_suggestions_not_a_guess(knowledge):
    answer = knowledge.ask("退款")
    assert answer.kind in (AnswerKind.SUGGEST, AnswerKind.FAQ)
    if answer.kind is AnswerKind.SUGGEST:
        assert 1 <= len(answer.alternatives) <= 3


def test_an_answer_shows_the_words_of_the_article_it_rests_on(knowledge):
    """The quoted words come from the article as loaded, and are named with their article."""
    answer = knowledge.ask("商家卖假货，我能要求赔三倍吗")
    (reply,) = render_answer(answer, knowledge)
    quoted = next(c for c in answer.citations if c.quote and knowledge.library.article(c.law, c.article))
    line = reply.text.splitlines()[-1]
    assert line.endswith(f"原文：“{quoted.quote}”")
    article = knowledge.library.article(quoted.law, quoted.article)
    assert says(article.text, quoted.quote)
