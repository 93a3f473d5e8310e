"""What handlers may use, built once by the composition root and passed in with every turn."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.complaints.deadlines import WorkingCalendar, parse_overrides
from bot.complaints.jurisdiction import Department, Jurisdiction
from bot.complaints.service import CaseSettings
from bot.config import Config
from bot.staff.duty import StaffSettings
from bot.staff.roster import parse_shifts
from knowledge.base import KnowledgeBase


@dataclass(frozen=True)
class Services:
    knowledge: KnowledgeBase
    complaints: CaseSettings
    staff: StaffSettings
    max_suggestions: int = 3
    """How many "你是不是想问" suggestions to offer."""
    max_text_chars: int = 2000
    """Longer texts are cut before matching."""


def case_settings(config: Config) -> CaseSettings:
    section = config.complaints
    departments = [
        Department(d.code, d.name, d.responsible, d.places, d.keywords) for d in section.departments
    ]
    return CaseSettings(
        calendar=WorkingCalendar(parse_overrides(section.holiday_overrides)),
        jurisdiction=Jurisdiction(departments),
        draft_expiry_days=section.draft_expiry_days,
        group_window=timedelta(days=section.group_window_days),
        group_min_cases=section.group_min_cases,
        group_similarity=section.group_name_similarity,
        status_check_attempts=section.status_check_attempts,
    )


def staff_settings(config: Config) -> StaffSettings:
    section = config.staff
    return StaffSettings(
        shifts=parse_shifts([dataclasses.asdict(shift) for shift in section.roster.shifts]),
        timezone=ZoneInfo(section.roster.timezone),
        claim_timeout=timedelta(minutes=section.claim_timeout_minutes),
        max_open_per_agent=section.max_open_per_agent,
        escalation_timeout=timedelta(minutes=section.escalation_timeout_minutes),
    )


def build_services(config: Config, knowledge: KnowledgeBase) -> Services:
    return Services(
        knowledge=knowledge,
        complaints=case_settings(config),
        staff=staff_settings(config),
        max_suggestions=config.knowledge.max_suggestions,
        max_text_chars=config.conversation.max_text_chars,
    )
