"""The emergency plan's checklist for one report: which steps, in what order, due when.

Pure: from the configured plan ([incidents]), the level a report starts at and the time it opens. The step
keyed "report" becomes one step per level above the start (逐级上报): a county department's incident is
reported to the city bureau, then by it to the region's; the city bureau's own goes to the region only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import texts

REPORT = "report"
COUNTY, CITY = 0, 1


@dataclass(frozen=True)
class PlanStep:
    key: str
    title: str
    hours: int


@dataclass(frozen=True)
class IncidentPlan:
    levels: tuple[str, ...]
    """Names of the reporting levels, lowest first: county, city, region."""
    steps: tuple[PlanStep, ...]


@dataclass(frozen=True)
class DueStep:
    key: str
    title: str
    due_at: datetime
    level: int | None = None
    """For a report up: the level it goes to."""


def report_key(level: int) -> str:
    return f"{REPORT}:{level}"


def level_of(key: str) -> int | None:
    """The level a report-up step goes to, None for the other steps."""
    prefix, _, level = key.partition(":")
    return int(level) if prefix == REPORT and level.isdigit() else None


def start_level(department_code: str | None) -> int:
    """A case of a county department starts at the county level, one the city bureau handles at the city's."""
    return COUNTY if department_code else CITY


def due_steps(plan: IncidentPlan, start: int, opened_at: datetime) -> list[DueStep]:
    """The report's checklist in order, each step due its hours after opening."""
    steps: list[DueStep] = []
    for step in plan.steps:
        due = opened_at + timedelta(hours=step.hours)
        if step.key != REPORT:
            steps.append(DueStep(step.key, step.title, due))
            continue
        for level in range(start + 1, len(plan.levels)):
            title = texts.INCIDENT_REPORT_TO.format(step=step.title, level=plan.levels[level])
            steps.append(DueStep(report_key(level), title, due, level))
    return steps


def blocking(key: str, open_keys: Sequence[str]) -> str | None:
    """The report to a lower level still open when `key` reports higher up (level by level), else None."""
    level = level_of(key)
    if level is None:
        return None
    return next((other for other in open_keys if (below := level_of(other)) is not None and below < level), None)
