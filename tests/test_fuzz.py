"""Generated input never crashes the normaliser, the dialog parsers, the WeChat callback or the web API.

Each property runs WEIQUAN_FUZZ_EXAMPLES generated cases (default 50: the normal suite stays fast);
`python bench/fuzz.py` raises the count for a run of more than 10,000 cases. The inputs are derandomised
(the same on every run) unless WEIQUAN_FUZZ_SEED names a seed to explore others. Every test records how
many cases it ran as the user property "cases", which the bench adds up.

Pure functions run under hypothesis proper, so a failure is shrunk to a minimal input. Properties that
need the async fixtures (a runtime, an app) draw their inputs with hypothesis first and then loop over
them: a failure there names its input but is not shrunk.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import unicodedata
import urllib.parse
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

import cn2an
import httpx
import opencc
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bot import texts
from bot.app import create_app
from bot.complaints import parsing
from bot.complaints.form import DEMANDS
from bot.complaints.jurisdiction import CITY_CODE, Business, Department, Jurisdiction
from bot.complaints.numbering import SYMBOLS, TICKET_PATTERN, new_ticket, normalize_ticket
from bot.config import load_config
from bot.core.choices import CHOICES_SLOT, resolve_numbered_choice
from bot.core.forms import Invalid
from bot.core.messages import IncomingMessage, MessageKind, UserRef
from bot.runtime import start_runtime
from bot.services import build_services
from handlers.complaint import complaint_form
from knowledge.base import DATA_DIR, load_statutes
from knowledge.claims import ClaimBook, load_claims
from tests.conftest import INTEGRATION, PROJECT_ROOT, make_config
from tests.fakes.wechat import WeChatPlatform, generate_aes_key, xml_fields
from tests.scenarios.chat import COMPLAINT_ANSWERS, Citizen
from tests.staff.console import StaffBrowser, create_staff

EXAMPLES = int(os.environ.get("WEIQUAN_FUZZ_EXAMPLES", "50"))
SEED = os.environ.get("WEIQUAN_FUZZ_SEED", "")
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not SEED,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def run_cases(check, strategy) -> int:
    """Run `check` on generated values (hypothesis shrinks a failure); how many cases ran."""
    ran = 0

    @FUZZ
    @given(value=strategy)
    def case(value):
        nonlocal ran
        ran += 1
        check(value)

    (seed(int(SEED))(case) if SEED else case)()
    return ran


def examples(strategy) -> list:
    """Values drawn by hypothesis, to feed code that needs async pytest fixtures."""
    drawn = []
    run_cases(drawn.append, strategy)
    return drawn


@contextlib.contextmanager
def blamed_on(value):
    """A failure inside names the generated input (the async loops cannot shrink it)."""
    try:
        yield
    except Exception as error:
        error.add_note(f"generated input: {value!r}")
        raise


FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}
CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
TRICKY = st.sampled_from(
    "\ud800\udfff\x00\u200b\ufeff\u3000\n\t\u0301"  # surrogate halves, NUL, zero-width, ideographic space, accent
    "１Ａａ￥，。？－"  # full width
    "禮週號塊錢萬億兩貳著乾後"  # Traditional
    "²③٣߃"  # digits that int() refuses (² ③) or reads (Arabic-Indic, NKo)
    "零〇一二两三四五六七八九十百千万亿半点天日号月年周前元块毛角分钱"
)
ANY_TEXT = st.text(st.one_of(CHINESE, st.characters(), TRICKY), max_size=300)
CHAT_TEXT = ANY_TEXT.map(lambda text: re.sub(r"[\ud800-\udfff]", "", text))
"""What a channel can deliver: the web strips surrogate halves, WeChat's XML cannot carry them."""


def _hedged(core, before: tuple[str, ...], after: tuple[str, ...]):
    return st.tuples(st.sampled_from(before), core, st.sampled_from(after)).map("".join)


DATE_FORMS = (parsing.RELATIVE_DAY, parsing.WEEKDAY, parsing.AGO, parsing.NUMERIC_DATE, parsing.MONTH_DOT_DAY,
              parsing.CHINESE_DATE, parsing.RELATIVE_MONTH, parsing.DAY_OF_MONTH)
