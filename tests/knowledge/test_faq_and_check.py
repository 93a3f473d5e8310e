"""FAQ file format and `kb check` on shipped data and on broken data."""

from __future__ import annotations

import pytest

from knowledge.base import DATA_DIR
from knowledge.check import check_citations, check_phrasings, check_quotes, load_cited_rules
from knowledge.faq import Citation, FaqEntry, FaqError, load_faq_dir

ENTRY = """
[[faq]]
id = "{id}"
question = "问题？"
variants = ["说法一"]
keywords = ["关键词"]
answer = "{answer}"
citations = [{{ law = "消费者权益保护法", article = 25 }}]
"""


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")


def test_shipped_faq_has_at_least_150_entries_that_pass_the_check(knowledge):
    assert len(knowledge.faq) >= 150
    problems, _ = check_citations(knowledge.faq, knowledge.library, load_cited_rules(DATA_DIR / "laws.toml"))
    assert problems == []
    assert check_phrasings(knowledge.faq, knowledge.normalizer.clean) == []
    quote_problems, found = check_quotes(knowledge.faq, knowledge.library)
    assert quote_problems == []
    loaded_leads = sum(knowledge.library.resolve(entry.citations[0].law) is not None for entry in knowledge.faq)
    assert found >= loaded_leads > 0  # every lead citation quotes its article


def test_a_quote_must_be_words_of_its_article_and_the_lead_must_have_one(knowledge):
    def entry(*citations):
        return FaqEntry("e", "问", (), (), "答", citations, "test")

    right = Citation("消费者权益保护法", 25, "消费者有权自收到商品之日起七日内退货")
    misquoted = Citation("消费者权益保护法", 24, "消费者有权自收到商品之日起七日内退货")
    unquoted = Citation("消费者权益保护法", 25)
    assert check_quotes([entry(right, unquoted)], knowledge.library) == ([], 1)
    problems, found = check_quotes([entry(misquoted), entry(unquoted, right)], knowledge.library)
    assert found == 1
    assert "第24条 does not say" in problems[0]
    assert "quotes none of its words" in problems[1]
    assert len(problems) == 2


def test_an_overlong_answer_is_rejected(tmp_path):
    write(tmp_path, "a.toml", ENTRY.format(id="x", answer="长" * 301))
    with pytest.raises(FaqError, match="301 characters"):
        load_faq_dir(tmp_path)


def test_duplicate_ids_across_files_are_rejected(tmp_path):
    write(tmp_path, "a.toml", ENTRY.format(id="same", answer="答"))
    write(tmp_path, "b.toml", ENTRY.format(id="same", answer="答"))
    with pytest.raises(FaqError, match="already used"):
        load_faq_dir(tmp_path)


def test_a_missing_citation_is_rejected(tmp_path):
    write(tmp_path, "a.toml", '[[faq]]\nid = "x"\nquestion = "问"\nanswer = "答"\n')
    with pytest.raises(FaqError, match="citation"):
        load_faq_dir(tmp_path)


def test_check_names_missing_articles_and_unknown_laws(knowledge):
    rules = load_cited_rules(DATA_DIR / "laws.toml")
    entry = FaqEntry(
        "bad", "问", (), (), "答",
        (Citation("消费者权益保护法", 64), Citation("市场监督管理投诉举报处理暂行办法", 41), Citation("不存在的法", 1)),
        "test",
    )
    problems, _ = check_citations([entry], knowledge.library, rules)
    assert len(problems) == 3
    assert "has no article 64" in problems[0]
    assert "has no article 41" in problems[1]
    assert "unknown law" in problems[2]
