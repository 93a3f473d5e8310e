"""Numbers that clients send in query strings, headers and button payloads."""

from __future__ import annotations

MAX_DIGITS = 9


def parse_count(text: str, *, max_digits: int = MAX_DIGITS) -> int | None:
    """A non-negative integer in ASCII digits, at most `max_digits` long; None for anything else.

    str.isdigit() accepts "²" (int() then raises) and any length (int() refuses 4,300 digits and more):
    neither may turn a client's request into a 500.
    """
    return int(text) if text.isascii() and text.isdigit() and len(text) <= max_digits else None
