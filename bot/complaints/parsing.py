"""Read a phone number, a date and an amount of money out of what a citizen types into a complaint.

Input is folded first (NFKC for full-width digits and punctuation, then the few Traditional characters
the patterns look for), so 上禮拜五, １５０塊 and （0471）5551234 read like their Simplified, half-width forms.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import cn2an
import phonenumbers
from lunardate import LunarDate
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberType

TRADITIONAL = str.maketrans(
    "週禮個這號塊錢圓萬億兩貳參陸點約後時買總計應該幣", "周礼个这号块钱圆万亿两贰叁陆点约后时买总计应该币"
)
PERSONAL_NUMBER_TYPES = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
E164 = re.compile(r"\+[1-9]\d{6,14}")

NUMERAL = r"[0-9零〇一二两三四五六七八九十]+"
DATE_HEDGES = re.compile(
    r"^(?:大概|大约|约|应该|差不多|好像|可能|就)?(?:是|在)?"
    r"|(?:左右|前后)?(?:那天|的时候)?(?:早上|上午|中午|下午|傍晚|晚上|凌晨)?(?:买的|的)?[吧啊呀]?[。.!?~]*$"
)
RELATIVE_DAY = re.compile(r"(大前|前|昨|今)[天日]")
WEEKDAY = re.compile(r"(上上|上|这|本)?个?(?:周|星期|礼拜)([一二三四五六日天1-7])")
AGO = re.compile(rf"({NUMERAL}|半)个?(天|日|周|星期|礼拜|月|年)[之以]?前")
NUMERIC_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?")
MONTH_DOT_DAY = re.compile(r"(\d{1,2})[./](\d{1,2})")
LUNAR_DATE = re.compile(
    r"(?:([前去今])年)?(农历|阴历)?(正|冬|腊|十[一二]|[一二三四五六七八九十])月(初[一二三四五六七八九十]|廿[一二三四五六七八九]"
    r"|二十[一二三四五六七八九]?|三十|十[一二三四五六七八九]?|[一二三四五六七八九])?[日号]?"
)
"""腊月二十三, 去年腊月, 正月初五, 农历八月十五: lunar months and days (初/廿/正/冬/腊 or 农历 mark them)."""
LUNAR_MONTHS = {"正": 1, "冬": 11, "腊": 12}
CHINESE_DATE = re.compile(rf"(?:({NUMERAL})年|([前去今])年)?({NUMERAL})月(?:份|({NUMERAL})[日号]?)?")
RELATIVE_MONTH = re.compile(rf"(上上|上|这|本)个?月(?:({NUMERAL})[日号]?)?")
DAY_OF_MONTH = re.compile(rf"({NUMERAL})[日号]")
DAYS_BACK = {"今": 0, "昨": 1, "前": 2, "大前": 3}
PERIODS_BACK = {"上上": 2, "上": 1, "这": 0, "本": 0}
YEARS_BACK = {"前": 2, "去": 1, "今": 0}
WEEKDAY_INDEX = dict(zip("一二三四五六日天1234567", (0, 1, 2, 3, 4, 5, 6, 6, 0, 1, 2, 3, 4, 5, 6), strict=True))
AGO_UNITS = {"天": (1, 0), "日": (1, 0), "周": (7, 0), "星期": (7, 0), "礼拜": (7, 0), "月": (0, 1), "年": (0, 12)}
HALF_AGO_UNITS = {"月": (15, 0), "年": (0, 6)}
"""半个月前 is about two weeks, 半年前 six months: (days, months) back."""

AMOUNT_NUMERAL = r"[0-9.零〇一二两三四五六七八九十百千万亿点壹贰叁肆伍陆柒捌玖拾佰仟]+"
AMOUNT_DIGIT = r"[0-9一二两三四五六七八九]"
AMOUNT_HEDGES = re.compile(r"^(?:大概|大约|约|差不多|一共|总共|合计|共|花了|付了)?是?|(?:左右|上下)?[吧啊。.!?~]*$")
THOUSANDS_SEPARATOR = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
SPOKEN_JIAO = re.compile(rf"(?<=[元块圆])({AMOUNT_DIGIT})$")
SPOKEN_FEN = re.compile(rf"(?<=[毛角])({AMOUNT_DIGIT})$")
AMOUNT = re.compile(
    rf"(?:¥|人民币|rmb)?(?:({AMOUNT_NUMERAL})([元块圆])?)?(?:({AMOUNT_DIGIT})[毛角])?(?:({AMOUNT_DIGIT})分)?钱?整?",
    re.IGNORECASE,
)
PLAIN_DECIMAL = re.compile(r"\d+(?:\.\d+)?")
CENT = Decimal("0.01")


def parse_phone(text: str) -> str | None:
    """The first mainland China mobile or landline number in the text, as E.164, so the case can call back.

    Leniency.VALID is is_valid_number plus the trunk-prefix check that turns away a landline typed without
    its area code; service (110, 12315), toll-free/400 and foreign numbers are not a person's phone.
    """
    folded = unicodedata.normalize("NFKC", text)
    for match in phonenumbers.PhoneNumberMatcher(folded, "CN", leniency=Leniency.VALID):
        number = match.number
        if number.country_code == 86 and phonenumbers.number_type(number) in PERSONAL_NUMBER_TYPES:
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return None


def phone_last4(e164: str) -> str:
    """The last four digits of an E.164 number, to show a citizen which phone is on file without the rest."""
    if not E164.fullmatch(e164):
        raise ValueError("not an E.164 phone number")  # never the number itself: messages reach logs
    return e164[-4:]


@dataclass(frozen=True)
class ParsedDate:
    """A date a citizen gave; precision "month" means only the month was given and `day` is its 1st."""

    day: date
    precision: str


def parse_date(text: str, today: date) -> ParsedDate | None:
    """When something happened (今天, 上周五, 三天前, 3月2号, 2024年12月, 上个月…), relative to `today`.

    Dates without a year resolve to the most recent such date on or before today; explicit dates are
    returned as given, even in the future (the dialog decides what to accept).
    """
    core = DATE_HEDGES.sub("", _fold(text))
    try:
        return _parse_date(core, today)
    except (ValueError, OverflowError):  # a malformed numeral, 2月30日, or a date out of range
        return None


def parse_amount(text: str) -> Decimal | None:
    """An amount in yuan (150元, ¥150.5, 一百五, 1.5万, 八毛, 一块五) rounded to the fen; None unless positive."""
    core = THOUSANDS_SEPARATOR.sub("", AMOUNT_HEDGES.sub("", _fold(text)))
    match = AMOUNT.fullmatch(SPOKEN_FEN.sub(r"\1分", SPOKEN_JIAO.sub(r"\1毛", core)))
    if not match:
        return None
    yuan, unit, jiao, fen = match.groups()
    if not (yuan or jiao or fen) or (yuan and not unit and (jiao or fen)):
        return None
    try:
        total = _money(yuan) + _money(jiao) / 10 + _money(fen) / 100
        total = total.quantize(CENT, rounding=ROUND_HALF_UP)
    except (ValueError, InvalidOperation):  # a malformed numeral, or more digits than a Decimal holds
        return None
    return total if total > 0 else None


def _fold(text: str) -> str:
    """Half-width, Simplified where the patterns care, and without whitespace: one spelling per input."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).translate(TRADITIONAL))


