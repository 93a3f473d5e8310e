"""The complaint and report form: one table of questions, shared by the chat dialog (handlers/complaint.py)
and the staff's intake at desks and on the phone (bot/staff/views/intake.py).

Rules from 市场监督管理投诉举报处理暂行办法: complaint vs report (Art. 3), both in one filing
(Art. 7), what a complaint must contain (Art. 9), acting for someone else (Art. 10), the pre-checks
that make a complaint inadmissible (Art. 15), what a report must contain (Art. 24), and the
reporter's identity kept confidential (Art. 33).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot import texts
from bot.complaints import service, steps
from bot.complaints.drafts import CaseDraft, Party
from bot.complaints.jurisdiction import Business
from bot.complaints.parsing import parse_amount, parse_date, parse_phone
from bot.core.forms import CHOICE_PREFIX, MEDIA_PREFIX, Ask, Form, Invalid
from bot.core.messages import Button
from knowledge.base import KnowledgeBase
from knowledge.claims import ClaimBook

FORM_NAME = "complaint"
DEMANDS = ("退货", "退款", "更换", "维修", "赔偿", "其他")
MAX_EVIDENCE_ITEMS = 9
"""Photos and files kept per case from the dialog (a WeChat or Telegram album arrives as several messages)."""
THREE_YEARS = timedelta(days=3 * 365 + 1)  # claim `too_old`
WORD_CHARACTER = re.compile(r"[^\W_]")
NAME = re.compile(r"^[\u4e00-\u9fa5A-Za-z·• .]{2,30}$")


def _choice(label: str, value: str | None = None) -> Button:
    return Button(label, CHOICE_PREFIX + (value or label))


def _pick(options: Mapping[str, tuple[str, ...]], problem: str):
    """A parser for a choice: any of the words listed for a value selects it."""

    def parse(text: str, _data: Mapping[str, Any]) -> str:
        folded = text.strip().rstrip("。.!！")
        for value, words in options.items():
            if folded == value or any(word in folded for word in words):
                return value
        raise Invalid(problem)

    return parse


def _text(minimum: int, maximum: int, problem: str):
    """Free text of at most `maximum` characters with at least `minimum` letters, digits or Chinese
    characters: a business name of only punctuation (“！！”) is asked again."""

    def parse(text: str, _data: Mapping[str, Any]) -> str:
        cleaned = " ".join(text.split())
        if len(WORD_CHARACTER.findall(cleaned)) < minimum or len(cleaned) > maximum:
            raise Invalid(problem)
        return cleaned

    return parse


def _kind(text: str, _data: Mapping[str, Any]) -> str:
    folded = text.strip()
    if any(word in folded for word in ("都有", "两个都", "既", "两者", "both")):
        return "both"
    if any(word in folded for word in ("不清楚", "不知道", "区别", "不确定", "啥意思", "什么意思")):
        raise Invalid(texts.COMPLAINT_KIND_EXPLAIN)  # Art. 3: the difference in one sentence
    if "举报" in folded:
        return "report"
    if "投诉" in folded:
        return "complaint"
    raise Invalid(texts.COMPLAINT_KIND_EXPLAIN)


def _past_date(zone: ZoneInfo):
    """A date in the past, read against today in the bureau's zone (上周五 on a Monday at 07:30 there)."""

    def parse(text: str, _data: Mapping[str, Any]) -> str:
        today = datetime.now(zone).date()
        parsed = parse_date(text, today)
        if parsed is None:
            raise Invalid(texts.COMPLAINT_DATE_INVALID)
        if parsed.day > today:
            raise Invalid(texts.COMPLAINT_DATE_FUTURE)
        return parsed.day.isoformat() if parsed.precision == "day" else parsed.day.isoformat()[:7]

    return parse


def _show_date(value: str) -> str:
    year, month, *day = value.split("-")
    return f"{year}年{int(month)}月" + (f"{int(day[0])}日" if day else "")


def _amount(text: str, _data: Mapping[str, Any]) -> str:
    amount = parse_amount(text)
    if amount is None:
        raise Invalid(texts.COMPLAINT_AMOUNT_INVALID)
    return str(amount)


def _phone(text: str, _data: Mapping[str, Any]) -> str:
    phone = parse_phone(text)
    if phone is None:
        raise Invalid(texts.COMPLAINT_PHONE_INVALID)
    return phone


