"""Statutory deadlines for complaints and reports, counted in Chinese working days.

Rules come from 市场监督管理投诉举报处理暂行办法. A period starts the day after its triggering
event: the event's own day is never counted, the first working day after it is day 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

import chinese_calendar


@dataclass(frozen=True)
class Deadline:
    """The last day to act, flagged provisional when guessed holiday data could still move it."""

    due: date
    provisional: bool


class WorkingCalendar:
    """Working days: chinesecalendar, then operator overrides, then a flagged Monday–Friday fallback."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        """Keep a copy of the operator's overrides (True: working day, False: holiday); they win over everything."""
        self._overrides = dict(overrides or {})

    def is_working_day(self, day: date) -> tuple[bool, bool]:
        """(is working day, provisional): provisional when only the Monday–Friday guess decided it."""
        if day in self._overrides:
            return self._overrides[day], False
        try:
            return chinese_calendar.is_workday(day), False
        except NotImplementedError:  # year not published in chinesecalendar yet (2027 onwards in 1.11)
            return day.weekday() < 5, True

    def add_working_days(self, start: date, days: int) -> Deadline:
        """The `days`-th working day after `start` (start not counted); provisional if any day looked at was guessed."""
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        day, counted, provisional = start, 0, False
        while counted < days:
            day += timedelta(days=1)
            working, guessed = self.is_working_day(day)
            provisional = provisional or guessed
            counted += working
        return Deadline(due=day, provisional=provisional)


class Rule(Enum):
    """A statutory period: (working days, description); what citizens are told of each is in the claims table."""

    DECIDE_ACCEPTANCE = (7, "decide whether to accept a complaint, from receipt (Art. 14)")
    MEDIATION_ENDS = (45, "mediation ends without agreement, from acceptance (Art. 21(5))")
    NOTIFY_MEDIATION_END = (7, "tell both sides that mediation ended, from its end (Art. 21)")
    VERIFY_CLUE = (15, "verify a reported clue and decide whether to file a case, from receipt (Art. 31 and the "
                       "penalty procedure rules, Art. 18; for clues found in mediation, Art. 23)")
    VERIFY_CLUE_EXTENDED = (30, "the same with the 15-day extension, from receipt")
    NOTIFY_REPORTER = (5, "tell a real-name reporter the filing decision, from the decision (Art. 31)")

    @property
    def days(self) -> int:
        """How many working days the rule allows."""
        return self.value[0]


def deadline(calendar: WorkingCalendar, rule: Rule, start: date) -> Deadline:
    """The due date of `rule` for an event on `start`, so handlers need not know the day counts."""
    return calendar.add_working_days(start, rule.days)


def parse_overrides(raw: Mapping[str, object]) -> dict[date, bool]:
    """Config {"2027-01-01": "holiday", "2027-02-06": "workday"} as calendar overrides; ValueError names a bad key."""
    meanings = {"workday": True, "holiday": False}
    overrides: dict[date, bool] = {}
    for key, value in raw.items():
        try:
            day = date.fromisoformat(key)
        except (TypeError, ValueError):
            day = None
        if day is None or day.isoformat() != key:
            raise ValueError(f"working-day override {key!r}: not a YYYY-MM-DD date")
        if not isinstance(value, str) or value not in meanings:
            raise ValueError(f"working-day override {key!r}: {value!r} is neither 'workday' nor 'holiday'")
        overrides[day] = meanings[value]
    return overrides