def _numeral_value(numeral: str) -> float:
    """cn2an's reading of Arabic, Chinese or mixed numerals; garbage (7九十) is a ValueError without the text
    (cn2an's own KeyError or ValueError quotes it)."""
    try:
        return cn2an.cn2an(numeral, "smart")
    except (KeyError, ValueError):
        raise ValueError("not a numeral") from None  # neither the citizen's text nor cn2an's message about it


def _number(numeral: str) -> int:
    """An integer written in Arabic or Chinese numerals (12, 十二, 二〇二四)."""
    return int(_numeral_value(numeral))


def _money(numeral: str | None) -> Decimal:
    """An exact Decimal for Arabic numerals, cn2an for Chinese or mixed ones (一百五, 1.5万); 0 when absent."""
    if not numeral:
        return Decimal(0)
    if PLAIN_DECIMAL.fullmatch(numeral):
        return Decimal(numeral)
    return Decimal(str(_numeral_value(numeral)))


def _parse_date(core: str, today: date) -> ParsedDate | None:
    """Try each date form in turn on text already folded and stripped of hedges."""
    if match := RELATIVE_DAY.fullmatch(core):
        return ParsedDate(today - timedelta(days=DAYS_BACK[match[1]]), "day")
    if match := WEEKDAY.fullmatch(core):
        return ParsedDate(_weekday(today, match[1], WEEKDAY_INDEX[match[2]]), "day")
    if match := AGO.fullmatch(core):
        return _ago(today, match[1], match[2])
    if match := NUMERIC_DATE.fullmatch(core):
        return _written_date(int(match[1]), int(match[2]), match[3])
    if match := MONTH_DOT_DAY.fullmatch(core):
        return _recent_day(today, ((today.year - back, int(match[1]), int(match[2])) for back in range(9)))
    if match := CHINESE_DATE.fullmatch(core):
        return _chinese_date(today, *match.groups())
    if (match := LUNAR_DATE.fullmatch(core)) and _is_lunar(*match.groups()):
        return _lunar_date(today, *match.groups())
    if match := RELATIVE_MONTH.fullmatch(core):
        return _written_date(*_shift_month(today.year, today.month, -PERIODS_BACK[match[1]]), match[2])
    if match := DAY_OF_MONTH.fullmatch(core):
        day = _number(match[1])
        return _recent_day(today, ((*_shift_month(today.year, today.month, -back), day) for back in range(12)))
    return None


