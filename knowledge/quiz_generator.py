"""Fill-in quiz questions generated from statute articles.

A 3·15 quiz asks for the numbers and parties a statute fixes: how many days to return goods (七日),
how many times the price as compensation (三倍, 十倍), the minimum compensation (五百元, 一千元),
a percentage, or who is liable (经营者, 生产者, 销售者, 电子商务平台经营者). This module finds such
a phrase in an article's sentence, blanks it out and offers it with three neighbouring values of the
same kind as wrong options. Every correct option is copied verbatim from the article and no wrong
option occurs anywhere in the article's text, so the checker of curated questions
(quiz_format.md, rule 3) would accept them.

Rules, kept simple:

* A sentence is a run of an article paragraph ending with 。！？ (or the paragraph's end). List items
  such as "（一）消费者定作的；" lack context and are not used. A trailing clause that announces a list
  ("但下列商品除外：") is left out of the stem; a sentence that still says 下列 is skipped.
* Every occurrence of the phrase inside the chosen sentence is blanked ("不足（　　）的，为（　　）"),
  so the stem never gives the answer away. The same phrase in another sentence of the article does
  not matter for the question, but an article yields at most one question per phrase.
* A phrase is matched only as a whole numeral: 十日 inside 三十日 or 五百元 inside 一千五百元 is not
  a phrase. If the stem still contains the phrase as a substring after blanking, the sentence is skipped.
* Wrong options come from a fixed pool per unit, nearest values first; a pool value that occurs
  anywhere in the article (as a substring) is not used. Fewer than three left: no question.

The module uses only knowledge.statutes; it must not import from bot/ or handlers/.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge.statutes import Article, chinese_number, law_key, short_law_title

BLANK = "（\u3000\u3000）"
MAX_STEM = 120
MAX_EXPLANATION = 200
ELLIPSIS = "……"

DIGITS = "零〇一二两三四五六七八九十百千"
NUMERAL = f"[{DIGITS}]+"
# A phrase must start a numeral: not preceded by another numeral character or a larger unit.
NOT_INSIDE_NUMBER = f"(?<![{DIGITS}万亿第点0-9０-９])"
NOT_FOLLOWED_BY_NUMBER = f"(?![{DIGITS}万亿])"

SENTENCE_END = "。！？"
CLAUSE_END = "，；：。！？"
LIST_ITEM = re.compile(r"^（[一二三四五六七八九十]+）")

# Kinds in the order a quiz prefers them when an article offers several facts.
MULTIPLIER, DURATION, MINIMUM, PERCENT, AMOUNT, PARTY = range(6)


DURATION_POOLS: dict[str, tuple[str, ...]] = {
    "小时": ("六小时", "十二小时", "二十四小时", "四十八小时", "七十二小时"),
    "日": ("三日", "五日", "七日", "十日", "十五日", "二十日", "三十日", "六十日", "九十日"),
    "个工作日": ("三个工作日", "五个工作日", "七个工作日", "十个工作日", "十五个工作日", "二十个工作日"),
    "个月": ("一个月", "二个月", "三个月", "六个月", "九个月", "十二个月"),
    "年": ("一年", "二年", "三年", "五年", "十年", "二十年"),
}
MULTIPLIER_POOL = ("一倍", "二倍", "三倍", "五倍", "十倍", "二十倍", "三十倍")
AMOUNT_POOL = tuple(
    "五十元 一百元 二百元 五百元 一千元 二千元 五千元 一万元 二万元 三万元 五万元 十万元 二十万元 三十万元 五十万元"
    " 一百万元 二百万元 五百万元 一千万元".split()
)
PERCENT_POOL = ("百分之一", "百分之三", "百分之五", "百分之十", "百分之二十", "百分之三十", "百分之五十")

LIABLE_PARTIES = ("电子商务平台经营者", "生产者", "销售者", "经营者")
"""Parties a "who is liable" question may have as its answer, longest name first."""
PARTY_POOL = ("生产者", "销售者", "经营者", "电子商务平台经营者", "平台内经营者", "供货者", "进口商")

DURATION_PHRASE = re.compile(f"{NOT_INSIDE_NUMBER}({NUMERAL})(个工作日|个月|小时|日|年)(?!度|级|龄|满)")
MULTIPLIER_PHRASE = re.compile(f"{NOT_INSIDE_NUMBER}({NUMERAL})倍")
AMOUNT_PHRASE = re.compile(f"{NOT_INSIDE_NUMBER}({NUMERAL})(万元|亿元|元)")
PERCENT_PHRASE = re.compile(f"百分之({NUMERAL}){NOT_FOLLOWED_BY_NUMBER}")
# Characters that may stand before a party's name without making it part of a longer name
# (食品经营者, 平台内经营者, 生产经营者 are other parties).
PARTY_BEFORE = set("，；：。、（）“”由向的或和及与对该其者为是则被使令求即应从给")
LIABILITY = re.compile(r"承担|负责(?![人的])|赔偿|赔付|追偿|召回")  # not 负责人, 直接负责的主管人员


@dataclass(frozen=True)
class GeneratedQuestion:
    id: str
    """gen-<law key>-<article>-<n>, stable across runs."""
    stem: str
    options: tuple[str, ...]
    """Four options; the correct one sits at a position derived from the id."""
    answer: int
    """Index of the correct option."""
    explanation: str
    law: str
    """Full title as in Article.law."""
    article: int
    fact: str
    """The correct phrase, verbatim in the article."""


@dataclass(frozen=True)
class _Candidate:
    kind: int
    phrase: str
    value: float
    pool: tuple[str, ...]
    sentence: int
    position: int


def generate(articles: Iterable[Article], *, per_article: int = 1) -> list[GeneratedQuestion]:
    """Up to per_article questions from each article, in the order the articles are given.

    An article given twice (same law and number) is used once, so ids stay unique.
    """
    questions: list[GeneratedQuestion] = []
    seen: set[tuple[str, int]] = set()
    for article in articles:
        key = (short_law_title(article.law), article.number)
        if key in seen or per_article <= 0:
            continue
        seen.add(key)
        questions.extend(_article_questions(article, per_article))
    return questions


def _article_questions(article: Article, limit: int) -> list[GeneratedQuestion]:
    sentences = _sentences(article.text)
    candidates = sorted(
        (candidate for index, sentence in enumerate(sentences) for candidate in _candidates(sentence, index)),
        key=lambda candidate: (candidate.kind, candidate.sentence, candidate.position),
    )
    questions: list[GeneratedQuestion] = []
    asked: set[str] = set()
    for candidate in candidates:
        if len(questions) >= limit:
            break
        if candidate.phrase in asked:
            continue
        question = _question(article, sentences[candidate.sentence], candidate, len(questions) + 1)
        if question is not None:
            questions.append(question)
            asked.add(candidate.phrase)
    return questions


def _sentences(text: str) -> list[str]:
    sentences = []
    for paragraph in text.splitlines():
        paragraph = paragraph.strip()
        if not paragraph or LIST_ITEM.match(paragraph):
            continue
        for match in re.finditer(f"[^{SENTENCE_END}]+[{SENTENCE_END}]?", paragraph):
            sentence = match.group().strip()
            if sentence:
                sentences.append(sentence)
    return sentences


def _value(numeral: str) -> float | None:
    try:
        return float(chinese_number(numeral))
    except (ValueError, TypeError, KeyError):
        return None


def _candidates(sentence: str, index: int) -> list[_Candidate]:
    found: list[_Candidate] = []
    for match in DURATION_PHRASE.finditer(sentence):
        numeral, unit = match.groups()
        value = _value(numeral)
        if value is None or "〇" in numeral or "零" in numeral:
            continue  # 二〇一三年 is a date, not a duration
        if unit == "日" and match.start() > 0 and sentence[match.start() - 1] == "月":
            continue  # 三月十五日
        if unit == "年" and value > 50:
            continue
        found.append(_Candidate(DURATION, match.group(), value, DURATION_POOLS[unit], index, match.start()))
    for match in MULTIPLIER_PHRASE.finditer(sentence):
        value = _value(match.group(1))
        if value is not None:
            found.append(_Candidate(MULTIPLIER, match.group(), value, MULTIPLIER_POOL, index, match.start()))
    for match in AMOUNT_PHRASE.finditer(sentence):
        numeral, unit = match.groups()
        value = _value(numeral)
        if value is None or unit == "亿元":
            continue
        value *= 10000 if unit == "万元" else 1
        # 不足五百元的，为五百元: the least the consumer gets
        kind = MINIMUM if f"不足{match.group()}的，为{match.group()}" in sentence else AMOUNT
        found.append(_Candidate(kind, match.group(), value, AMOUNT_POOL, index, match.start()))
    for match in PERCENT_PHRASE.finditer(sentence):
        value = _value(match.group(1))
        if value is not None:
            found.append(_Candidate(PERCENT, match.group(), value, PERCENT_POOL, index, match.start()))
    found.extend(_party_candidates(sentence, index))
    return found


def _party_occurrences(sentence: str, party: str) -> list[int]:
    """Start offsets where party stands as a name of its own, not inside a longer one."""
    starts = []
    for match in re.finditer(re.escape(party), sentence):
        start = match.start()
        if start == 0 or sentence[start - 1] in PARTY_BEFORE:
            starts.append(start)
    return starts


def _party_candidates(sentence: str, index: int) -> list[_Candidate]:
    """A party named as the subject of a clause or as the one claimed against, in a sentence
    about liability (承担, 负责, 赔偿 ...)."""
    found = []
    for party in LIABLE_PARTIES:
        for start in _party_occurrences(sentence, party):
            before = sentence[start - 1] if start else ""
            after = sentence[start + len(party) : start + len(party) + 1]
            if "、" in (before, after):
                continue  # 生产者、销售者: either would fill the blank
            subject = before in ("", "，", "；", "：", "。", "由", "向")
            if subject and LIABILITY.search(sentence, start + len(party)):
                found.append(_Candidate(PARTY, party, 0.0, PARTY_POOL, index, start))
                break
    return found


def _blank(sentence: str, candidate: _Candidate) -> str:
    """The sentence with every whole occurrence of the phrase replaced by the blank."""
    if candidate.kind == PARTY:
        starts = _party_occurrences(sentence, candidate.phrase)
    else:
        pattern = re.compile(
            f"{NOT_INSIDE_NUMBER}{re.escape(candidate.phrase)}"
            + (NOT_FOLLOWED_BY_NUMBER if candidate.kind == PERCENT else "")
        )
        starts = [match.start() for match in pattern.finditer(sentence)]
    for start in reversed(starts):
        sentence = sentence[:start] + BLANK + sentence[start + len(candidate.phrase) :]
    return sentence


def _clauses(sentence: str) -> list[str]:
    return [match.group() for match in re.finditer(f"[^{CLAUSE_END}]+[{CLAUSE_END}]*|[{CLAUSE_END}]+", sentence)]


def _drop_list_intro(clauses: list[str]) -> tuple[list[str], bool]:
    """Leave out a last clause announcing a list ("但下列商品除外："); True when one was dropped."""
    if len(clauses) > 1 and "下列" in clauses[-1] and clauses[-1].endswith("："):
        return clauses[:-1], True
    return clauses, False


def _window(clauses: Sequence[str], anchor: int, budget: int) -> tuple[int, int] | None:
    """A run of whole clauses around clauses[anchor] that fits the budget, or None.

    The run starts where a sentence or a ；-part starts, as early as fits, so the subject stays in
    view; it takes the clause after a condition ending in 的 ("不足（　　）的，为（　　）"); then it
    takes further clauses while they fit, ending at the end of a ；-part where one is in reach.
    """

    def ends_part(index: int) -> bool:
        return index == len(clauses) - 1 or clauses[index].rstrip()[-1:] in "；。！？"

    def length(low: int, high: int) -> int:
        return sum(len(clause) for clause in clauses[low : high + 1])

    needed = anchor
    if anchor + 1 < len(clauses) and clauses[anchor].rstrip(CLAUSE_END).endswith("的"):
        needed = anchor + 1
    starts = [index for index in range(anchor + 1) if index == 0 or ends_part(index - 1)]
    for low in starts:
        if length(low, needed) > budget:
            continue
        high = needed
        while high + 1 < len(clauses) and length(low, high + 1) <= budget:
            high += 1
        part_end = next((index for index in range(high, needed - 1, -1) if ends_part(index)), None)
        return low, (part_end if part_end is not None else high)
    return None


def _finish(text: str, complete: bool) -> str:
    """End a run of clauses: 。 after a whole sentence or a ；-clause, …… where it was cut."""
    stripped = text.rstrip(CLAUSE_END)
    cut_at_comma = text[len(stripped) :][:1] in ("，", "、", "：")
    return stripped + (ELLIPSIS if cut_at_comma and not complete else "。")


def _question(article: Article, sentence: str, candidate: _Candidate, number: int) -> GeneratedQuestion | None:
    text = article.text
    distractors = _distractors(candidate, text)
    if distractors is None:
        return None
    short = short_law_title(article.law)

    blanked, dropped = _drop_list_intro(_clauses(_blank(sentence, candidate)))
    prefix = f"根据《{short}》，"
    anchor = next((i for i, clause in enumerate(blanked) if BLANK in clause), None)
    if anchor is None:
        return None
    span = _window(blanked, anchor, MAX_STEM - len(prefix) - len(ELLIPSIS))
    if span is None:
        return None
    low, high = span
    body = "".join(blanked[low : high + 1])
    if "下列" in body or candidate.phrase in body:
        return None
    stem = prefix + _finish(body, high == len(blanked) - 1 and not dropped)

    original, dropped = _drop_list_intro(_clauses(sentence))
    quote_prefix = f"《{short}》规定："
    # The blank holds no clause punctuation, so the sentence splits into the same clauses.
    span = _window(original, anchor, MAX_EXPLANATION - len(quote_prefix) - 2 * len(ELLIPSIS))
    if span is None:
        return None
    low, high = span
    quote = "".join(original[low : high + 1])
    complete = high == len(original) - 1 and not dropped
    explanation = quote_prefix + (ELLIPSIS if low > 0 else "") + _finish(quote, complete)
    if not complete and not explanation.endswith(ELLIPSIS):
        explanation = explanation.rstrip("。") + ELLIPSIS

    identifier = f"gen-{law_key(article.law)}-{article.number}-{number}"
    position = int(hashlib.sha1(identifier.encode("utf-8")).hexdigest(), 16) % (len(distractors) + 1)
    options = list(distractors)
    options.insert(position, candidate.phrase)
    return GeneratedQuestion(
        id=identifier,
        stem=stem,
        options=tuple(options),
        answer=position,
        explanation=explanation,
        law=article.law,
        article=article.number,
        fact=candidate.phrase,
    )


def _distractors(candidate: _Candidate, text: str) -> tuple[str, ...] | None:
    """Three wrong options of the same kind that occur nowhere in the article, or None."""
    if candidate.kind == PARTY:
        usable = [
            party
            for party in candidate.pool
            if party != candidate.phrase
            and party not in text
            # 电子商务平台经营者 is an 经营者 too: not a wrong answer where 经营者 is right.
            and not party.endswith(candidate.phrase)
            and not candidate.phrase.endswith(party)
            # 经营者, the umbrella term, reads as right where the article names 生产者 or 销售者;
            # the other way round the narrower party is wrong: the duty is every 经营者's.
            and not (party == "经营者" and candidate.phrase in ("生产者", "销售者"))
        ]
        return tuple(usable[:3]) if len(usable) >= 3 else None

    def value(phrase: str) -> float:
        return _phrase_value(phrase, candidate.kind)

    ranked = sorted({*candidate.pool, candidate.phrase}, key=value)
    own = next(i for i, phrase in enumerate(ranked) if value(phrase) == candidate.value)
    usable = [
        (abs(i - own), i, phrase)
        for i, phrase in enumerate(ranked)
        if value(phrase) != candidate.value and phrase not in text
    ]
    if len(usable) < 3:
        return None
    nearest = sorted(usable)[:3]
    return tuple(phrase for _, _, phrase in sorted(nearest, key=lambda item: item[1]))


def _phrase_value(phrase: str, kind: int) -> float:
    if kind == PERCENT:
        return float(chinese_number(phrase.removeprefix("百分之")))
    if kind in (AMOUNT, MINIMUM):
        scale = 10000 if phrase.endswith("万元") else 1
        return float(chinese_number(phrase.removesuffix("元").removesuffix("万"))) * scale
    numeral = re.match(NUMERAL, phrase)
    return float(chinese_number(numeral.group())) if numeral else 0.0