def _name(text: str, _data: Mapping[str, Any]) -> str:
    cleaned = text.strip()
    if not NAME.match(cleaned):
        raise Invalid(texts.COMPLAINT_NAME_INVALID)
    return cleaned


def _evidence(text: str, _data: Mapping[str, Any]) -> str:
    return text.strip()[:500]


def evidence_items(value: str | list[str] | None) -> tuple[str, ...]:
    """The evidence answer as items (drafts begun before several items were kept hold one string)."""
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _show_evidence(value: str | list[str]) -> str:
    items = evidence_items(value)
    files = sum(item.startswith(MEDIA_PREFIX) for item in items)
    words = [item for item in items if not item.startswith(MEDIA_PREFIX)]
    return "；".join(([texts.EVIDENCE_MEDIA.format(count=files)] if files else []) + words)


def _consent(required: str):
    """同意 to the privacy notice; anything else says why the details are needed and asks again."""
    choose = _pick(AGREE, required)

    def parse(text: str, data: Mapping[str, Any]) -> str:
        if choose(text, data) != "yes":
            raise Invalid(required)
        return "yes"

    return parse


def _consent_ask(claims: ClaimBook, draft_days: int) -> Ask:
    """The privacy notice before the first personal question: what is collected, why (Art. 9), who sees
    it (a reporter's identity: Art. 33), how long it is kept; the citizen's 同意 is kept with the case."""
    needs = claims.say("complaint_needs_contact")
    notice = texts.PRIVACY_NOTICE.format(needs=needs, secret=claims.say("reporter_secret"), draft_days=draft_days)
    return Ask("consent", notice, "个人信息告知", _consent(texts.PRIVACY_CONSENT_REQUIRED.format(needs=needs)),
               when=_identified, choices=(_choice("同意"), _choice("不同意")), show=lambda _v: "已同意")


def _too_old(claims: ClaimBook, zone: ZoneInfo):
    """More than three years since the citizen knew of the harm: inadmissible (claim `too_old`)."""
    warning = claims.say("too_old") + texts.COMPLAINT_CONTINUE_ANYWAY

    def warn(value: str, _data: Mapping[str, Any]) -> str | None:
        known = date.fromisoformat(value if len(value) == 10 else f"{value}-01")
        return warning if datetime.now(zone).date() - known > THREE_YEARS else None

    return warn


def _yes_warns(message: str):
    return lambda value, _data: message if value == "yes" else None


def _no_warns(message: str):
    return lambda value, _data: message if value == "no" else None


def is_complaint(data: Mapping[str, Any]) -> bool:
    return data.get("kind") in ("complaint", "both")


def is_report(data: Mapping[str, Any]) -> bool:
    return data.get("kind") in ("report", "both")


def _identified(data: Mapping[str, Any]) -> bool:
    """A complainant always gives contact details (Art. 9); a reporter only when real-name."""
    return is_complaint(data) or data.get("anonymous") == "no"


def _shown_as(yes: str, no: str):
    return lambda value: yes if value == "yes" else no


ON_BEHALF = {"yes": ("代", "帮", "替", "家人", "父母", "别人", "老人", "妈", "爸"), "no": ("本人", "自己", "我")}
ONLINE = {"yes": ("网", "线上", "平台", "app", "小程序", "直播"), "no": ("店", "线下", "实体", "现场", "门")}
AGREE = {"no": ("不同意", "不愿意", "不要"), "yes": ("同意", "愿意", "可以", "好")}
ANONYMOUS = {"yes": ("匿名",), "no": ("实名",)}
YES_NO = {"no": ("不是", "没有", "否", "不", "无", "没"), "yes": ("是", "有", "对", "嗯", "确实")}
"""Negatives first: 不是 contains 是."""

