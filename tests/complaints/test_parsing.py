"""Phone numbers, dates and amounts as citizens type them: Simplified, Traditional, full-width, colloquial."""

from datetime import date
from decimal import Decimal

import pytest

from bot.complaints import parsing
from bot.complaints.parsing import ParsedDate, parse_amount, parse_date, parse_phone, phone_last4

TODAY = date(2026, 3, 10)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("138.1234.5678", "+8613812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("+8613812345678", "+8613812345678"),
        ("(+86)13812345678", "+8613812345678"),
        ("0086 13812345678", "+8613812345678"),
        ("0086-138-1234-5678", "+8613812345678"),
        ("8613812345678", "+8613812345678"),
        ("１３８１２３４５６７８", "+8613812345678"),
        ("＋８６　１３８－１２３４－５６７８", "+8613812345678"),
        ("19912345678", "+8619912345678"),
        ("我的手机是138 1234 5678，谢谢", "+8613812345678"),
        ("手機：１３８-１２３４-５６７８。", "+8613812345678"),
        ("0471-5551234", "+864715551234"),
        ("(0471)5551234", "+864715551234"),
        ("（0471）5551234", "+864715551234"),
        ("０４７１－５５５１２３４", "+864715551234"),
        ("0471 555 1234", "+864715551234"),
        ("+86 471 5551234", "+864715551234"),
        ("+86 (0)471 5551234", "+864715551234"),
        ("010-12345678", "+861012345678"),
        ("021 6123 4567", "+862161234567"),
        ("座機電話 0755-86001234", "+8675586001234"),
    ],
)
def test_parse_phone_reads_mobile_and_landline_numbers(text, expected):
    assert parse_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "没有电话",
        "12345678901",  # eleven digits, but no mobile range starts with 123
        "110",
        "12315",
        "95588",  # a bank's service line
        "400-810-8888",  # a company's shared-cost line
        "800-810-8888",  # toll-free
        "5551234",  # a landline without its area code
        "0755-8888888",  # Shenzhen landlines have eight digits
        "1381234567",
        "+852 9123 4567",  # Hong Kong
        "+1 650 253 0000",
        "150元",
    ],
)
def test_parse_phone_rejects_what_is_not_a_persons_mainland_number(text):
    assert parse_phone(text) is None


def test_phone_last4_shows_only_the_end_of_the_number():
    assert phone_last4("+8613812345678") == "5678"
    assert phone_last4("+864715551234") == "1234"
    assert phone_last4(parse_phone("138 1234 5678")) == "5678"


