"""The incident information report (突发事件信息报告) as a superior bureau receives it: the report's lines in
texts.INCIDENT_FORM order and the checklist with every step's deadline, completion time and who did it.

Pure: from an incident read in one transaction. The facts go with personal data masked (bot/privacy.py):
the superior bureau needs what happened, not who complained.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from bot import texts
from bot.db import as_utc
from bot.incidents.checklist import IncidentPlan
from bot.incidents.models import IncidentStepRow
from bot.incidents.service import Incident
from bot.privacy import mask

STAMP = "%Y-%m-%d %H:%M"


def local(moment: datetime | None, zone: tzinfo) -> str:
    return as_utc(moment).astimezone(zone).strftime(STAMP) if moment else ""


def step_state(step: IncidentStepRow, now: datetime) -> str:
    due = as_utc(step.due_at)
    if step.done_at is None:
        return texts.INCIDENT_OVERDUE if now > due else texts.INCIDENT_PENDING
    return texts.INCIDENT_LATE if as_utc(step.done_at) > due else texts.INCIDENT_ON_TIME


def reporting_unit(incident: Incident, plan: IncidentPlan, department_names: Mapping[str, str]) -> str:
    """The bureau the report comes from: the case's county department, or the city bureau."""
    code = incident.report.department_code
    return department_names.get(code, plan.levels[0]) if code else plan.levels[incident.report.start_level]


def form_lines(incident: Incident, plan: IncidentPlan, department_names: Mapping[str, str], *, group_tickets:
               list[str], contact: str, zone: tzinfo, now: datetime) -> list[list[object]]:
    """The report's lines, label then value, in texts.INCIDENT_FORM order."""
    report, case = incident.report, incident.case
    done = [s for s in incident.steps if s.done_at is not None]
    pending = [s for s in incident.steps if s.done_at is None]
    values = (
        report.title,
        texts.INCIDENT_KINDS.get(report.kind, report.kind),
        reporting_unit(incident, plan, department_names),
        "、".join(plan.levels[report.start_level + 1:]),
        local(now, zone),
        local(report.opened_at, zone),
        case.business_name,
        case.business_address or texts.UNKNOWN_ADDRESS,
        "、".join(group_tickets or [case.ticket]),
        department_names.get(case.department_code or "", texts.TRIAGE_DEPARTMENT),
        mask(case.facts),
        "\n".join(f"{local(s.done_at, zone)} {s.title}{'：' + s.note if s.note else ''}" for s in done) or texts.NONE,
        "\n".join(f"{s.title}（{texts.INCIDENT_STEP_DUE} {local(s.due_at, zone)}）" for s in pending) or texts.NONE,
        contact,
    )
    return [[label, value] for label, value in zip(texts.INCIDENT_FORM, values, strict=True)]


def step_lines(incident: Incident, zone: tzinfo, now: datetime) -> list[list[object]]:
    """The checklist in texts.INCIDENT_STEP_COLUMNS order."""
    return [[number, s.title, local(s.due_at, zone), local(s.done_at, zone), s.done_by or "", s.note,
             step_state(s, now)] for number, s in enumerate(incident.steps, start=1)]