def _is_lunar(_relative_year: str | None, marker: str | None, month: str, day: str | None) -> bool:
    return bool(marker) or month in LUNAR_MONTHS or bool(day and day[0] in "初廿")


def _lunar_date(
    today: date, relative_year: str | None, _marker: str | None, month: str, day: str | None
) -> ParsedDate | None:
    """A lunar date as the solar day it fell on: in the lunar year named, else the latest one not after today."""
    month_number = LUNAR_MONTHS.get(month) or _number(month)
    day_number = _number(day.replace("初", "").replace("廿", "二十")) if day else 1
    this_year = LunarDate.from_solar_date(today.year, today.month, today.day).year
    years = [this_year - YEARS_BACK[relative_year]] if relative_year else [this_year - back for back in range(3)]
    for year in years:
        solar = LunarDate(year, month_number, day_number).to_solar_date()
        if relative_year or solar <= today:
            return ParsedDate(solar, "day" if day else "month")
    return None


def _weekday(today: date, qualifier: str | None, weekday: int) -> date:
    """上周五 is Friday of the previous Monday-based week; a bare 周五 is the latest Friday up to today."""
    if qualifier is None:
        return today - timedelta(days=(today.weekday() - weekday) % 7)
    monday = today - timedelta(days=today.weekday() + 7 * PERIODS_BACK[qualifier])
    return monday + timedelta(days=weekday)


def _ago(today: date, count: str, unit: str) -> ParsedDate | None:
    """三天前, 两周前, 一个月前 (calendar months, the day clamped to the month's end), 半个月前."""
    if count == "半":
        if unit not in HALF_AGO_UNITS:
            return None
        days, months = HALF_AGO_UNITS[unit]
    else:
        days, months = (_number(count) * per_unit for per_unit in AGO_UNITS[unit])
    year, month = _shift_month(today.year, today.month, -months)
    day = min(today.day, calendar.monthrange(year, month)[1])
    return ParsedDate(date(year, month, day) - timedelta(days=days), "day")


def _chinese_date(
    today: date, year: str | None, relative_year: str | None, month: str, day: str | None
) -> ParsedDate | None:
    """2024年12月5日, 24年12月, 去年12月, 今年3月 as written; 3月2号 and 3月份 in the latest year not after today."""
    month_number = _number(month)
    if relative_year:
        return _written_date(today.year - YEARS_BACK[relative_year], month_number, day)
    if year:
        full_year = _number(year)
        return _written_date(full_year + 2000 if full_year < 100 else full_year, month_number, day)
    if day:  # eight years back always hold a 2月29日
        return _recent_day(today, ((today.year - back, month_number, _number(day)) for back in range(9)))
    latest = _latest_on_or_before(today, ((today.year - back, month_number, 1) for back in range(2)))
    return ParsedDate(latest, "month") if latest else None


def _written_date(year: int, month: int, day: str | None) -> ParsedDate:
    """A date whose year and month are known, to the day if one was given, else to the month."""
    return ParsedDate(date(year, month, _number(day) if day else 1), "day" if day else "month")


def _recent_day(today: date, candidates: Iterable[tuple[int, int, int]]) -> ParsedDate | None:
    """The first real calendar day among (year, month, day) candidates that is not after today."""
    latest = _latest_on_or_before(today, candidates)
    return ParsedDate(latest, "day") if latest else None


def _latest_on_or_before(today: date, candidates: Iterable[tuple[int, int, int]]) -> date | None:
    """Candidates go back in time; skip impossible ones (2月29日 in 2026) and those after today."""
    for year, month, day in candidates:
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    """The (year, month) `delta` months away: month arithmetic across year ends."""
    index = year * 12 + month - 1 + delta
    return index // 12, index % 12 + 1