@pytest.mark.parametrize("text", ["13812345678", "5678", "", "+86 138 1234 5678"])
def test_phone_last4_refuses_what_is_not_e164(text):
    with pytest.raises(ValueError):
        phone_last4(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天", date(2026, 3, 10)),
        ("今日", date(2026, 3, 10)),
        ("昨天", date(2026, 3, 9)),
        ("前天", date(2026, 3, 8)),
        ("大前天", date(2026, 3, 7)),
        ("上周五", date(2026, 3, 6)),
        ("上星期五", date(2026, 3, 6)),
        ("上礼拜五", date(2026, 3, 6)),
        ("上个星期五", date(2026, 3, 6)),
        ("上週五", date(2026, 3, 6)),
        ("上禮拜五", date(2026, 3, 6)),
        ("上個禮拜五", date(2026, 3, 6)),
        ("上周5", date(2026, 3, 6)),
        ("上周一", date(2026, 3, 2)),
        ("上周日", date(2026, 3, 8)),
        ("上星期天", date(2026, 3, 8)),
        ("上上周三", date(2026, 2, 25)),
        ("这周一", date(2026, 3, 9)),
        ("本周一", date(2026, 3, 9)),
        ("這週一", date(2026, 3, 9)),
        ("周五", date(2026, 3, 6)),
        ("星期二", date(2026, 3, 10)),
        ("3天前", date(2026, 3, 7)),
        ("三天前", date(2026, 3, 7)),
        ("３天前", date(2026, 3, 7)),
        ("十天以前", date(2026, 2, 28)),
        ("两周前", date(2026, 2, 24)),
        ("兩週前", date(2026, 2, 24)),
        ("两个星期前", date(2026, 2, 24)),
        ("半个月前", date(2026, 2, 23)),
        ("一个月前", date(2026, 2, 10)),
        ("一個月前", date(2026, 2, 10)),
        ("3个月之前", date(2025, 12, 10)),
        ("一年前", date(2025, 3, 10)),
        ("3月2日", date(2026, 3, 2)),
        ("3月2号", date(2026, 3, 2)),
        ("3月2號", date(2026, 3, 2)),
        ("三月二日", date(2026, 3, 2)),
        ("３月２日", date(2026, 3, 2)),
        ("3月2", date(2026, 3, 2)),
        ("3.2", date(2026, 3, 2)),
        ("3/2", date(2026, 3, 2)),
        ("３／２", date(2026, 3, 2)),
        ("3月10日", date(2026, 3, 10)),
        ("3月20日", date(2025, 3, 20)),
        ("12月5号", date(2025, 12, 5)),
        ("十二月五號", date(2025, 12, 5)),
        ("12.31", date(2025, 12, 31)),
        ("2月29日", date(2024, 2, 29)),
        ("2024年12月5日", date(2024, 12, 5)),
        ("２０２４年１２月５日", date(2024, 12, 5)),
        ("二〇二四年十二月五日", date(2024, 12, 5)),
        ("2024-12-05", date(2024, 12, 5)),
        ("2024/12/5", date(2024, 12, 5)),
        ("2024.12.5", date(2024, 12, 5)),
        ("24年12月5日", date(2024, 12, 5)),
        ("去年12月5日", date(2025, 12, 5)),
        ("上个月5号", date(2026, 2, 5)),
        ("5号", date(2026, 3, 5)),
        ("15号", date(2026, 2, 15)),
        ("大概上周五吧", date(2026, 3, 6)),
        ("应该是三天前", date(2026, 3, 7)),
        ("昨天下午", date(2026, 3, 9)),
        ("昨天晚上买的。", date(2026, 3, 9)),
        ("就是3月2号那天", date(2026, 3, 2)),
        (" 3月2日左右 ", date(2026, 3, 2)),
    ],
)
def test_parse_date_to_the_day(text, expected):
    assert parse_date(text, TODAY) == ParsedDate(expected, "day")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024年12月", date(2024, 12, 1)),
        ("二〇二四年十二月", date(2024, 12, 1)),
        ("2024-12", date(2024, 12, 1)),
        ("去年12月", date(2025, 12, 1)),
        ("今年3月", date(2026, 3, 1)),
        ("前年3月", date(2024, 3, 1)),
        ("上个月", date(2026, 2, 1)),
        ("上個月", date(2026, 2, 1)),
        ("上月", date(2026, 2, 1)),
        ("这个月", date(2026, 3, 1)),
        ("本月", date(2026, 3, 1)),
        ("3月份", date(2026, 3, 1)),
        ("12月份", date(2025, 12, 1)),
        ("大概去年12月吧", date(2025, 12, 1)),
    ],
)
def test_parse_date_to_the_month(text, expected):
    assert parse_date(text, TODAY) == ParsedDate(expected, "month")


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (date(2026, 1, 5), "上周五", date(2026, 1, 2)),
        (date(2026, 1, 5), "12月30日", date(2025, 12, 30)),
        (date(2026, 1, 5), "12/30", date(2025, 12, 30)),
        (date(2026, 1, 5), "一个月前", date(2025, 12, 5)),
        (date(2026, 1, 5), "31号", date(2025, 12, 31)),
        (date(2026, 3, 31), "一个月前", date(2026, 2, 28)),
        (date(2026, 3, 15), "上周五", date(2026, 3, 6)),  # a Sunday: still the previous Monday-based week
        (date(2026, 3, 15), "这周五", date(2026, 3, 13)),
        (date(2026, 3, 15), "上周日", date(2026, 3, 8)),
        (date(2029, 3, 1), "2月29日", date(2028, 2, 29)),
    ],
)
def test_parse_date_across_year_and_month_ends(today, text, expected):
    assert parse_date(text, today) == ParsedDate(expected, "day")


