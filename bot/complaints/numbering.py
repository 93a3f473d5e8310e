"""Ticket numbers for complaint and report cases: short to read out, random, and with a check character.

T-7K3M-9QX2-C: a kind prefix (T complaint, J report), 8 random characters (40 bits) of Crockford's
base32 (no I L O U, so nothing reads as another character), and Crockford's mod-37 check symbol, which
catches any single wrong character and any swap of two neighbouring body characters.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Protocol

SYMBOLS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_SYMBOLS = SYMBOLS + "*~$=U"
BODY_LENGTH = 8
PREFIXES = {"complaint": "T", "report": "J"}
CONFUSABLES = str.maketrans("ILO", "110")
SEPARATORS = re.compile(r"[\s\-‐‑‒–—―]+")

_ALNUM = "0-9A-Z０-９Ａ-Ｚ"
_SEPARATOR = r"[\s\-‐‑‒–—―－]{0,3}"
TICKET_PATTERN = re.compile(
    rf"(?<![{_ALNUM}])[TJＴＪ]{_SEPARATOR}(?:[{_ALNUM}]{_SEPARATOR}){{{BODY_LENGTH}}}[{_ALNUM}*~$=＊～＄＝](?![{_ALNUM}])",
    re.IGNORECASE,
)
"""A ticket-like token in a longer message, in any case, width or spacing; confirm it with normalize_ticket."""


class RandomSource(Protocol):
    """Where the random characters come from: the secrets module, or a seeded random.Random in tests."""

    def choice(self, seq: str, /) -> str: ...


def new_ticket(kind: str, *, random_source: RandomSource = secrets) -> str:
    """A fresh ticket number in display form for a "complaint" or a "report"."""
    if kind not in PREFIXES:
        raise ValueError(f"unknown ticket kind: {kind!r}")
    while True:  # issued tickets end in a letter or digit: * ~ $ = break links and "last 6" searches
        body = "".join(random_source.choice(SYMBOLS) for _ in range(BODY_LENGTH))
        check = _check_symbol(body)
        if check in SYMBOLS:
            return _display(PREFIXES[kind], body, check)


def normalize_ticket(text: str) -> str | None:
    """The display form of a ticket number as a person typed it, or None if it is malformed or fails the check."""
    compact = SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    if len(compact) != BODY_LENGTH + 2 or compact[0] not in PREFIXES.values():
        return None
    body, check = compact[1:-1].translate(CONFUSABLES), compact[-1].translate(CONFUSABLES)
    if not all(symbol in SYMBOLS for symbol in body) or _check_symbol(body) != check:
        return None
    return _display(compact[0], body, check)


def _check_symbol(body: str) -> str:
    """Crockford's check symbol: the body's value as a base-32 number, modulo 37."""
    value = 0
    for symbol in body:
        value = value * 32 + SYMBOLS.index(symbol)
    return CHECK_SYMBOLS[value % 37]


def _display(prefix: str, body: str, check: str) -> str:
    """T-7K3M-9QX2-C: groups of four are easy to read out over the phone."""
    return f"{prefix}-{body[:4]}-{body[4:]}-{check}"
