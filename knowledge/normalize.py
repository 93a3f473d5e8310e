"""Text normalisation for matching: script, width, numerals, slang, typos, segmentation.

Questions and knowledge-base texts go through the same steps, so that 七日/7天, 預付卡/预付卡,
ＡＢＣ/abc and 退一陪三/退一赔三 meet in the index.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick
import cn2an
import jieba
import opencc

CJK_NUMERAL_BEFORE_UNIT = re.compile(
    r"(?<![零〇一二两三四五六七八九十百千万])([零〇一二两三四五六七八九十百千万]+)"
    r"(?=[天日倍元块个年月周小时次折条件斤克]|公斤|毛钱)"
)
DAYS = re.compile(r"(\d+)(?:天|个工作日)")
NON_WORD = re.compile(r"[^\w]+")
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")  # JSON can carry them; no encoder accepts them
CJK = re.compile(r"[\u4e00-\u9fff]")
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
TYPO_MARGIN = 2.5
"""How much likelier (natural log) a domain word must be than the text as written to replace it."""
EVERYDAY_WORD_COUNT = 10_000
"""Words this common in jieba's dictionary are not typo targets: they are what the text says."""
TAUGHT_WORD_COUNT = 20
"""A domain word jieba did not know counts as this rare a word when weighing a typo correction."""
# Fuzzy pinyin: initials and finals that many speakers (and input methods) confuse.
FUZZY_PINYIN = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))


@dataclass(frozen=True)
class Lexicon:
    """Consumer slang -> formal terms added to a query, and the stop words to drop."""

    expansions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()
    characters: dict[str, str] = field(default_factory=dict)
    """Single characters with a consumer meaning -> the word they stand for (退 -> 退货)."""
    variants: dict[str, str] = field(default_factory=dict)
    """Taiwan and Hong Kong wording -> the mainland word (保固 -> 保修), replaced while folding."""


CLEAN_CACHE_SIZE = 256