def test_parse_date_month_precision_across_the_year_end():
    assert parse_date("上个月", date(2026, 1, 5)) == ParsedDate(date(2025, 12, 1), "month")
    assert parse_date("12月", date(2026, 1, 5)) == ParsedDate(date(2025, 12, 1), "month")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("这周五", ParsedDate(date(2026, 3, 13), "day")),
        ("今年12月", ParsedDate(date(2026, 12, 1), "month")),
        ("2027-01-01", ParsedDate(date(2027, 1, 1), "day")),
    ],
)
def test_parse_date_leaves_explicit_future_dates_to_the_dialog(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "你好",
        "不记得了",
        "上周",  # which day of it?
        "2024年",
        "去年",
        "几天前",
        "明天",
        "下周五",
        "2月30日",
        "13月5日",
        "3月32日",
        "2024-13-01",
        "32号",
        "0月",
        "100000000天前",
        "150元",
        "13812345678",
        "3.2.1",
        "七九十月",
    ],
)
def test_parse_date_rejects_what_is_not_a_date(text):
    assert parse_date(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("150", "150"),
        ("150元", "150"),
        ("150 元", "150"),
        ("¥150", "150"),
        ("￥150.5", "150.5"),
        ("１５０元", "150"),
        ("150块", "150"),
        ("150块钱", "150"),
        ("150塊錢", "150"),
        ("150.00元", "150"),
        ("150元整", "150"),
        ("人民币150元", "150"),
        ("RMB150", "150"),
        ("150元左右", "150"),
        ("大概150吧", "150"),
        ("一共150元", "150"),
        ("1,500元", "1500"),
        ("１，５００元", "1500"),
        ("19.99元", "19.99"),
        ("一百五", "150"),
        ("一百五十元", "150"),
        ("一百五十塊", "150"),
        ("壹佰伍拾元", "150"),
        ("一千二", "1200"),
        ("两千三百块", "2300"),
        ("兩千三百塊", "2300"),
        ("1.5万", "15000"),
        ("1.5萬元", "15000"),
        ("一万五", "15000"),
        ("一萬五", "15000"),
        ("3千", "3000"),
        ("三千块", "3000"),
        ("八毛", "0.8"),
        ("八毛钱", "0.8"),
        ("八毛錢", "0.8"),
        ("八角", "0.8"),
        ("两毛五", "0.25"),
        ("一块五", "1.5"),
        ("一塊五", "1.5"),
        ("一块五毛", "1.5"),
        ("3块5", "3.5"),
        ("3元5角2分", "3.52"),
        ("一点五元", "1.5"),
        ("0.5元", "0.5"),
        ("12.345", "12.35"),
        ("99.999元", "100"),
    ],
)
def test_parse_amount_in_yuan(text, expected):
    amount = parse_amount(text)
    assert amount == Decimal(expected)
    assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "text",
    [
        "",
        "免费",
        "不知道",
        "0",
        "0元",
        "零元",
        "0.001",
        "-150",
        "负150",
        "150斤",
        "150美元",
        "$150",
        "一百多块",  # only a lower bound; the dialog asks again
        "十五毛",
        "3月2日",
        "¥",
        "元",
        "150.5.5",
        "7九十元",
        "1" * 40,
    ],
)
def test_parse_amount_rejects_what_is_not_a_positive_amount(text):
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    "text, expected, precision",
    [
        ("去年腊月", date(2026, 1, 19), "month"),  # lunar 2025-12-01
        ("腊月二十三", date(2026, 2, 10), "day"),
        ("正月初五", date(2026, 2, 21), "day"),
        ("农历八月十五", date(2026, 9, 25), "day"),
        ("上上周五", date(2026, 11, 27), "day"),
    ],
)
def test_lunar_and_week_dates_on_a_monday_in_december(text, expected, precision):
    assert parse_date(text, date(2026, 12, 7)) == ParsedDate(expected, precision)


@pytest.mark.parametrize("text", ["2027-02-30", "2026年2月30日", "腊月三十二", "廿三"])
def test_impossible_dates_are_not_guessed(text):
    assert parse_date(text, date(2026, 12, 7)) is None


def test_refusals_never_carry_what_the_citizen_typed():
    """Exception messages end up in logs and tracebacks; names, phones and text must not."""
    with pytest.raises(ValueError) as phone:
        phone_last4("13812345678")
    with pytest.raises(ValueError) as numeral:
        parsing._number("7九十")
    assert "13812345678" not in str(phone.value)
    assert "九十" not in str(numeral.value) and numeral.value.__cause__ is None and numeral.value.__suppress_context__
