"""Intake by staff: complaints and reports taken at on-site desks, on the 12315 phone line and from
walk-ins, with the chat dialog's own questions, checks and routing (bot/complaints/form.py; Measures
Arts. 9, 12, 15). The case records how it came in and reaches the citizen by phone. The page keeps what
was typed if the network drops and submits it when it is back; its key makes a second submission
show the first filing instead of filing again."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from bot import texts
from bot.complaints import form, service
from bot.complaints.models import CaseRow
from bot.core import dedup
from bot.core.forms import Ask, Invalid
from bot.core.messages import UserRef
from bot.staff.views.base import StaffRequest, staff_view

INTAKE_ROLE = "agent"
KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
LONG_ANSWERS = ("facts", "violation", "evidence")
"""Questions answered in a paragraph (a textarea); the others fit a line or are a choice."""


def _form(call: StaffRequest):
    settings = call.services.complaints
    return form.complaint_form(call.services.knowledge.claims, settings.timezone, settings.draft_expiry_days)


def _fields(asks: Sequence[Ask]) -> list[dict[str, Any]]:
    """How the page draws each question of the form: a choice list, a paragraph or a line."""
    return [{"slot": ask.slot, "label": ask.label, "optional": ask.optional, "long": ask.slot in LONG_ANSWERS,
             "choices": [(b.label, b.payload.removeprefix("form:")) for b in ask.choices]}
            for ask in asks if ask.slot != "consent"]


def read_answers(asks: Sequence[Ask], given: Mapping[str, str]) -> tuple[dict[str, Any], list[str], list[dict]]:
    """The answers as the dialog would store them, what is wrong with them, and the warnings (Art. 15
    pre-checks) to say to the citizen; questions that do not apply to the answers so far are skipped."""
    data: dict[str, Any] = {}
    problems: list[str] = []
    warnings: list[dict] = []
    for ask in asks:
        if not ask.when(data):
            continue
        value = given.get(ask.slot, "").strip()
        if not value:
            if not ask.optional:
                problems.append(texts.INTAKE_MISSING.format(label=ask.label))
            continue
        try:
            data[ask.slot] = ask.parse(value, data)
        except Invalid as problem:
            problems.append(f"{ask.label}：{problem}")
            continue
        warning = ask.warn(data[ask.slot], data) if ask.warn else None
        if warning:
            warnings.append({"slot": ask.slot, "text": warning})
    return data, problems, warnings


@staff_view(role=INTAKE_ROLE)
async def intake_page(call: StaffRequest) -> Response:
    return _page(call, {}, [], [])


def _page(call: StaffRequest, values: Mapping[str, str], problems: list[str], warnings: list[dict],
          status: int = 200) -> Response:
    response = call.render("intake.html", fields=_fields(_form(call).asks), channels=service.INTAKE_CHANNELS,
                           values=values, problems=problems, warnings=warnings,
                           key=values.get("intake_key") or secrets.token_urlsafe(24))
    response.status_code = status
    return response


@staff_view(role=INTAKE_ROLE, post=True)
async def intake_submit(call: StaffRequest) -> Response:
    asks = _form(call).asks
    values = {name: call.field(name, 2000) for name in
              [*(ask.slot for ask in asks), "channel", "intake_key", "acknowledged", "consent"]}
    key, channel = values["intake_key"], values["channel"]
    given = {**values, "consent": "同意" if values["consent"] else ""}
    data, problems, warnings = read_answers(asks, given)
    if channel not in service.INTAKE_CHANNELS:
        problems.insert(0, texts.INTAKE_MISSING.format(label=texts.INTAKE_CHANNEL))
    if not KEY.match(key):
        problems.insert(0, texts.INTAKE_MISSING.format(label="intake_key"))
    if problems or (warnings and not values["acknowledged"]):
        return _page(call, values, problems, warnings, status=422)
    cases = await _file_once(call, key, UserRef(channel, key), {**data, "_warnings": warnings})
    claims = call.services.knowledge.claims
    return call.render("intake_done.html", said=[form.acknowledgement(claims, case) for case in cases])


async def _file_once(call: StaffRequest, key: str, citizen: UserRef, data: dict[str, Any]) -> list:
    """File the intake, or return what the same key filed before (a form resubmitted after a network drop)."""
    earlier = await _filed_with(call, key)
    if earlier:
        return earlier
    knowledge = call.services.knowledge
    drafts = form.drafts_of(data, knowledge.normalizer.clean(data["business_name"]),
                            form.consumer_field_of(data, knowledge))
    try:
        async with call.sessions.begin() as session:
            await dedup.claim(session, f"intake:{key}", call.at)
            filed = await service.file(session, drafts, user=citizen, now=call.at, settings=call.services.complaints,
                                       actor=call.staff.username)
            await call.audit(session, "intake", ",".join(case.ticket for case in filed.cases),
                             {"channel": citizen.channel})
        return list(filed.cases)
    except dedup.AlreadyClaimed:
        return await _filed_with(call, key)


async def _filed_with(call: StaffRequest, key: str) -> list:
    settings = call.services.complaints
    async with call.sessions() as session:
        rows = (await session.scalars(select(CaseRow).where(
            CaseRow.external_id == key, CaseRow.channel.in_(service.INTAKE_CHANNELS)).order_by(CaseRow.id))).all()
    return [service.filed_case(row, settings) for row in rows]


ROUTES = [
    Route("/staff/intake", intake_page, methods=["GET"]),
    Route("/staff/intake", intake_submit, methods=["POST"]),
]
