"""Statutory deadlines: the 2026 holiday data from chinesecalendar, overrides, and the flagged 2027 fallback."""

from __future__ import annotations

from datetime import date

import pytest

from bot.complaints.deadlines import Deadline, Rule, WorkingCalendar, deadline, parse_overrides


def test_national_day_holiday_and_make_up_saturday_are_respected():
    # Received Wed 2026-09-30; 10-01..10-07 are the National Day holiday (10-03/04 a weekend inside it).
    # Working days 1-7: 10-08, 10-09, 10-10 (make-up Saturday), 10-12, 10-13, 10-14, 10-15.
    due = deadline(WorkingCalendar(), Rule.DECIDE_ACCEPTANCE, date(2026, 9, 30))
    assert due == Deadline(due=date(2026, 10, 15), provisional=False)


def test_complaint_received_on_friday_skips_a_normal_weekend():
    # Fri 2026-03-13, no holiday nearby: 03-16..03-20 are days 1-5, 03-23 and 03-24 days 6-7.
    due = deadline(WorkingCalendar(), Rule.DECIDE_ACCEPTANCE, date(2026, 3, 13))
    assert due == Deadline(due=date(2026, 3, 24), provisional=False)


def test_spring_festival_2026_holiday_and_both_make_up_saturdays():
    # chinesecalendar 2026: Spring Festival off Sun 02-15 .. Mon 02-23; make-up workdays Sat 02-14 and Sat 02-28.
    # Received Thu 02-12: day 1 Fri 02-13, day 2 Sat 02-14 (make-up), holiday 02-15..02-23,
    # days 3-6 Tue 02-24 .. Fri 02-27, day 7 Sat 02-28 (make-up).
    due = deadline(WorkingCalendar(), Rule.DECIDE_ACCEPTANCE, date(2026, 2, 12))
    assert due == Deadline(due=date(2026, 2, 28), provisional=False)


def test_mediation_running_into_2027_is_provisional_and_counts_monday_to_friday():
    # Accepted Mon 2026-11-16 (Art. 21(5), 45 working days): 33 working days left in 2026
    # (11-17..12-31, no holidays), then 2027 by the Monday-Friday guess: Fri 01-01 is day 34,
    # 01-04..01-08 days 35-39, 01-11..01-15 days 40-44, Mon 01-18 day 45.
    calendar = WorkingCalendar()
    due = deadline(calendar, Rule.MEDIATION_ENDS, date(2026, 11, 16))
    assert due == Deadline(due=date(2027, 1, 18), provisional=True)
    assert calendar.is_working_day(date(2027, 1, 1)) == (True, True)
    assert calendar.is_working_day(date(2027, 1, 2)) == (False, True)
    assert calendar.is_working_day(date(2026, 12, 31)) == (True, False)


def test_2027_holiday_override_moves_due_date_but_stays_provisional():
    # 2027-01-01 off by override: day 45 becomes Tue 01-19; the other 2027 days are still guessed.
    calendar = WorkingCalendar({date(2027, 1, 1): False})
    due = deadline(calendar, Rule.MEDIATION_ENDS, date(2026, 11, 16))
    assert due == Deadline(due=date(2027, 1, 19), provisional=True)
    assert calendar.is_working_day(date(2027, 1, 1)) == (False, False)


def test_deadline_decided_by_overrides_only_is_not_provisional():
    calendar = WorkingCalendar({date(2027, 1, 1): True})
    assert calendar.add_working_days(date(2026, 12, 31), 1) == Deadline(due=date(2027, 1, 1), provisional=False)


def test_override_making_a_2026_saturday_a_workday_wins_over_chinesecalendar():
    # Same Friday complaint as above; Sat 2026-03-14 now counts as day 1, so day 7 is Mon 03-23.
    calendar = WorkingCalendar({date(2026, 3, 14): True})
    due = deadline(calendar, Rule.DECIDE_ACCEPTANCE, date(2026, 3, 13))
    assert due == Deadline(due=date(2026, 3, 23), provisional=False)


def test_rule_day_counts():
    assert [rule.days for rule in Rule] == [7, 45, 7, 15, 30, 5]


def test_parse_overrides_accepts_config_mapping():
    assert parse_overrides({"2027-01-01": "holiday", "2027-02-06": "workday"}) == {
        date(2027, 1, 1): False,
        date(2027, 2, 6): True,
    }


@pytest.mark.parametrize("raw", [{"2027-13-01": "holiday"}, {"2027-01-02": "maybe"}])
def test_parse_overrides_rejects_bad_entry_naming_its_key(raw):
    (key,) = raw
    with pytest.raises(ValueError, match=key):
        parse_overrides(raw)


def test_zero_working_days_is_rejected():
    with pytest.raises(ValueError):
        WorkingCalendar().add_working_days(date(2026, 3, 13), 0)