class TextNormalizer:
    """Shared by the index and the matcher; build it once, it holds jieba's dictionary."""

    def __init__(self, lexicon: Lexicon, *, cache_dir: Path | None = None) -> None:
        self.lexicon = lexicon
        self._t2s = opencc.OpenCC("t2s.json")
        ordered = sorted(lexicon.variants, key=len, reverse=True)
        self._variants = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        # One turn folds the same message a dozen times (each route's matcher, then the search): keep
        # the last few results. Per instance, so that the cache goes with the normalizer.
        self.clean = functools.lru_cache(maxsize=CLEAN_CACHE_SIZE)(self._fold)
        self._tokenizer = jieba.Tokenizer()
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            self._tokenizer.tmp_dir = str(cache_dir)
            self._tokenizer.cache_file = "jieba.cache"
        jieba.setLogLevel(logging.WARNING)
        self._tokenizer.initialize()
        self._expansions: dict[str, tuple[str, ...]] = {}
        for slang, formal in lexicon.expansions.items():
            cleaned = tuple(self.clean(term) for term in formal)
            self._expansions[self.clean(slang)] = self._expansions.get(self.clean(slang), ()) + cleaned
        self._slang = ahocorasick.Automaton()
        for rank, slang in enumerate(self._expansions):
            self._slang.add_word(slang, rank)
        self._slang.make_automaton()
        self._formal = list(self._expansions.values())
        self._pieces = functools.lru_cache(maxsize=CLEAN_CACHE_SIZE)(self._segment)
        self._vocabulary: dict[str, list[str]] = {}
        self._pinyin: dict[str, str] = {}
        self._typo_lengths: tuple[int, ...] = ()
        self._taught: set[str] = set()
        self.add_words(self._expansions)

    def add_words(self, words: Iterable[str]) -> None:
        """Teach the segmenter domain terms so that 七天无理由 or 预付卡 stay one token."""
        for word in words:
            word = self.clean(word)
            if 2 <= len(word) <= 8 and word not in self._tokenizer.FREQ:
                self._tokenizer.add_word(word, freq=2000)
                self._taught.add(word)
        self._pieces.cache_clear()  # segmentations made before these words were known

    def learn_vocabulary(self, words: Iterable[str], pinyin: dict[str, str]) -> None:
        """Domain words that a homophone typo may be corrected to (包修其 -> 包修期).

        `pinyin` maps each character to its fuzzy syllable (see build_pinyin_table).
        """
        self._pinyin = pinyin
        for word in words:
            if self._tokenizer.FREQ.get(word, 0) > EVERYDAY_WORD_COUNT:
                continue  # 不会, 可以: no typo is ever corrected *to* an everyday word (已读不回 stays)
            if 2 <= len(word) <= 5 and CJK.fullmatch(word[0]) and all(CJK.fullmatch(c) for c in word):
                homophones = self._vocabulary.setdefault(self._fuzzy_pinyin(word), [])
                if word not in homophones:
                    homophones.append(word)
        self._typo_lengths = tuple(sorted({len(k.split()) for k in self._vocabulary}, reverse=True))

    def _fold(self, text: str) -> str:
        """`clean`: width, case, script and numerals folded; whitespace collapsed."""
        text = unicodedata.normalize("NFKC", LONE_SURROGATE.sub("", text)).lower()
        text = self._t2s.convert(text)
        if self._variants is not None:
            text = self._variants.sub(lambda found: self.lexicon.variants[found.group(0)], text)
        text = CJK_NUMERAL_BEFORE_UNIT.sub(_arabic, text)
        text = DAYS.sub(r"\1日", text)
        return " ".join(text.split())

    def correct_typos(self, text: str) -> str:
        """Replace runs of 1-4 segmenter pieces whose pinyin matches a known domain word.

        A noisy-channel choice: the domain word must be more likely than the text as written by
        TYPO_MARGIN (log odds), so that 收了 does not become 馊了 nor 练车 辆车, while 陪偿 -> 赔偿.
        """
        if not self._vocabulary:
            return text
        pieces = [word for word, _start, _end in self._pieces(text)]
        out: list[str] = []
        i = 0
        while i < len(pieces):
            replacement = self._homophone_at(pieces, i)
            out.append(replacement[0] if replacement else pieces[i])
            i += replacement[1] if replacement else 1
        return "".join(out)

    def _homophone_at(self, pieces: list[str], start: int) -> tuple[str, int] | None:
        """(domain word, pieces it replaces) for the longest window at `start` that is a typo of one."""
        for span in range(min(4, len(pieces) - start), 0, -1):
            window = "".join(pieces[start : start + span])
            if len(window) not in self._typo_lengths or not CJK_RUN.fullmatch(window):
                continue
            homophones = self._vocabulary.get(self._fuzzy_pinyin(window), ())
            if window in homophones:
                return None
            closest = min(homophones, key=lambda word: _changed(window, word), default=None)
            if closest is None or _changed(window, closest) > (1 if len(closest) <= 3 else 2):
                continue
            as_written = sum(self._log_frequency(piece) for piece in pieces[start : start + span])
            if self._log_frequency(closest, as_domain_word=True) - as_written >= TYPO_MARGIN:
                return closest, span
        return None

    def _log_frequency(self, word: str, *, as_domain_word: bool = False) -> float:
        """log P(word) by jieba's counts; a word we taught jieba counts as rare, not as common."""
        count = TAUGHT_WORD_COUNT if as_domain_word and word in self._taught else self._tokenizer.FREQ.get(word, 0)
        return math.log(max(count, 1) / self._tokenizer.total)

    def _fuzzy_pinyin(self, word: str) -> str:
        return " ".join(self._pinyin.get(char, char) for char in word)

    def _segment(self, text: str) -> tuple[tuple[str, int, int], ...]:
        """One segmentation of cleaned text, dictionary words only: (word, start, end) each; kept for
        the last few texts, as the typo check, the facts and the scope guard all read the same one."""
        return tuple(self._tokenizer.tokenize(text, HMM=False))

    def whole_words(self, text: str) -> list[str]:
        """Words of cleaned text as one segmentation (no sub-words), for the typo vocabulary."""
        return [word for word, _start, _end in self._pieces(text) if len(word) > 1 and CJK.match(word)]

    def word_boundaries(self, text: str) -> set[int]:
        """Where a word of cleaned text begins or ends (one segmentation, dictionary words only)."""
        return {edge for _word, start, end in self._pieces(text) for edge in (start, end)}

    def words(self, text: str) -> list[str]:
        """Content words of cleaned text: segmented; stop words and plain single characters dropped."""
        stop = self.lexicon.stopwords
        characters = self.lexicon.characters
        words = []
        for word in self._tokenizer.lcut_for_search(text, HMM=True):
            if len(word) == 1:
                word = characters.get(word, "")
            if len(word) > 1 and word not in stop and not NON_WORD.fullmatch(word) and not word.isdigit():
                words.append(word)
        return words

    def expansions(self, text: str) -> list[str]:
        """Formal terms for every slang phrase found in cleaned text (nested ones too), in lexicon order."""
        ranks = sorted({rank for _end, rank in self._slang.iter(text)})
        return [term for rank in ranks for term in self._formal[rank]]


def bigrams(text: str) -> list[str]:
    """Character bigrams inside runs of letters and digits (punctuation breaks a run).

    Bigrams of digits alone (the "11" of "111") say nothing about the topic and are left out.
    """
    grams: list[str] = []
    for run in NON_WORD.split(text):
        grams.extend(gram for i in range(len(run) - 1) if not (gram := run[i : i + 2]).isdigit())
    return grams


def _arabic(match: re.Match[str]) -> str:
    numeral = match.group(1)
    try:
        return str(int(cn2an.cn2an(numeral.replace("〇", "零"), "smart")))
    except (ValueError, KeyError):
        return numeral


def build_pinyin_table() -> dict[str, str]:
    """Every CJK character -> its first reading without tone, with fuzzy initials and finals folded.

    Built once with the index and cached, so that pypinyin is only imported when the index is built.
    """
    from pypinyin.pinyin_dict import pinyin_dict  # noqa: PLC0415 (pypinyin only when the index is built)

    table = {}
    for code, readings in pinyin_dict.items():
        if 0x4E00 <= code <= 0x9FFF:
            first = unicodedata.normalize("NFD", readings.split(",")[0])
            syllable = "".join(c for c in first if not unicodedata.combining(c)).replace("ü", "v")
            for sound, folded in FUZZY_PINYIN:
                syllable = syllable.replace(sound, folded)
            table[chr(code)] = syllable
    return table


def _changed(window: str, word: str) -> int:
    """How many characters a typo changed (both have the same length: one pinyin each)."""
    return sum(a != b for a, b in zip(window, word, strict=True))
