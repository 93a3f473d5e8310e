"""The deadline chain of a case (限时办结): each step opens on a status, is due by a statutory period
counted in working days from the bureau's local day, and closes on the statuses that complete it.

Complaint: acceptance (Art. 14, 7 days from receipt) → mediation (Art. 21(5), ends without agreement
45 days from acceptance) → the notice that mediation ended (Art. 21, 7 days from that decision) →
closed. Report: verification and the decision to file a case (Art. 31 and the penalty procedure,
15 days from receipt; the notice to a real-name reporter goes out with the decision) → closed.
What a citizen is told of each step is the claim named here (knowledge/data/claims.toml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.complaints.deadlines import Rule, WorkingCalendar, deadline
from bot.complaints.models import CaseRow, CaseStepRow


@dataclass(frozen=True)
class Step:
    name: str
    kind: str
    rule: Rule
    claim: str
    """The claim that tells the citizen this step's deadline and its legal basis."""
    opens_on: frozenset[str]
    closes_on: frozenset[str]


DECIDED = frozenset({"accepted", "not_accepted", "mediating", "mediated", "mediation_ended", "closed"})
STEPS = (
    Step("acceptance", "complaint", Rule.DECIDE_ACCEPTANCE, "decide_acceptance",
         opens_on=frozenset({"received"}), closes_on=DECIDED),
    Step("mediation", "complaint", Rule.MEDIATION_ENDS, "mediation_limit",
         opens_on=frozenset({"accepted", "mediating"}), closes_on=frozenset({"mediated", "mediation_ended", "closed"})),
    Step("end_notice", "complaint", Rule.NOTIFY_MEDIATION_END, "end_notice",
         opens_on=frozenset({"mediation_ended"}), closes_on=frozenset({"closed"})),
    Step("verification", "report", Rule.VERIFY_CLUE, "report_verify",
         opens_on=frozenset({"received", "verifying"}), closes_on=frozenset({"filed", "not_filed", "closed"})),
)
BY_NAME = {step.name: step for step in STEPS}


async def follow(session: AsyncSession, case: CaseRow, status: str, today: date, calendar: WorkingCalendar) -> None:
    """After `case` took `status` on the local day `today`: close the open step it completes, open the next."""
    current = BY_NAME.get(case.step or "")
    if current is not None and status in current.closes_on:
        row = await session.scalar(select(CaseStepRow).where(CaseStepRow.case_id == case.id,
                                                             CaseStepRow.step == current.name))
        if row is not None and row.done_on is None:
            row.done_on = today
        case.step = None
    if case.step is not None:
        return
    opened = {name for name in (await session.scalars(
        select(CaseStepRow.step).where(CaseStepRow.case_id == case.id))).all()}
    following = next((step for step in STEPS if step.kind == case.kind and status in step.opens_on
                      and step.name not in opened), None)
    if following is None:
        return
    due = deadline(calendar, following.rule, today)
    session.add(CaseStepRow(case_id=case.id, step=following.name, started_on=today, due_on=due.due,
                            provisional=due.provisional))
    case.step, case.due_on, case.due_provisional = following.name, due.due, due.provisional


async def extend(session: AsyncSession, case: CaseRow, name: str, rule: Rule, calendar: WorkingCalendar) -> bool:
    """Move the open step `name` to the longer period `rule`, counted from the step's start; once only."""
    if case.step != name:
        return False
    row = await session.scalar(select(CaseStepRow).where(CaseStepRow.case_id == case.id, CaseStepRow.step == name))
    if row is None:
        return False
    due = deadline(calendar, rule, row.started_on)
    if due.due <= row.due_on:
        return False
    row.due_on, row.provisional = due.due, due.provisional
    case.due_on, case.due_provisional = due.due, due.provisional
    return True
