"""Opening incident reports, ticking off their checklist level by level, and the gala watch list.

A group case (Measures Art. 11) gets its report from the sweeper, once, whichever worker sees it first. A
gala exposure is registered by a supervisor: it becomes a report case of source 晚会曝光 (its verification
clock starts as any clue's does, Art. 31), its business goes on the watch list (new cases against it are
flagged, bot/complaints/service.py), and its incident report opens with the emergency plan's checklist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.complaints import service as cases
from bot.complaints.drafts import CaseDraft
from bot.complaints.jurisdiction import Business
from bot.complaints.models import CaseGroupRow, CaseRow, WatchedBusinessRow
from bot.core.messages import UserRef
from bot.incidents import checklist
from bot.incidents.checklist import IncidentPlan
from bot.incidents.models import IncidentReportRow, IncidentStepRow

SYSTEM = "system"


@dataclass(frozen=True)
class Exposure:
    """What a supervisor registers from the gala: the business, the product, what was shown, the day it aired."""

    business: Business
    business_name_key: str
    product: str
    exposed: str
    aired_on: date
    consumer_field: str = "other"


@dataclass(frozen=True)
class Incident:
    report: IncidentReportRow
    steps: list[IncidentStepRow]
    case: CaseRow


async def open_report(session: AsyncSession, *, kind: str, case: CaseRow, title: str, plan: IncidentPlan,
                      now: datetime, actor: str, group_id: int | None = None) -> IncidentReportRow:
    """A report with its checklist, due from `now`, starting at the level of the case's department."""
    start = checklist.start_level(case.department_code)
    report = IncidentReportRow(kind=kind, case_id=case.id, group_id=group_id, title=title[:200],
                               department_code=case.department_code, start_level=start, opened_at=now,
                               opened_by=actor)
    session.add(report)
    await session.flush()
    for position, step in enumerate(checklist.due_steps(plan, start, now)):
        session.add(IncidentStepRow(report_id=report.id, position=position, key=step.key, title=step.title,
                                    due_at=step.due_at, note=""))
    await session.flush()
    return report


async def open_for_groups(session: AsyncSession, plan: IncidentPlan, now: datetime) -> int:
    """Reports for group cases that have none yet (run from the sweeper in every worker)."""
    reported = select(IncidentReportRow.group_id).where(IncidentReportRow.group_id.is_not(None))
    groups = (await session.scalars(
        select(CaseGroupRow).where(CaseGroupRow.escalated.is_(True), CaseGroupRow.id.not_in(reported))
    )).all()
    opened = 0
    for group in groups:
        members = (await session.scalars(
            select(CaseRow).where(CaseRow.group_id == group.id).order_by(CaseRow.id))).all()
        if not members:
            continue
        title = texts.INCIDENT_GROUP_TITLE.format(business=members[0].business_name, count=len(members))
        try:
            async with session.begin_nested():
                await open_report(session, kind="group", case=members[0], title=title, plan=plan, now=now,
                                  actor=SYSTEM, group_id=group.id)
            opened += 1
        except IntegrityError:  # another worker opened it first
            continue
    return opened


async def register_gala(session: AsyncSession, exposure: Exposure, *, plan: IncidentPlan,
                        settings: cases.CaseSettings, actor: str, now: datetime) -> Incident:
    """The exposure as a report case of source 晚会曝光, its business watched, its incident report opened."""
    facts = texts.GALA_FACTS.format(aired=exposure.aired_on.strftime("%Y年%-m月%-d日"), product=exposure.product,
                                    exposed=exposure.exposed)
    draft = CaseDraft(kind="report", business=exposure.business, business_name_key=exposure.business_name_key,
                      facts=facts, occurred_on=exposure.aired_on, anonymous=True,
                      consumer_field=exposure.consumer_field)
    source = UserRef(cases.GALA_CHANNEL, secrets.token_urlsafe(12))
    filing = await cases.file(session, [draft], user=source, now=now, settings=settings, actor=actor)
    case = await cases.find(session, filing.cases[0].ticket)
    watch = WatchedBusinessRow(business_key=case.business_key, business_name=case.business_name,
                               product=exposure.product[:200], case_id=case.id, added_at=now, added_by=actor)
    session.add(watch)
    title = texts.INCIDENT_GALA_TITLE.format(business=case.business_name, product=exposure.product)
    report = await open_report(session, kind="gala", case=case, title=title, plan=plan, now=now, actor=actor)
    return await incident(session, report.id)


async def incident(session: AsyncSession, report_id: int) -> Incident | None:
    report = await session.get(IncidentReportRow, report_id)
    if report is None:
        return None
    steps = (await session.scalars(
        select(IncidentStepRow).where(IncidentStepRow.report_id == report_id).order_by(IncidentStepRow.position)
    )).all()
    return Incident(report, list(steps), await session.get(CaseRow, report.case_id))


async def complete_step(session: AsyncSession, report_id: int, key: str, *, actor: str, note: str,
                        now: datetime) -> str | None:
    """Tick a step off with its time, who did it and a note; the problem to show when it cannot be."""
    open_keys = (await session.scalars(select(IncidentStepRow.key).where(
        IncidentStepRow.report_id == report_id, IncidentStepRow.done_at.is_(None)))).all()
    if key not in open_keys:
        return texts.INCIDENT_STEP_DONE_ALREADY
    if checklist.blocking(key, open_keys) is not None:
        return texts.INCIDENT_LEVEL_BY_LEVEL
    done = await session.execute(
        update(IncidentStepRow)
        .where(IncidentStepRow.report_id == report_id, IncidentStepRow.key == key, IncidentStepRow.done_at.is_(None))
        .values(done_at=now, done_by=actor, note=note)
        .execution_options(synchronize_session=False)
    )
    return None if done.rowcount == 1 else texts.INCIDENT_STEP_DONE_ALREADY


async def reports(session: AsyncSession, department_code: str | None, *, every_department: bool,
                  limit: int = 100) -> list[tuple[IncidentReportRow, int, int]]:
    """Reports with their open and total step counts, newest first: a county's own, or all for the city."""
    counts = (select(IncidentStepRow.report_id, func.count(IncidentStepRow.id).label("total"),
                     func.count(IncidentStepRow.done_at).label("done"))
              .group_by(IncidentStepRow.report_id).subquery())
    query = (select(IncidentReportRow, counts.c.total, counts.c.done)
             .join(counts, counts.c.report_id == IncidentReportRow.id)
             .order_by(IncidentReportRow.opened_at.desc()).limit(limit))
    if not every_department:
        query = query.where(IncidentReportRow.department_code == department_code)
    return [(report, total - done, total) for report, total, done in (await session.execute(query)).all()]


async def watch_list(session: AsyncSession) -> list[WatchedBusinessRow]:
    return list((await session.scalars(
        select(WatchedBusinessRow).where(WatchedBusinessRow.lifted_at.is_(None)).order_by(WatchedBusinessRow.id)
    )).all())


async def lift_watch(session: AsyncSession, watch_id: int, *, actor: str, now: datetime) -> bool:
    lifted = await session.execute(
        update(WatchedBusinessRow).where(WatchedBusinessRow.id == watch_id, WatchedBusinessRow.lifted_at.is_(None))
        .values(lifted_at=now, lifted_by=actor).execution_options(synchronize_session=False)
    )
    return lifted.rowcount == 1