@functools.cache
def _asks(claims: ClaimBook, zone: ZoneInfo, draft_days: int) -> tuple[Ask, ...]:
    """The questions, in order; warnings and hints state the law through the claims table."""
    return (
        Ask("kind", texts.COMPLAINT_ASK_KIND, "类型", _kind,
            choices=(_choice("投诉"), _choice("举报"), _choice("两者都有", "都有"), _choice("不清楚区别", "不清楚")),
            show=lambda v: texts.CASE_KINDS[v], hint=texts.COMPLAINT_KIND_EXPLAIN),
        Ask("on_behalf", texts.COMPLAINT_ASK_ON_BEHALF, "投诉人", _pick(ON_BEHALF, texts.COMPLAINT_CHOOSE),
            when=is_complaint, choices=(_choice("我本人", "本人"), _choice("代别人投诉", "代")),
            show=_shown_as("代他人投诉", "本人"), warn=_yes_warns(claims.say("on_behalf") + texts.COMPLAINT_CONTINUE)),
        Ask("occurred_on", texts.COMPLAINT_ASK_DATE, "发生时间", _past_date(zone), when=is_complaint,
            warn=_too_old(claims, zone),
            show=_show_date),
        Ask("handled_elsewhere", texts.COMPLAINT_ASK_HANDLED, "其他部门处理情况",
            _pick(YES_NO, texts.COMPLAINT_CHOOSE), when=is_complaint,
            choices=(_choice("没有", "否"), _choice("处理过", "是")), show=_shown_as("已处理过", "没有"),
            warn=_yes_warns(claims.say("handled_elsewhere") + texts.COMPLAINT_CONTINUE_NEW_FACTS)),
        Ask("for_consumption", texts.COMPLAINT_ASK_CONSUMPTION, "生活消费",
            _pick(YES_NO, texts.COMPLAINT_CHOOSE), when=is_complaint,
            choices=(_choice("是，自己或家里用", "是"), _choice("不是（如经营用）", "不是")),
            show=_shown_as("是", "否"), warn=_no_warns(
                claims.say("not_for_living") + claims.say("farm_inputs") + texts.COMPLAINT_MAYBE_REPORT)),
        Ask("business_name", texts.COMPLAINT_ASK_BUSINESS, "商家名称", _text(2, 100, texts.COMPLAINT_BUSINESS_INVALID)),
        Ask("online", texts.COMPLAINT_ASK_ONLINE, "购买方式", _pick(ONLINE, texts.COMPLAINT_CHOOSE),
            choices=(_choice("网上"), _choice("线下门店", "线下")), show=_shown_as("网上", "线下")),
        Ask("platform", texts.COMPLAINT_ASK_PLATFORM, "平台", _text(1, 50, texts.COMPLAINT_PLATFORM_INVALID),
            when=lambda d: d.get("online") == "yes"),
        Ask("business_address", texts.COMPLAINT_ASK_ADDRESS, "商家地址", _text(2, 200, texts.COMPLAINT_ADDRESS_INVALID),
            optional=True),
        Ask("facts", texts.COMPLAINT_ASK_FACTS, "经过", _text(8, 2000, texts.COMPLAINT_FACTS_INVALID),
            when=is_complaint),
        Ask("violation", texts.COMPLAINT_ASK_VIOLATION, "违法线索", _text(8, 2000, texts.COMPLAINT_FACTS_INVALID),
            when=is_report, hint=claims.say("violation_clue")),
        Ask("amount", texts.COMPLAINT_ASK_AMOUNT, "涉及金额", _amount, when=is_complaint, optional=True,
            show=lambda v: f"{v}元"),
        Ask("demand", texts.COMPLAINT_ASK_DEMAND, "诉求",
            _pick({d: (d,) for d in DEMANDS}, texts.COMPLAINT_DEMAND_INVALID), when=is_complaint,
            choices=tuple(_choice(d) for d in DEMANDS)),
        Ask("evidence", texts.COMPLAINT_ASK_EVIDENCE, "证据", _evidence, optional=True, media=True,
            collect=MAX_EVIDENCE_ITEMS, show=_show_evidence),
        Ask("mediation", texts.COMPLAINT_ASK_MEDIATION, "同意调解", _pick(AGREE, texts.COMPLAINT_CHOOSE),
            when=is_complaint, choices=(_choice("同意"), _choice("不同意")), show=_shown_as("同意", "不同意")),
        Ask("anonymous",
            texts.COMPLAINT_ASK_ANONYMOUS.format(notice=claims.say("reporter_notice"),
                                                 secret=claims.say("reporter_secret")),
            "举报方式", _pick(ANONYMOUS, texts.COMPLAINT_CHOOSE),
            when=lambda d: d.get("kind") == "report",
            choices=(_choice("实名举报", "实名"), _choice("匿名举报", "匿名")), show=_shown_as("匿名", "实名")),
        _consent_ask(claims, draft_days),
        Ask("name", texts.COMPLAINT_ASK_NAME, "姓名", _name, when=_identified),
        Ask("phone", texts.COMPLAINT_ASK_PHONE, "联系电话", _phone, when=_identified, show=service.mask_phone),
        Ask("address", texts.COMPLAINT_ASK_HOME, "通讯地址", _text(4, 200, texts.COMPLAINT_ADDRESS_INVALID),
            when=is_complaint),
    )