PAST_DATE_FORMS = (parsing.RELATIVE_DAY, parsing.AGO, parsing.MONTH_DOT_DAY, parsing.DAY_OF_MONTH)
"""Forms without a year or a 这/本 qualifier (昨天, 三天前, 3.5, 5号): a day on or before today."""
DATE_BEFORE, DATE_AFTER = ("", "大概", "差不多是", "就在"), ("", "左右", "那天", "的时候吧", "。")
DATE_NUMBERS = st.tuples(
    st.one_of(st.integers(0, 99), st.integers(100, 999), st.integers(1000, 2100), st.integers(2101, 9999)),
    st.integers(0, 13), st.integers(0, 32),
    st.sampled_from(("{0}年{1}月", "{0}年{1}月{2}日", "{0:04d}-{1:02d}", "{0}-{1}-{2}", "{0}/{1}/{2}", "{1}月{2}号")),
).map(lambda case: case[3].format(*case[:3]))
"""Dates in the written forms with numbers at and past their edges (year 0, month 13, day 32)."""
DATE_LIKE = _hedged(st.one_of(DATE_NUMBERS, st.one_of(*(st.from_regex(form, fullmatch=True) for form in DATE_FORMS))),
                    DATE_BEFORE, DATE_AFTER)
AMOUNT_LIKE = _hedged(st.from_regex(parsing.AMOUNT, fullmatch=True), ("", "大概", "一共"), ("", "左右", "吧"))
MOBILES = st.tuples(
    st.sampled_from(("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                     "155", "156", "157", "158", "159", "166", "176", "177", "178", "180", "186", "189", "199")),
    st.integers(0, 10**8 - 1),
).map(lambda parts: f"{parts[0]}{parts[1]:08d}")
PHONE_SPELLINGS = (
    lambda n: n,
    lambda n: f"{n[:3]} {n[3:7]} {n[7:]}",
    lambda n: f"{n[:3]}-{n[3:7]}-{n[7:]}",
    lambda n: f"+86 {n}",
    lambda n: n.translate(FULL_WIDTH),
)
PHONE_WRITTEN = st.tuples(MOBILES, st.sampled_from(PHONE_SPELLINGS), st.text(CHINESE, max_size=8),
                          st.text(CHINESE, max_size=8))
PHONE_LIKE = st.one_of(
    PHONE_WRITTEN.map(lambda case: case[2] + case[1](case[0]) + case[3]),
    st.text(st.sampled_from("0123456789+-() ＋１２转分机ext"), max_size=30),
)
FORM_TEXT = st.one_of(ANY_TEXT, DATE_LIKE, AMOUNT_LIKE, PHONE_LIKE, st.sampled_from(COMPLAINT_ANSWERS))


# -- the text normaliser and the matcher --------------------------------------------------------------


def test_normaliser_folds_any_text_once_and_for_all(knowledge, record_property):
    """clean() is a fixed point (idempotent, Simplified, whitespace collapsed, encodable); typo fixing keeps length."""
    normalizer = knowledge.normalizer
    t2s = opencc.OpenCC("t2s.json")

    def check(text):
        cleaned = normalizer.clean(text)
        cleaned.encode("utf-8")  # no surrogate half survives
        assert cleaned == " ".join(cleaned.split())
        assert normalizer.clean(cleaned) == cleaned
        assert t2s.convert(cleaned) == cleaned
        assert len(normalizer.correct_typos(cleaned)) == len(cleaned)

    record_property("cases", run_cases(check, st.one_of(ANY_TEXT, DATE_LIKE, AMOUNT_LIKE)))


def test_ask_never_raises_and_stays_in_range(knowledge, record_property):
    def check(text):
        answer = knowledge.ask(text)
        assert 0.0 <= answer.confidence <= 1.0
        assert answer.answered == bool(answer.citations)

    record_property("cases", run_cases(check, ANY_TEXT))


# -- the dialog parsers -------------------------------------------------------------------------------


def _in_order(needle: str, haystack: str) -> bool:
    rest = iter(haystack)
    return all(char in rest for char in needle)


def test_a_phone_is_only_read_from_digits_in_the_text(record_property):
    def check(text):
        phone = parsing.parse_phone(text)
        if phone is not None:
            assert parsing.E164.fullmatch(phone) and phone.startswith("+86")
            assert parsing.parse_phone(phone) == phone
            folded = unicodedata.normalize("NFKC", text)
            assert _in_order(phone[3:], "".join(str(unicodedata.decimal(c)) for c in folded if c.isdecimal()))

    record_property("cases", run_cases(check, st.one_of(PHONE_LIKE, ANY_TEXT)))


def test_a_mobile_number_is_found_however_it_is_written(record_property):
    def check(case):
        number, spelling, before, after = case
        assert parsing.parse_phone(before + spelling(number) + after) == "+86" + number

    record_property("cases", run_cases(check, PHONE_WRITTEN))


def test_parse_date_returns_a_calendar_day_or_none(record_property):
    def check(case):
        text, today, form = case
        parsed = parsing.parse_date(text, today)
        if parsed is not None:
            assert parsed.precision == "day" or (parsed.precision == "month" and parsed.day.day == 1)
            assert form not in PAST_DATE_FORMS or parsed.day <= today

    dated = st.sampled_from(DATE_FORMS).flatmap(
        lambda form: st.tuples(_hedged(st.from_regex(form, fullmatch=True), DATE_BEFORE, DATE_AFTER), st.dates(),
                               st.just(form)))
    anything = st.tuples(st.one_of(DATE_NUMBERS, ANY_TEXT), st.dates(), st.none())
    record_property("cases", run_cases(check, st.one_of(dated, anything)))


WRITTEN_DATES = ("{0.year}年{0.month}月{0.day}日", "{0.year}年{0.month}月{0.day}号", "{0:%Y-%m-%d}",
                 "{0.year}/{0.month}/{0.day}", "{0.year}.{0.month}.{0.day}", "{1}天前", "{1}日之前")


def test_a_written_date_reads_back(record_property):
    def check(case):
        today, back, template, before, after = case
        day = today - timedelta(days=back)
        assert parsing.parse_date(before + template.format(day, back) + after, today) == parsing.ParsedDate(day, "day")

    record_property("cases", run_cases(check, st.tuples(
        st.dates(date(2001, 1, 1), date(2099, 12, 31)), st.integers(0, 3650), st.sampled_from(WRITTEN_DATES),
        st.sampled_from(DATE_BEFORE), st.sampled_from(DATE_AFTER))))


def test_parse_amount_returns_positive_fen_or_none(record_property):
    def check(text):
        amount = parsing.parse_amount(text)
        if amount is not None:
            assert amount > 0 and amount.as_tuple().exponent == -2

    record_property("cases", run_cases(check, st.one_of(AMOUNT_LIKE, ANY_TEXT)))


AMOUNT_SPELLINGS = ("{}元", "¥{}", "{}块", "{:,}元", "一共{}元左右", "人民币{}元")


def test_a_written_amount_reads_back(record_property):
    def check(case):
        (written, value), template = case
        assert parsing.parse_amount(template.format(written)) == value

    decimals = st.decimals(Decimal("0.01"), Decimal("99999999.99"), places=2).map(lambda value: (value, value))
    chinese = st.integers(1, 10**8).map(lambda value: (cn2an.an2cn(value), Decimal(value).quantize(parsing.CENT)))
    record_property("cases", run_cases(check, st.one_of(
        st.tuples(decimals, st.sampled_from(AMOUNT_SPELLINGS)), st.tuples(chinese, st.just("{}元")))))


def test_normalize_ticket_accepts_only_well_formed_tickets(record_property):
    def check(text):
        ticket = normalize_ticket(text)
        assert ticket is None or (TICKET_PATTERN.fullmatch(ticket) and normalize_ticket(ticket) == ticket)

    record_property("cases", run_cases(check, st.one_of(st.from_regex(TICKET_PATTERN, fullmatch=True), ANY_TEXT)))


def test_an_issued_ticket_reads_back_in_any_spelling(record_property):
    spellings = (str.lower, lambda t: t.replace("-", ""), lambda t: t.replace("-", " "),
                 lambda t: t.translate(FULL_WIDTH), lambda t: f" {t}\n")

    def check(case):
        number, kind, spelling = case
        ticket = new_ticket(kind, random_source=random.Random(number))
        assert normalize_ticket(spelling(ticket)) == ticket

    record_property("cases", run_cases(check, st.tuples(
        st.integers(), st.sampled_from(("complaint", "report")), st.sampled_from(spellings))))


def test_a_mistyped_ticket_number_is_refused(record_property):
    """The check symbol catches any one wrong body character and any swap of two neighbours."""
    def check(case):
        number, (position, shift) = case
        compact = new_ticket("complaint", random_source=random.Random(number)).replace("-", "")
        chars = list(compact)  # T, eight body characters, the check symbol
        if shift:
            chars[position] = SYMBOLS[(SYMBOLS.index(chars[position]) + shift) % len(SYMBOLS)]
        else:
            chars[position], chars[position + 1] = chars[position + 1], chars[position]
        if chars != list(compact):
            assert normalize_ticket("".join(chars)) is None

    substitutions = st.tuples(st.integers(1, 8), st.integers(1, len(SYMBOLS) - 1))
    swaps = st.tuples(st.integers(1, 7), st.just(0))
    record_property("cases", run_cases(check, st.tuples(st.integers(), st.one_of(substitutions, swaps))))


USER = UserRef("fuzz", "citizen")


def test_a_typed_number_presses_only_an_offered_button(record_property):
    def check(case):
        text, choices = case
        message = IncomingMessage(USER, MessageKind.TEXT, text=text)
        resolved = resolve_numbered_choice(message, {CHOICES_SLOT: choices})
        assert resolved == message or (resolved.kind is MessageKind.BUTTON and resolved.payload in choices)

    numbers = st.text(st.one_of(st.characters(categories=["Nd", "No"]), st.sampled_from(" .、")), max_size=4)
    payloads = st.lists(st.text(min_size=1, max_size=8), max_size=9)
    record_property("cases", run_cases(check, st.tuples(st.one_of(numbers, ANY_TEXT), payloads)))


def test_the_number_of_a_button_presses_it(record_property):
    def check(case):
        choices, index, spelling = case
        message = IncomingMessage(USER, MessageKind.TEXT, text=spelling(str(index + 1)))
        resolved = resolve_numbered_choice(message, {CHOICES_SLOT: choices})
        assert resolved.kind is MessageKind.BUTTON and resolved.payload == choices[index]

    spellings = (str, lambda n: f" {n}\n", lambda n: n + ".", lambda n: n + "、", lambda n: n.translate(FULL_WIDTH))
    record_property("cases", run_cases(check, st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=12)
                                       .flatmap(lambda choices: st.tuples(st.just(choices),
                                                                          st.integers(0, len(choices) - 1),
                                                                          st.sampled_from(spellings)))))


YES_NO = {"yes", "no"}
FREE_TEXT = re.compile(r"\S+(?: \S+)*")
"""One space between words, none at the ends: what the form's free-text answers are folded to."""
ACCEPTED = {
    "kind": lambda value: value in {"complaint", "report", "both"},
    "on_behalf": YES_NO.__contains__,
    "occurred_on": lambda value: bool(re.fullmatch(r"\d{4}-\d{2}(?:-\d{2})?", value))
    and value <= datetime.now(UTC).date().isoformat(),
    "handled_elsewhere": YES_NO.__contains__,
    "for_consumption": YES_NO.__contains__,
    "business_name": FREE_TEXT.fullmatch,
    "online": YES_NO.__contains__,
    "platform": FREE_TEXT.fullmatch,
    "business_address": FREE_TEXT.fullmatch,
    "facts": FREE_TEXT.fullmatch,
    "violation": FREE_TEXT.fullmatch,
    "amount": lambda value: bool(re.fullmatch(r"\d+\.\d{2}", value)) and Decimal(value) > 0,
    "demand": set(DEMANDS).__contains__,
    "evidence": lambda value: len(value) <= 500,
    "mediation": YES_NO.__contains__,
    "anonymous": YES_NO.__contains__,
    "consent": "yes".__eq__,
    "name": lambda value: value == value.strip() and 2 <= len(value) <= 30,
    "phone": parsing.E164.fullmatch,
    "address": FREE_TEXT.fullmatch,
}
"""What a well-formed stored answer looks like, per question of the complaint form."""


def test_every_form_answer_is_refused_politely_or_stored_well_formed(record_property, knowledge, tmp_path):
    """A parser raises only Invalid (with a message); what it accepts is well-formed and can be shown and checked."""
    asks_of_form = complaint_form(build_services(make_config(tmp_path), knowledge)).asks
    assert set(ACCEPTED) == {ask.slot for ask in asks_of_form}, "a new question needs its rule here"

    def check(case):
        ask, text = case
        try:
            value = ask.parse(text, {})
        except Invalid as problem:
            assert str(problem)
            return
        assert isinstance(value, str) and ACCEPTED[ask.slot](value)
        assert isinstance(ask.show(value), str)
        warning = ask.warn(value, {ask.slot: value}) if ask.warn else None
        assert warning is None or (isinstance(warning, str) and warning)

    structured = [ask for ask in asks_of_form if ask.slot in ("occurred_on", "amount", "phone")]
    asks = st.one_of(st.sampled_from(asks_of_form), st.sampled_from(structured))  # half the cases where the grammar is
    record_property("cases", run_cases(check, st.tuples(asks, FORM_TEXT)))


JURISDICTION = Jurisdiction([Department(d.code, d.name, d.responsible, d.places, d.keywords)
                             for d in load_config(PROJECT_ROOT / "config.toml", {}).complaints.departments],
                            ClaimBook(load_claims(DATA_DIR / "claims.toml"), load_statutes([], [])).citation)
AREAS = [d for d in JURISDICTION.departments if d.code != CITY_CODE]


def test_any_address_routes_to_a_bureau_or_to_triage(record_property):
    def check(case):
        business, report = case
        routing = JURISDICTION.route(business, report=report)
        assert routing.department is None or routing.department in JURISDICTION.departments
        assert isinstance(routing.basis, str) and routing.basis

    words = st.one_of(ANY_TEXT, st.sampled_from([p for d in AREAS for p in d.places] + ["淘宝", "京东", "包头市"]))
    businesses = st.builds(Business, name=words, address=words, online=st.booleans(),
                           platform=st.one_of(st.just(""), words), platform_domicile=st.one_of(st.just(""), words))
    record_property("cases", run_cases(check, st.tuples(businesses, st.booleans())))


def test_an_address_naming_one_district_goes_to_its_bureau(record_property):
    def check(case):
        department, city, number, unit = case
        business = Business("某商店", address=f"{city}{department.area}{number}{unit}")
        assert JURISDICTION.route(business).department == department

    record_property("cases", run_cases(check, st.tuples(
        st.sampled_from(AREAS), st.sampled_from(("", "呼和浩特市", "内蒙古呼和浩特市")), st.integers(1, 9999),
        st.sampled_from(("号", "号楼", "号院", "-3-201")))))


# -- the dialogs, through the engine ------------------------------------------------------------------

TURNS_PER_CITIZEN = 5


async def test_the_complaint_form_takes_any_answers(runtime, record_property):
    """Citizens start a complaint and type anything (or a real answer) at every step: every turn replies."""
    answers = examples(st.one_of(CHAT_TEXT, FORM_TEXT))
    for index, text in enumerate(answers):
        if index % TURNS_PER_CITIZEN == 0:
            citizen = Citizen(runtime, f"form-{index}")
            await citizen.say("我要投诉")
        with blamed_on(text):
            await citizen.say(text)
            assert citizen.replies
    record_property("cases", len(answers))


def _answering(replies) -> bool:
    """The quiz waits for an answer after a question, the hint or a reported question."""
    offered = any(button.payload.startswith("quiz:") for reply in replies for button in reply.buttons)
    return offered or replies[-1].text in (texts.QUIZ_ANSWER_HINT, texts.QUIZ_REPORT_DONE)


VERDICTS = tuple(text[0] for text in (texts.QUIZ_RIGHT, texts.QUIZ_WRONG, texts.QUIZ_LATE))
LETTER_ANSWERS = st.lists(
    st.tuples(st.sampled_from("ABCDEabcdeＡＣＥ"), st.sampled_from(("", " ", ",", "，", "、"))), min_size=1, max_size=5,
).map(lambda parts: "".join(letter + separator for letter, separator in parts))


async def test_the_quiz_takes_any_answer_and_scores_letters(runtime, record_property):
    """Anything typed during the daily quiz gets a reply; letters (A, ac, Ａ、C) are scored."""
    answers = examples(st.one_of(LETTER_ANSWERS.map(lambda text: (text, True)),
                                 CHAT_TEXT.map(lambda text: (text, False))))
    for index, (text, letters) in enumerate(answers):
        if index % TURNS_PER_CITIZEN == 0:
            citizen = Citizen(runtime, f"quiz-{index}")
            await citizen.say("答题")
        with blamed_on(text):
            answering = _answering(citizen.replies)
            await citizen.say(text)
            assert citizen.replies
            if answering and letters:
                assert citizen.replies[0].text.startswith(VERDICTS)
    record_property("cases", len(answers))


# -- the WeChat callback ------------------------------------------------------------------------------

TOKEN = "weiquan-fuzz-token"
APP_ID = "wx0123456789abcdef"
AES_KEY = generate_aes_key()
PLAIN = WeChatPlatform(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY, mode="plain")
SAFE = WeChatPlatform(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY, mode="safe")


@pytest.fixture
async def wechat(tmp_path, database_url, knowledge):
    """The app with the WeChat channel on (safe-mode key set) and its body cap.

    The reply budget is raised so that every turn is answered in the response: a turn over budget is
    answered "success" at once, and its failure would not show in the response.
    """
    config = make_config(tmp_path, database_url, WEIQUAN_WECHAT_TOKEN=TOKEN, WEIQUAN_WECHAT_APP_ID=APP_ID,
                         WEIQUAN_WECHAT_AES_KEY=AES_KEY, WEIQUAN_WECHAT_REPLY_BUDGET_SECONDS="4.5")
    runtime = await start_runtime(config, knowledge=knowledge)
    try:
        app = create_app(config, runtime=runtime)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield client, config.wechat.max_body_bytes
    finally:
        await runtime.close()


def signed_query() -> dict[str, str]:
    """Fresh query parameters of a plain push, signed as WeChat signs them (the body is not signed)."""
    params, _body = PLAIN.signed_post(PLAIN.text("oFuzz", "x"))
    return params


def encrypted(plaintext: str) -> tuple[dict[str, str], bytes]:
    """A safe-mode push whose encrypted message is `plaintext`, signed so that it reaches the XML parser."""
    params, _body = SAFE.signed_post(SAFE.text("oFuzz", "x"))
    envelope = SAFE.crypto.encrypt_message(plaintext, params["nonce"], params["timestamp"])
    return {**params, "msg_signature": xml_fields(envelope)["MsgSignature"]}, envelope.encode()


XML_CHAR = st.one_of(CHINESE, st.characters(exclude_categories=("Cs", "Cc", "Cn")), st.sampled_from("\n\t"))
XML_TEXT = st.text(XML_CHAR, max_size=100)
XML_PIECES = st.sampled_from((
    "<xml>", "</xml>", "<ToUserName>", "</ToUserName>", "<FromUserName>", "<MsgType>", "text", "event", "<Content>",
    "</Content>", "<![CDATA[", "]]>", "<MsgId>", "<CreateTime>", "&amp;", "&e;", "&#0;", "&#x110000;", "<", ">", "/",
    "<?xml version='1.0' encoding='gbk'?>", "<!DOCTYPE xml [", "<!ENTITY e 'x'>", "<!ENTITY e SYSTEM 'file:///etc/passwd'>",
    "]>", "\x00",
))
XML_GARBAGE = st.lists(st.one_of(XML_PIECES, XML_TEXT), max_size=20).map("".join)
DOCTYPES = (
    '<!DOCTYPE xml [<!ENTITY e "EXPANDED">]>',
    '<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/hostname">]>',
    '<!DOCTYPE xml [<!ENTITY a "EXPANDED"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY e "&b;&b;&b;&b;&b;&b;&b;&b;">]>',
)
ENTITY_ATTACKS = st.tuples(st.sampled_from(DOCTYPES), XML_TEXT, st.integers(1, 2**63)).map(
    lambda case: f"{case[0]}<xml><ToUserName>gh_test</ToUserName><FromUserName>oFuzz</FromUserName>"
                 f"<CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>{escape(case[1])}&e;</Content>"
                 f"<MsgId>{case[2]}</MsgId></xml>")
"""Text messages whose Content uses an entity declared in the document (expansion, external file, laughs)."""


async def test_wechat_answers_any_signed_body_without_a_500(wechat, record_property):
    """Signed pushes of bytes, XML-ish garbage and entity declarations (plain, or encrypted in safe mode) get 200."""
    client, _cap = wechat
    bodies = st.one_of(
        st.tuples(st.just("plain"), st.one_of(st.binary(max_size=300), XML_GARBAGE.map(str.encode),
                                              ENTITY_ATTACKS.map(str.encode))),
        st.tuples(st.just("safe"), st.one_of(XML_GARBAGE, ENTITY_ATTACKS,
                                             st.text(st.characters(exclude_categories=["Cs"])))),
    )
    cases = examples(bodies)
    for mode, payload in cases:
        with blamed_on(payload):
            params, body = (signed_query(), payload) if mode == "plain" else encrypted(payload)
            response = await client.post("/wechat", params=params, content=body)
            assert response.status_code == 200
            fields = (PLAIN if mode == "plain" else SAFE).read_reply(response.content, params)
            assert fields is None or "EXPANDED" not in fields.get("Content", "")
    record_property("cases", len(cases))


OPENID_CHAR = st.characters(exclude_categories=("Cs", "Cc", "Cn", "Zs", "Zl", "Zp"))
OPENIDS = st.text(OPENID_CHAR, min_size=1, max_size=64)
"""Senders as WeChat names them (openids are 28 characters); see the next property for unusable ones."""
MESSAGE_IDS = st.one_of(st.none(), st.integers(0, 2**64))
CONTENTS = st.one_of(
    XML_TEXT,
    st.tuples(XML_TEXT, st.integers(1, 20)).map(lambda case: case[0] * case[1]),
    st.sampled_from(COMPLAINT_ANSWERS + ("人工", "答题", "1", "²", "查进度", "T-7K3M-9QX2-C")),
)
HUGE = st.tuples(st.sampled_from(("a", "字", "😀", "]]>")), st.integers(65536, 2 * 65536)).map(
    lambda case: case[0] * (case[1] // len(case[0].encode()) + 1))
"""Content longer than the body cap (65,536 bytes in config.toml) on its own."""
EVENTS = st.one_of(st.sampled_from(("subscribe", "unsubscribe", "SCAN", "CLICK", "VIEW", "LOCATION")), XML_TEXT)


TEXT_TYPE = "<MsgType><![CDATA[text]]></MsgType>"
OTHER_KINDS = st.tuples(
    OPENIDS, st.one_of(st.sampled_from(("video", "file", "miniprogrampage")), XML_TEXT), XML_TEXT,
).map(lambda case: PLAIN.text(case[0], case[2]).replace(TEXT_TYPE, f"<MsgType>{escape(case[1])}</MsgType>"))
"""Kinds the bot has no handler for, and made-up ones."""
ENVELOPES = st.one_of(
    st.tuples(st.builds(PLAIN.text, OPENIDS, st.one_of(CONTENTS, HUGE), MESSAGE_IDS), st.just(True)),
    st.tuples(st.one_of(
        st.builds(PLAIN.menu_click, OPENIDS, st.from_regex(r"[0-9a-z:_]{1,20}", fullmatch=True), XML_TEXT),
        st.builds(PLAIN.image, OPENIDS, XML_TEXT, XML_TEXT),
        st.builds(PLAIN.voice, OPENIDS, XML_TEXT, st.one_of(st.none(), XML_TEXT)),
        st.builds(PLAIN.location, OPENIDS, st.floats(-90, 90), st.floats(-180, 180), XML_TEXT),
        st.builds(PLAIN.link, OPENIDS, XML_TEXT, XML_TEXT, description=XML_TEXT),
        st.builds(PLAIN.event, OPENIDS, EVENTS, XML_TEXT),
        OTHER_KINDS,
    ), st.just(False)),
)
"""(XML, is a text message) for every kind of push WeChat sends, with generated field contents."""


async def test_wechat_answers_every_push_and_text_with_a_valid_reply(wechat, record_property):
    """Well-formed signed pushes of every kind, plain or encrypted, with generated contents: 200, and a
    protocol-valid XML reply to every text message that fits under the body cap."""
    client, cap = wechat
    cases = examples(st.tuples(st.sampled_from((PLAIN, SAFE)), ENVELOPES))
    for platform, (xml, is_text) in cases:
        with blamed_on(xml):
            params, body = platform.signed_post(xml)
            response = await client.post("/wechat", params=params, content=body)
            assert response.status_code == 200
            reply = platform.read_reply(response.content, params)
            if is_text:
                assert (reply is None) == (len(body) > cap)
    record_property("cases", len(cases))


async def test_wechat_answers_a_push_from_an_unusable_sender_without_a_500(wechat, record_property):
    """No real push has an empty FromUserName or one longer than the 128 characters a conversation keeps;
    a signed one must still be answered (200) or refused (400), not crash the turn."""
    client, _cap = wechat
    senders = st.one_of(st.sampled_from(("", " ", "\n")), st.text(OPENID_CHAR, min_size=129, max_size=300))
    cases = examples(st.tuples(st.sampled_from((PLAIN, SAFE)), senders, XML_TEXT))
    for platform, sender, content in cases:
        with blamed_on(sender):
            params, body = platform.signed_post(platform.text(sender, content))
            response = await client.post("/wechat", params=params, content=body)
            assert response.status_code in (200, 400)
    record_property("cases", len(cases))


BUSINESS_NAMES = st.lists(st.one_of(
    st.text(st.one_of(st.characters(min_codepoint=0x20, max_codepoint=0x7E), st.sampled_from("\n\t商店超市＆＜＞")),
            max_size=10),
    st.sampled_from(("]]>", "<![CDATA[", "&amp;", "</Content>", "]]]]><![CDATA[>")),
), max_size=6).map(lambda parts: f"商家{''.join(parts)}店")
"""Names with XML's special characters; the alphabet cannot spell a question, an urgent word or a command."""


async def test_wechat_shows_any_business_name_back_in_valid_xml(wechat, record_property):
    """The form's summary repeats what the citizen typed; the passive reply must stay well-formed XML."""
    client, _cap = wechat
    names = examples(BUSINESS_NAMES)[: max(1, EXAMPLES // len(COMPLAINT_ANSWERS))]  # a whole form per name
    pushes = 0
    for index, name in enumerate(names):
        answers = [name if answer == COMPLAINT_ANSWERS[5] else answer for answer in COMPLAINT_ANSWERS]
        with blamed_on(name):
            for answer in answers:
                params, body = PLAIN.signed_post(PLAIN.text(f"oForm{index}", answer))
                response = await client.post("/wechat", params=params, content=body)
                pushes += 1
                reply = PLAIN.read_reply(response.content, params)
            assert " ".join(name.split()) in reply["Content"]
    record_property("cases", pushes)


# -- the web JSON API ---------------------------------------------------------------------------------

def json_containers(children: st.SearchStrategy) -> st.SearchStrategy:
    """Lists and objects of `children` (a named function: hypothesis reads a lambda's source to describe it)."""
    return st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    json_containers,
    max_leaves=10,
)
BODIES = st.one_of(
    st.binary(max_size=200),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries(
        {"user_id": st.one_of(ANY_TEXT, st.integers())},
        optional={"text": JSON_VALUES, "payload": JSON_VALUES, "message_id": JSON_VALUES},
    ).map(lambda value: json.dumps(value).encode()),
)


async def test_web_api_answers_every_body_without_a_500(config, runtime, record_property):
    app = create_app(config, runtime=runtime)
    bodies = examples(BODIES)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        for body in bodies:
            with blamed_on(body):
                response = await client.post("/api/chat", content=body, headers=INTEGRATION)
                assert response.status_code in (200, 400)
                assert "replies" in response.json() or "error" in response.json()
    record_property("cases", len(bodies))


ODD_VALUES = st.one_of(
    st.sampled_from(["²", "9" * 5000, str(10**30), "-1", "0", "１２", "٣", "", " ", "0001-01-01", "9999-12-31",
                     "2026-02-30", "x\r\nX-Injected: 1", "%0d%0a", "../../etc/passwd", "$\\foo{x}$", "null",
                     "[" * 3000, "<script>", "9×30"]),
    st.text(max_size=30),
)
"""Parameter values that parsers accept and handlers once choked on (issue 15's malformed-input findings)."""


def odd_requests(value: str) -> list[tuple[str, str, dict]]:
    """One malformed value put in every place a client controls: query parameters, path segments, JSON
    numbers and bodies, signature and secret headers."""
    as_json_number = value if value.lstrip("-").isdigit() and value.isascii() else "1"
    header = value.encode("utf-8")
    segment = urllib.parse.quote(value, safe="")  # as a browser would send it in a path
    return [
        ("GET", "/staff/cases", {"params": {"due_within": value, "after": value, "q": value, "status": value}}),
        ("GET", f"/staff/cases/{segment}", {}),
        ("GET", "/staff/dashboard", {"params": {"start": value, "end": value}}),
        ("GET", f"/staff/export.{segment}", {}),
        ("GET", "/staff/export.csv", {"params": {"start": value, "end": "9999-12-31"}}),
        ("GET", "/staff/api/queue", {"params": {"after": value}}),
        ("GET", "/staff/", {"params": {"flash": value, "error": value}}),
        ("GET", "/staff/login", {"params": {"error": value}}),
        ("GET", "/api/quiz/article", {"params": {"article": value, "law": value}}),
        ("GET", "/api/quiz/leaderboard", {"params": {"scope": value, "campaign": value}}),
        ("POST", "/api/quiz/answer", {"content": f'{{"attempt_id": {as_json_number}, "chosen": [0]}}'.encode()}),
        ("POST", "/api/quiz/start", {"content": f'{{"mode": {json.dumps(value)}, "name": {as_json_number}}}'.encode()}),
        ("POST", "/api/chat", {"content": f'{{"text": "hi", "message_id": {as_json_number}}}'.encode()}),
        ("GET", "/api/chat/updates", {"params": {"user_id": value}}),
        ("POST", "/telegram", {"content": b"{}", "headers": {"X-Telegram-Bot-Api-Secret-Token": header}}),
        ("POST", "/wechat", {"params": {"signature": value, "timestamp": value, "nonce": value}, "content": b"<x/>"}),
    ]


async def test_every_endpoint_answers_malformed_parameters_without_a_500(tmp_path, database_url, knowledge,
                                                                          record_property):
    config = make_config(tmp_path, database_url, WEIQUAN_TELEGRAM_TOKEN="123:fuzz", WEIQUAN_TELEGRAM_SECRET="s",
                         WEIQUAN_WECHAT_TOKEN=TOKEN, WEIQUAN_WECHAT_APP_ID=APP_ID)
    runtime = await start_runtime(config, knowledge=knowledge)
    values = examples(ODD_VALUES)
    try:
        app = create_app(config, runtime=runtime)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            await create_staff(runtime, "fuzz-admin", "admin")
            admin = StaffBrowser(client)
            await admin.log_in("fuzz-admin")
            for value in values:
                for method, path, options in odd_requests(value):
                    with blamed_on((method, path, value)):
                        response = await client.request(method, path, **options)
                        assert response.status_code < 500
    finally:
        await runtime.close()
    record_property("cases", len(values) * len(odd_requests("x")))
