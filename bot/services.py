"""What handlers may use, built once by the composition root and passed in with every turn."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import evidence
from bot.complaints.deadlines import WorkingCalendar, parse_overrides
from bot.complaints.jurisdiction import Department, Jurisdiction
from bot.complaints.service import CaseSettings
from bot.config import Config
from bot.core.ratelimit import RateLimits
from bot.incidents.checklist import IncidentPlan, PlanStep
from bot.knowledge_setup import load_quiz_questions
from bot.quiz.service import Campaign, QuizBank, QuizSettings
from bot.staff.duty import StaffSettings
from bot.staff.roster import parse_shifts
from knowledge.base import KnowledgeBase
from knowledge.claims import ClaimBook


@dataclass(frozen=True)
class Services:
    knowledge: KnowledgeBase
    complaints: CaseSettings
    staff: StaffSettings
    quiz: QuizSettings
    quiz_bank: QuizBank
    evidence_dir: Path
    """Where photos and files citizens send are kept by hash (every channel, and the console reads them)."""
    native_handoff: frozenset[str] = frozenset()
    """Channels whose own customer-service system takes hand-offs (config), not the staff console."""
    poll_channels: frozenset[str] = frozenset({"telegram"})
    """Channels that show a quiz question as a native poll the citizen taps, not as lettered lines."""
    max_suggestions: int = 3
    """How many "你是不是想问" suggestions to offer."""
    max_text_chars: int = 2000
    """Longer texts are cut before matching."""
    limits: RateLimits | None = None
    """Per-citizen and per-address limits ([ratelimit]); None: nothing is limited (offline tools)."""


def case_settings(config: Config, claims: ClaimBook) -> CaseSettings:
    section = config.complaints
    departments = [
        Department(d.code, d.name, d.responsible, d.places, d.keywords) for d in section.departments
    ]
    return CaseSettings(
        calendar=WorkingCalendar(parse_overrides(section.holiday_overrides)),
        jurisdiction=Jurisdiction(departments, claims.citation),
        draft_expiry_days=section.draft_expiry_days,
        group_window=timedelta(days=section.group_window_days),
        group_min_cases=section.group_min_cases,
        group_similarity=section.group_name_similarity,
        status_check_attempts=section.status_check_attempts,
        status_check_requester_attempts=section.status_check_attempts_per_requester,
        status_check_window=timedelta(hours=section.status_check_window_hours),
        reopen_window=timedelta(days=section.reopen_days),
        odr_members=section.odr_members,
        timezone=ZoneInfo(config.app.timezone),
    )


def staff_settings(config: Config) -> StaffSettings:
    section = config.staff
    return StaffSettings(
        shifts=parse_shifts([dataclasses.asdict(shift) for shift in section.roster.shifts]),
        timezone=ZoneInfo(config.app.timezone),
        claim_timeout=timedelta(minutes=section.claim_timeout_minutes),
        max_open_per_agent=section.max_open_per_agent,
        escalation_timeout=timedelta(minutes=section.escalation_timeout_minutes),
        incidents=IncidentPlan(config.incidents.levels,
                               tuple(PlanStep(s.key, s.title, s.hours) for s in config.incidents.steps)),
    )


def quiz_settings(config: Config) -> QuizSettings:
    section = config.quiz
    campaigns = tuple(
        Campaign(c.code, c.title, date.fromisoformat(c.start), date.fromisoformat(c.end), c.questions, c.pass_mark,
                 c.attempts)
        for c in section.campaigns
    )
    return QuizSettings(
        daily_questions=section.daily_questions, seconds_per_question=section.seconds_per_question,
        challenge_seconds=section.challenge_seconds, challenge_questions=section.challenge_questions,
        recent_days=section.recent_days, answers_per_minute=section.answers_per_minute, campaigns=campaigns,
        timezone=ZoneInfo(config.app.timezone),
    )


def build_services(config: Config, knowledge: KnowledgeBase) -> Services:
    return Services(
        knowledge=knowledge,
        complaints=case_settings(config, knowledge.claims),
        staff=staff_settings(config),
        quiz=quiz_settings(config),
        quiz_bank=QuizBank({q.id: q for q in load_quiz_questions(knowledge)}),
        native_handoff=frozenset({"wechat"} if config.wechat.transfer_customer_service else ()),
        evidence_dir=evidence.folder(config),
        limits=rate_limits(config),
        max_suggestions=config.knowledge.max_suggestions,
        max_text_chars=config.conversation.max_text_chars,
    )


def rate_limits(config: Config) -> RateLimits:
    section = config.ratelimit
    rules = {field.name: getattr(section, field.name) for field in dataclasses.fields(section)
             if field.name != "storage"}
    return RateLimits(section.storage, rules)