def complaint_form(claims: ClaimBook, zone: ZoneInfo, draft_days: int) -> Form:
    return Form(FORM_NAME, _asks(claims, zone, draft_days), texts.COMPLAINT_SUMMARY, timedelta(days=draft_days))


KINDS = {"complaint": ("complaint",), "report": ("report",), "both": ("complaint", "report")}


def consumer_field_of(data: Mapping[str, Any], knowledge: KnowledgeBase) -> str:
    """The consumer field the case's own words are most about (business, platform, facts, violation)."""
    said = " ".join(str(data.get(slot) or "") for slot in ("business_name", "platform", "facts", "violation"))
    return knowledge.fields.suggest(knowledge.normalizer.clean(said))


def drafts_of(data: dict[str, Any], name_key: str, consumer_field: str = "other") -> tuple[CaseDraft, ...]:
    """The cases a confirmed form files (a complaint, a report, or both), from its slots."""
    business = Business(name=data["business_name"], address=data.get("business_address") or "",
                        online=data.get("online") == "yes", platform=data.get("platform") or "")
    party = (Party(data["name"], data["phone"], data.get("address") or "", consented=data.get("consent") == "yes")
             if data.get("name") else None)
    return tuple(
        CaseDraft(
            kind=kind,
            business=business,
            business_name_key=name_key,
            facts=(data.get("facts") if kind == "complaint" else data.get("violation")) or "",
            occurred_on=_month_or_day(data.get("occurred_on")),
            amount=Decimal(data["amount"]) if data.get("amount") else None,
            demand=data.get("demand") or "",
            consumer_field=consumer_field,
            evidence=evidence_items(data.get("evidence")),
            accepts_mediation={"yes": True, "no": False}.get(data.get("mediation")),
            on_behalf=data.get("on_behalf") == "yes",
            anonymous=kind == "report" and data.get("anonymous") == "yes",
            warnings=tuple(w["slot"] for w in data.get("_warnings", [])),
            party=party,
        )
        for kind in KINDS[data["kind"]]
    )


def _month_or_day(value: str | None) -> date | None:
    """The form stores 2026-03 or 2026-03-14; a month counts from its first day."""
    if not value:
        return None
    return date.fromisoformat(value if len(value) == 10 else f"{value}-01")


def acknowledgement(claims: ClaimBook, case: service.FiledCase) -> str:
    """What a citizen is told when a case is filed: its ticket, who handles it and, by law, what next."""
    kind = texts.CASE_KINDS[case.kind]
    if case.referred:
        return texts.CASE_REFERRED.format(kind=kind, ticket=case.ticket, next="".join(_elsewhere(claims, case)))
    department = case.department_name or texts.TRIAGE_DEPARTMENT
    return texts.CASE_FILED.format(kind=kind, ticket=case.ticket, department=department,
                                   deadline=promised_deadline(claims, case, case.department_name))


def promised_deadline(claims: ClaimBook, case, department_name: str | None) -> str:
    """The current step of the deadline chain, its due day and its legal basis, or "" when none runs.

    A report's verification step also says by which rules reports are handled and, for a real-name
    reporter, when the decision on filing a case will be told.
    """
    step = steps.BY_NAME.get(case.step or "")
    if step is None:
        return ""
    due = case.due_on.strftime("%Y年%m月%d日") + (texts.DUE_PROVISIONAL if case.due_provisional else "")
    said = claims.say(step.claim, department=department_name or texts.COMPETENT_BUREAU, due=due)
    if step.name != "verification":
        return said
    return claims.say("report_rules") + said + ("" if case.anonymous else claims.say("reporter_notice"))


def _elsewhere(claims: ClaimBook, case: service.FiledCase) -> list[str]:
    """Outside the city: no promise of acceptance, where to go instead and how (Arts. 12, 15, 25, 27, 29, 36)."""
    if case.kind == "complaint":
        said = [claims.say("no_jurisdiction"), claims.say("competent_for_complaint")]
    else:
        said = [claims.say("report_elsewhere"), claims.say("competent_for_report")]
        if case.online:
            said.append(claims.say("report_online"))
    return [*said, claims.say("national_platform"), texts.REFERRED_RECORDED]
