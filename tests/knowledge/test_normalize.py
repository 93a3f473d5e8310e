"""Normalisation: the steps that let different spellings of one question meet."""

from __future__ import annotations

from knowledge.normalize import bigrams


def test_traditional_fullwidth_and_numerals_fold(knowledge):
    clean = knowledge.normalizer.clean
    assert clean("網購七天無理由退貨") == clean("网购7天无理由退货") == "网购7日无理由退货"
    assert clean("ＡＢＣ　１２３元") == "abc 123元"
    assert clean("赔偿一千元，三倍") == "赔偿1000元,3倍"


def test_homophone_typos_are_corrected_to_domain_words(knowledge):
    def fix(text):
        return knowledge.normalizer.correct_typos(knowledge.normalizer.clean(text))

    assert "预付卡" in fix("预负卡里的钱")
    assert "退一赔三" in fix("能退一陪三吗")
    assert "合法" in fix("这样和法吗")


def test_ordinary_words_are_left_alone(knowledge):
    def fix(text):
        return knowledge.normalizer.correct_typos(knowledge.normalizer.clean(text))

    for text in ("消费者和法院", "我买的手机坏了", "商家不给退款"):
        assert fix(text) == knowledge.normalizer.clean(text)


def test_slang_adds_formal_terms(knowledge):
    added = knowledge.normalizer.expansions(knowledge.normalizer.clean("老板卷钱跑路了"))
    assert any(term in added for term in ("停业", "倒闭", "经营者下落不明"))


def test_bigrams_stop_at_punctuation():
    assert bigrams("退货,运费") == ["退货", "运费"]
