"""After a case is closed: 申请重新处理 (with a reason, for the case's supervisors) and 评价 (1-5 and a
comment), from the buttons under the citizen's own case in 查进度."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import texts
from bot.complaints import aftercare, service
from bot.complaints.models import CaseRow
from bot.core.dialogs import Outcome, Turn
from bot.core.messages import Button, MessageKind, Reply
from bot.services import Services
from bot.staff import queue
from handlers.matchers import command_text

REASON_STEP = "after.reason"
COMMENT_STEP = "after.comment"
SLOT = "after"
SKIP_WORDS = {"跳过", "不用了", "没有", "没了", "算了"}


def buttons(ticket: str) -> tuple[Button, ...]:
    """What the owner of a recently closed case may do."""
    return (Button(texts.AFTER_REOPEN_BUTTON, f"after:reopen:{ticket}"),
            *(Button(texts.AFTER_SCORE_BUTTON.format(score=score), f"after:rate:{ticket}:{score}")
              for score in aftercare.SCORES))


def answering(turn: Turn) -> bool:
    return turn.conversation.step in (REASON_STEP, COMMENT_STEP) and turn.message.kind is MessageKind.TEXT


async def _own_closed_case(turn: Turn, ticket: str) -> CaseRow | None:
    """The citizen's own case, closed within the reopen window; None for anything else."""
    services: Services = turn.services
    case = await service.find(turn.db, ticket)
    user = turn.conversation.user
    if case is None or (case.channel, case.external_id) != (user.channel, user.external_id):
        return None
    open_now = await aftercare.open_for_follow_up(turn.db, case, datetime.now(UTC), services.complaints)
    return case if open_now else None


async def press(turn: Turn) -> Outcome:
    """after:reopen:<ticket> asks for the reason; after:rate:<ticket>:<1-5> keeps the score."""
    _, action, ticket, *rest = turn.message.payload.split(":") + [""]
    case = await _own_closed_case(turn, ticket)
    if case is None:
        return Outcome((Reply(texts.AFTER_NOT_OPEN),), label="after_refused")
    slots = {**turn.conversation.slots, SLOT: {"ticket": case.ticket}}
    if action == "reopen":
        return Outcome((Reply(texts.AFTER_ASK_REASON),), next_step=REASON_STEP, slots=slots, label="after_reopen")
    score = int(rest[0]) if rest and rest[0].isdigit() else 0
    if action != "rate" or score not in aftercare.SCORES:
        return Outcome((Reply(texts.STALE_BUTTON),), label="stale_button")
    await aftercare.rate(turn.db, case, score, datetime.now(UTC))
    return Outcome((Reply(texts.AFTER_RATED),), next_step=COMMENT_STEP, slots=slots, label="after_rated")


async def take_text(turn: Turn) -> Outcome:
    """The reason for reopening (goes to the case's supervisors), or the comment on a rating."""
    ticket = (turn.conversation.slots.get(SLOT) or {}).get("ticket", "")
    slots = {k: v for k, v in turn.conversation.slots.items() if k != SLOT}
    case = await _own_closed_case(turn, ticket)
    said = turn.message.text.strip()
    if case is None or command_text(turn) in SKIP_WORDS:
        return Outcome((Reply(texts.AFTER_DONE),), next_step=None, slots=slots, label="after_done")
    now = datetime.now(UTC)
    if turn.conversation.step == COMMENT_STEP:
        await aftercare.comment(turn.db, case, said)
        return Outcome((Reply(texts.AFTER_THANKS),), next_step=None, slots=slots, label="after_comment")
    aftercare.request_reopen(turn.db, case, said, now)
    await queue.open_handoff(turn.db, turn.conversation.user, "reopen", now, case_id=case.id,
                             transcript=[("citizen", texts.AFTER_HANDOFF_LINE.format(ticket=case.ticket, reason=said),
                                          now)])
    return Outcome((Reply(texts.AFTER_REOPEN_SENT.format(ticket=case.ticket)),), next_step=None, slots=slots,
                   wants_human=True, label="after_reopen_sent")
