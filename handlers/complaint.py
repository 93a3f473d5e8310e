"""The complaint and report dialog (diagram: handlers/complaint.mmd) over the form of
bot/complaints/form.py: start, resume, the next answer, filing and what the citizen is told then."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot import texts
from bot.answer_replies import render_answer
from bot.complaints import form, service
from bot.complaints.form import FORM_NAME, drafts_of
from bot.core.dialogs import Outcome, Turn
from bot.core.forms import (
    Form,
    Status,
    Step,
    advance,
    draft_of,
    resume_prompt,
    start,
)
from bot.core.messages import Button, MessageKind, Reply
from bot.services import Services
from handlers import escalation
from handlers.matchers import command_text


def complaint_form(services: Services) -> Form:
    return form.complaint_form(services.knowledge.claims, services.complaints.timezone,
                               services.complaints.draft_expiry_days)


def in_dialog(turn: Turn) -> bool:
    return (turn.conversation.step or "").startswith(f"{FORM_NAME}.")


async def begin(turn: Turn) -> Outcome:
    """我要投诉 / 我要举报 / the button: start the form (the kind is known when they said it)."""
    services: Services = turn.services
    now = datetime.now(UTC)
    saved = draft_of(turn.conversation.slots, complaint_form(services))
    if saved is not None:  # a draft kept through a hand-off: offer it back rather than start over
        offer = resume_prompt(complaint_form(services), saved, now)
        if offer.status is Status.ASKING:
            return _outcome(turn, offer)
    data = {}
    said = turn.message.text if turn.message.kind is MessageKind.TEXT else turn.message.payload
    if "举报" in said and "投诉" not in said:
        data["kind"] = "report"
    elif "投诉" in said and "举报" not in said:
        data["kind"] = "complaint"
    step = start(complaint_form(services), now, (Reply(texts.COMPLAINT_INTRO),), data)
    return _outcome(turn, step)


def has_saved_draft(turn: Turn) -> bool:
    """A complaint draft is kept while no dialog step is active (a hand-off ended in between)."""
    saved = draft_of(turn.conversation.slots, complaint_form(turn.services))
    return turn.conversation.step is None and saved is not None


async def resume_saved(turn: Turn) -> Outcome:
    """继续 after a hand-off: the form goes on from the question it stopped at."""
    form = complaint_form(turn.services)
    step = advance(form, draft_of(turn.conversation.slots, form), f"{FORM_NAME}.resume", turn.message,
                   datetime.now(UTC))
    return _outcome(turn, step)


async def continue_dialog(turn: Turn) -> Outcome:
    """Any message while the form is open: resume after an absence, or the next answer."""
    services: Services = turn.services
    form = complaint_form(services)
    now = datetime.now(UTC)
    draft = draft_of(turn.conversation.slots, form)
    if draft is None:  # the step survived but the draft did not: start over cleanly
        return _outcome(turn, start(form, now))
    if turn.conversation.idle and turn.conversation.step != f"{FORM_NAME}.resume":
        return _outcome(turn, resume_prompt(form, draft, now))
    if turn.message.kind is MessageKind.TEXT and command_text(turn) in escalation.HUMAN_WORDS:
        queued = await escalation.queue_for_person(turn, "requested")
        return Outcome((Reply(queued), Reply(texts.FORM_KEPT)), next_step=f"{FORM_NAME}.resume",
                       wants_human=True, label="human")
    step = advance(form, draft, turn.conversation.step, turn.message, now,
                   side_answer=lambda text: _side_answer(services, text))
    if step.status is Status.DONE:
        return await _file(turn, step.data, now)
    return _outcome(turn, step)


def _side_answer(services: Services, text: str) -> tuple[Reply, ...] | None:
    """A question asked in the middle of the form, answered by the Q&A when it knows."""
    answer = services.knowledge.ask(text)
    return render_answer(answer, services.knowledge) if answer.answered else None


async def _file(turn: Turn, data: dict[str, Any], now: datetime) -> Outcome:
    services: Services = turn.services
    drafts = drafts_of(data, services.knowledge.normalizer.clean(data["business_name"]),
                       form.consumer_field_of(data, services.knowledge))
    filed = await service.file(turn.db, drafts, user=turn.conversation.user, now=now, settings=services.complaints)
    claims = services.knowledge.claims
    replies = tuple(Reply(form.acknowledgement(claims, case)) for case in filed.cases)
    clean = services.knowledge.normalizer.clean
    members = [clean(name) for name in services.complaints.odr_members]
    if any(case.kind == "complaint" for case in filed.cases) and service.in_odr(
            clean(data["business_name"]), members, services.complaints):
        replies += (Reply(claims.say("odr_member", business=data["business_name"])),)
    if filed.group_flagged:
        # Art. 11: joint handling only for the same dispute and with each complainant's consent; the
        # internal alarm (escalated level by level) does not depend on it.
        ticket = next(case.ticket for case in filed.cases if case.kind == "complaint")
        offer = Reply(claims.say("joint_offer"), (Button(texts.JOINT_YES, f"joint:yes:{ticket}"),
                                                   Button(texts.JOINT_NO, f"joint:no:{ticket}")))
        replies += (offer, await escalation.hand_off_group(turn, filed.group_case_id))
    slots = {k: v for k, v in turn.conversation.slots.items() if k != "form"}
    return Outcome(replies + (Reply(texts.COMPLAINT_AFTER, (Button(texts.STATUS_BUTTON, "status"),)),),
                   next_step=None, slots=slots, label="case_filed")


async def joint_consent(turn: Turn) -> Outcome:
    """The complainant's answer to the offer of joint handling (Art. 11), recorded on their case."""
    _, answer, ticket = (turn.message.payload.split(":") + ["", ""])[:3]
    case = await service.find(turn.db, ticket)
    user = turn.conversation.user
    owner = case is not None and (case.channel, case.external_id) == (user.channel, user.external_id)
    if not owner or answer not in ("yes", "no"):
        return Outcome((Reply(texts.STALE_BUTTON),), label="stale_button")
    await service.record_joint_consent(turn.db, case, consents=answer == "yes", now=datetime.now(UTC))
    return Outcome((Reply(texts.JOINT_AGREED if answer == "yes" else texts.JOINT_DECLINED),), label="joint_consent")


def _outcome(turn: Turn, step: Step) -> Outcome:
    slots = {k: v for k, v in turn.conversation.slots.items() if k != "form"}
    if step.draft is not None:
        slots["form"] = step.draft
    label = {Status.CANCELLED: "form_cancelled", Status.EXPIRED: "form_expired"}.get(step.status, "form")
    return Outcome(step.replies, next_step=step.step, slots=slots, label=label)
