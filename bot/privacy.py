"""Masking personal data in text kept for analysis (questions the bot could not answer).

Phone numbers, ID card and bank card numbers, e-mail addresses, names introduced as names, and street
addresses are replaced by a bracketed word before the text is stored: what a question is about stays
readable for the staff who improve the knowledge base, who asked does not.
"""

from __future__ import annotations

import re

PATTERNS = (
    (re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])|(?<!\d)\d{15}(?!\d)"), "[证件号]"),
    (re.compile(r"(?<!\d)\d{16,19}(?!\d)"), "[卡号]"),
    (re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)"), "[电话]"),
    (re.compile(r"(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)"), "[电话]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[邮箱]"),
    (re.compile(r"(?:我叫|我是|本人|姓名[:：]?|名字[是叫:：]?)\s*[\u4e00-\u9fa5]{2,4}(?=[，,。.\s]|$)"), "[姓名]"),
    (re.compile(r"[\u4e00-\u9fa5]{2,12}(?:路|街|大道|巷|胡同)\d+号(?:[\u4e00-\u9fa5\d]{0,12}(?:号楼|栋|单元|室|层))*"),
     "[地址]"),
    (re.compile(r"[\u4e00-\u9fa5]{2,12}(?:小区|花园|家园|公寓)[\d一二三四五六七八九十]+(?:号楼|栋|幢)"
                r"(?:[\d一二三四五六七八九十]+(?:单元|室|层|号))*"), "[地址]"),
)


def mask(text: str) -> str:
    """The text with personal data replaced (see the module's note)."""
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text
