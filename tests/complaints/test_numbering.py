"""Ticket numbers: display form, Crockford check symbol, what people type back, and finding one in a message."""

import random
import re

import pytest

from bot.complaints.numbering import TICKET_PATTERN, new_ticket, normalize_ticket

SYMBOLS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_SYMBOLS = SYMBOLS + "*~$=U"
DISPLAY = re.compile(r"[TJ]-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z*~$=U]")


class Scripted:
    """A random source that hands out the given symbols in order."""

    def __init__(self, symbols: str) -> None:
        self._symbols = iter(symbols)

    def choice(self, seq: str) -> str:
        symbol = next(self._symbols)
        assert symbol in seq
        return symbol


def expected_check(body: str) -> str:
    """The check symbol computed another way: Crockford base32 read as base-32 digits by int()."""
    as_base32 = body.translate(str.maketrans(SYMBOLS, "0123456789abcdefghijklmnopqrstuv"))
    return CHECK_SYMBOLS[int(as_base32, 32) % 37]


def tickets(count: int, seed: int = 2026) -> list[str]:
    source = random.Random(seed)
    return [new_ticket(("complaint", "report")[i % 2], random_source=source) for i in range(count)]


@pytest.mark.parametrize(("kind", "prefix"), [("complaint", "T"), ("report", "J")])
def test_new_ticket_display_form_and_prefix(kind, prefix):
    ticket = new_ticket(kind)
    assert DISPLAY.fullmatch(ticket)
    assert ticket.startswith(f"{prefix}-")
    assert normalize_ticket(ticket) == ticket


def test_new_ticket_body_comes_from_the_random_source_and_ends_with_the_check():
    assert new_ticket("complaint", random_source=Scripted("7K3M9QX3")) == "T-7K3M-9QX3-" + expected_check("7K3M9QX3")
    assert new_ticket("report", random_source=Scripted("00000000")) == "J-0000-0000-0"
    assert new_ticket("report", random_source=Scripted("00000010" "00000000")) == "J-0000-0000-0", (
        "a body whose check would be a symbol is drawn again"
    )
    assert new_ticket("report", random_source=Scripted("ZZZZZZZZ")) == "J-ZZZZ-ZZZZ-F"


def test_new_ticket_check_matches_an_independent_computation():
    for ticket in tickets(500):
        body = ticket[2:6] + ticket[7:11]
        assert ticket[-1] == expected_check(body)


def test_new_ticket_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        new_ticket("appeal")


def test_ten_thousand_tickets_are_unique_and_read_back_in_lower_case_with_spaces():
    generated = tickets(10_000)
    assert len(set(generated)) == len(generated)
    for ticket in generated:
        assert normalize_ticket(ticket.lower().replace("-", " ")) == ticket


@pytest.mark.parametrize(
    "typed",
    [
        "T-7K3M-9QX2-U",
        "t-7k3m-9qx2-u",
        "T7K3M9QX2U",
        "t7k3m9qx2u",
        "T 7K3M 9QX2 U",
        " t-7k3m 9qx2-u ",
        "T--7K3M--9QX2--U",
        "T-7-K-3-M-9-Q-X-2-U",
        "T—7K3M—9QX2—U",
        "Ｔ－７Ｋ３Ｍ－９ＱＸ２－Ｕ",
        "ｔ７ｋ３ｍ　９ｑｘ２ｕ",
    ],
)
def test_normalize_ticket_accepts_what_people_type(typed):
    assert normalize_ticket(typed) == "T-7K3M-9QX2-U"


@pytest.mark.parametrize("typed", ["J-01L0-0000-?", "j-oil0-oooo-?", "J-0IL0-O0o0-?"])
def test_normalize_ticket_reads_confusable_letters_as_digits(typed):
    ticket = new_ticket("report", random_source=Scripted("01100000"))
    assert normalize_ticket(typed.replace("?", ticket[-1])) == ticket == "J-0110-0000-" + expected_check("01100000")


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "T-7K3M-9QX2-C",  # the check symbol does not match
        "7K3M-9QX2-U",  # no kind prefix
        "X-7K3M-9QX2-U",
        "T-7K3M-9QX2",
        "T-7K3M-9QX2-UU",
        "T-7K3M-9QX-U",
        "T-7K3U-9QX2-U",  # U is a check symbol only
        "T-7K3M-9QX2-#",
        "T-7K3M-9QX2-U。",
        "帮我查一下 T-7K3M-9QX2-U",
    ],
)
def test_normalize_ticket_rejects_malformed_or_mistyped_numbers(typed):
    assert normalize_ticket(typed) is None


def test_any_single_changed_character_is_rejected():
    for ticket in tickets(50):
        compact = ticket.replace("-", "")
        for position in range(1, len(compact)):
            alphabet = CHECK_SYMBOLS if position == len(compact) - 1 else SYMBOLS
            for symbol in alphabet.replace(compact[position], ""):
                changed = compact[:position] + symbol + compact[position + 1 :]
                assert normalize_ticket(changed) is None, (ticket, changed)


def test_any_swapped_pair_of_neighbouring_body_characters_is_rejected():
    swaps = 0
    for ticket in tickets(200):
        compact = ticket.replace("-", "")
        for position in range(1, 8):
            if compact[position] != compact[position + 1]:
                swapped = compact[:position] + compact[position + 1] + compact[position] + compact[position + 2 :]
                assert normalize_ticket(swapped) is None, (ticket, swapped)
                swaps += 1
    assert swaps > 1000


@pytest.mark.parametrize(
    ("message", "token"),
    [
        ("帮我查一下 t-7k3m-9qx2-u 的进度", "t-7k3m-9qx2-u"),
        ("帮我查一下T-7K3M-9QX2-U的进度", "T-7K3M-9QX2-U"),
        ("我的单号是 T7K3M9QX2U，请问处理得怎么样了", "T7K3M9QX2U"),
        ("单号：T 7K3M 9QX2 U", "T 7K3M 9QX2 U"),
        ("单号 T - 7K3M - 9QX2 - U 麻烦了", "T - 7K3M - 9QX2 - U"),
        ("查詢Ｔ－７Ｋ３Ｍ－９ＱＸ２－Ｕ謝謝", "Ｔ－７Ｋ３Ｍ－９ＱＸ２－Ｕ"),
        ("举报编号 j-0000-0010-* 有结果了吗", "j-0000-0010-*"),
    ],
)
def test_ticket_pattern_finds_a_ticket_in_a_message(message, token):
    match = TICKET_PATTERN.search(message)
    assert match is not None
    assert match.group() == token
    assert normalize_ticket(match.group()) is not None


@pytest.mark.parametrize(
    "message",
    [
        "我想投诉一下T恤质量问题",
        "订单号 T20240305123456",
        "电话13812345678",
        "ST7K3M9QX2U",
        "T-7K3M-9QX",
    ],
)
def test_ticket_pattern_ignores_what_is_not_a_ticket(message):
    assert TICKET_PATTERN.search(message) is None
