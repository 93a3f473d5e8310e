"""查进度: a citizen's own cases, or a ticket number (someone else's only after phone digits)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import texts
from bot.complaints import aftercare as aftercare_service
from bot.complaints import service
from bot.complaints.form import promised_deadline
from bot.complaints.models import CaseRow
from bot.complaints.numbering import TICKET_PATTERN, normalize_ticket
from bot.complaints.parsing import phone_last4
from bot.core.dialogs import Outcome, Turn
from bot.core.messages import Reply
from bot.db import as_utc
from bot.services import Services
from handlers import aftercare
from handlers.limits import refused_for_now

VERIFY_STEP = "status.verify"
CHECK_SLOT = "status_check"


def mentions_ticket(turn: Turn) -> bool:
    return bool(turn.message.text) and _ticket_in(turn.message.text) is not None


def verifying(turn: Turn) -> bool:
    return turn.conversation.step == VERIFY_STEP


async def show_mine(turn: Turn) -> Outcome:
    cases = await service.cases_of(turn.db, turn.conversation.user)
    if not cases:
        return Outcome((Reply(texts.STATUS_NONE),), label="status")
    if len(cases) == 1:
        return Outcome((await _detail(turn, cases[0], owner=True),), label="status")
    lines = [texts.STATUS_LIST_TITLE] + [
        texts.STATUS_LINE.format(ticket=c.ticket, kind=texts.CASE_KINDS[c.kind], business=c.business_name,
                                 status=texts.CASE_STATUSES[c.status])
        for c in cases
    ]
    return Outcome((Reply("\n".join(lines) + "\n" + texts.STATUS_ASK_TICKET),), label="status")


async def lookup_ticket(turn: Turn) -> Outcome:
    """A ticket in the message: the owner sees it at once; anyone else proves the phone's last digits.
    Looking up tickets that are not one's own (found or not) is limited: numbers cannot be enumerated."""
    ticket = _ticket_in(turn.message.text)
    case = await service.find(turn.db, ticket) if ticket else None
    user = turn.conversation.user
    if case is not None and (case.channel, case.external_id) == (user.channel, user.external_id):
        return Outcome((await _detail(turn, case, owner=True),), label="status")
    refused = await refused_for_now(turn, "ticket_lookup", texts.RATE_LIMITED_LOOKUP)
    if refused is not None:
        return refused
    if case is None:
        shown = ticket or turn.message.text.strip()[:20]
        return Outcome((Reply(texts.STATUS_NOT_FOUND.format(ticket=shown)),), label="status_not_found")
    if case.anonymous:
        return Outcome((Reply(texts.STATUS_ANONYMOUS),), label="status_refused")
    if await _checks_left(turn, case.ticket) <= 0:
        return Outcome((Reply(texts.STATUS_LOCKED),), label="status_locked")
    return Outcome((Reply(texts.STATUS_ASK_PHONE),), next_step=VERIFY_STEP,
                   slots={**turn.conversation.slots, CHECK_SLOT: {"ticket": case.ticket}}, label="status_verify")


async def verify_phone(turn: Turn) -> Outcome:
    """The phone's last digits for the ticket being checked; a ticket number instead starts a new lookup
    (asking again does not reset anything: wrong guesses are counted in the database)."""
    if mentions_ticket(turn):
        return await lookup_ticket(turn)
    check = turn.conversation.slots.get(CHECK_SLOT) or {}
    case = await service.find(turn.db, check.get("ticket", ""))
    others = {k: v for k, v in turn.conversation.slots.items() if k != CHECK_SLOT}
    phone = await service.contact_phone(turn.db, case) if case else None
    if case is None or phone is None:
        return Outcome((Reply(texts.STATUS_ANONYMOUS),), next_step=None, slots=others, label="status_refused")
    if await _checks_left(turn, case.ticket) <= 0:  # other tries elsewhere used them up meanwhile
        return Outcome((Reply(texts.STATUS_LOCKED),), next_step=None, slots=others, label="status_locked")
    digits = "".join(ch for ch in turn.message.text if ch.isdigit())
    if len(digits) >= 4 and digits[-4:] == phone_last4(phone):
        return Outcome((await _detail(turn, case),), next_step=None, slots=others, label="status")
    service.record_failed_check(turn.db, case.ticket, turn.conversation.user, datetime.now(UTC))
    await turn.db.flush()
    left = await _checks_left(turn, case.ticket)
    if left <= 0:
        return Outcome((Reply(texts.STATUS_LOCKED),), next_step=None, slots=others, label="status_locked")
    return Outcome((Reply(texts.STATUS_PHONE_WRONG.format(left=left)),), next_step=VERIFY_STEP,
                   slots={**others, CHECK_SLOT: check}, label="status_verify")


async def _checks_left(turn: Turn, ticket: str) -> int:
    services: Services = turn.services
    return await service.status_checks_left(turn.db, ticket, turn.conversation.user, datetime.now(UTC),
                                            services.complaints)


async def _detail(turn: Turn, case: CaseRow, *, owner: bool = False) -> Reply:
    """The case as its citizen sees it; its owner, once it is closed, may ask to reopen it or rate it."""
    services: Services = turn.services
    department = services.complaints.jurisdiction.by_code(case.department_code or "")
    zone = services.complaints.timezone
    deadline = promised_deadline(services.knowledge.claims, case, department.name if department else None)
    text = texts.STATUS_DETAIL.format(
        ticket=case.ticket, kind=texts.CASE_KINDS[case.kind], business=case.business_name,
        status=texts.CASE_STATUSES[case.status],
        department=department.name if department else texts.TRIAGE_DEPARTMENT,
        deadline=deadline,
        received=as_utc(case.received_at).astimezone(zone).strftime("%Y年%m月%d日"),
    )
    events = await service.history(turn.db, case)
    lines = [f"{as_utc(e.created_at).astimezone(zone).strftime('%m-%d')} {texts.CASE_STATUSES[e.status]}"
             for e in events if not service.is_internal(e.note)]
    platform = [texts.STATUS_PLATFORM_NUMBER.format(number=case.platform_number)] if case.platform_number else []
    body = "\n".join([text.replace("\n\n", "\n"), *platform, texts.STATUS_HISTORY, *lines])
    if owner and await aftercare_service.open_for_follow_up(turn.db, case, datetime.now(UTC), services.complaints):
        return Reply(f"{body}\n{texts.AFTER_OFFER}", aftercare.buttons(case.ticket))
    return Reply(body)


def _ticket_in(text: str) -> str | None:
    found = TICKET_PATTERN.search(text.upper())
    return normalize_ticket(found.group(0)) if found else None
