"""Duty roster: weekly shifts, midnight-crossing shifts, leave and extra duty, the 3·15 surge, the next duty start."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.staff.roster import Change, Duty, Shift, Surge, next_duty_start, on_duty, parse_shifts

TZ = ZoneInfo("Asia/Shanghai")

# The example week from the config snippet: office hours on weekdays and a Saturday morning.
CONFIG = """
[staff.roster]
timezone = "Asia/Shanghai"

[[staff.roster.shifts]]
days = ["mon", "tue", "wed", "thu", "fri"]
start = "08:30"
end = "17:30"
staff = ["agent2", "agent1"]
supervisor = "super1"

[[staff.roster.shifts]]
days = ["sat"]
start = "09:00"
end = "12:00"
staff = ["agent3"]
supervisor = "super1"
"""
WEEK = parse_shifts(tomllib.loads(CONFIG)["staff"]["roster"]["shifts"])
OFFICE = WEEK[:1]
NIGHT = Shift(days=frozenset({4}), start=time(22, 0), end=time(2, 0), staff=("night1",), supervisor="super2")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2026, Beijing time: the 9th is a Monday, the 13th a Friday, the 15th (3·15) a Sunday."""
    return datetime(2026, 3, day, hour, minute, tzinfo=TZ)


def test_config_example_parses_to_shifts():
    assert WEEK == (
        Shift(frozenset({0, 1, 2, 3, 4}), time(8, 30), time(17, 30), ("agent2", "agent1"), "super1"),
        Shift(frozenset({5}), time(9, 0), time(12, 0), ("agent3",), "super1"),
    )


def test_weekday_office_hours_put_shift_staff_and_supervisor_on_duty():
    assert on_duty(at(11, 10), WEEK) == Duty(staff=("agent1", "agent2"), supervisors=("super1",), surge=False)


@pytest.mark.parametrize(
    ("now", "staff"),
    [
        (at(11, 8, 29), ()),
        (at(11, 8, 30), ("agent1", "agent2")),
        (at(11, 17, 29), ("agent1", "agent2")),
        (at(11, 17, 30), ()),
        (at(11, 23), ()),
        (at(14, 10), ("agent3",)),  # Saturday morning
        (at(14, 12), ()),
        (at(15, 10), ()),  # Sunday
    ],
)
def test_before_and_after_hours_nobody_is_on_duty(now, staff):
    assert on_duty(now, WEEK).staff == staff


def test_now_in_another_zone_is_read_in_bureau_time():
    # 02:00 UTC is 10:00 in Beijing; 10:00 UTC is 18:00, after office hours.
    assert on_duty(datetime(2026, 3, 11, 2, tzinfo=UTC), WEEK).staff == ("agent1", "agent2")
    assert on_duty(datetime(2026, 3, 11, 10, tzinfo=UTC), WEEK).staff == ()


@pytest.mark.parametrize(
    ("now", "staff"),
    [
        (at(13, 21, 59), ()),
        (at(13, 22), ("night1",)),
        (at(14, 1), ("night1",)),  # Saturday 01:00 belongs to Friday's night shift
        (at(14, 2), ()),
        (at(13, 1), ()),  # no Thursday night shift runs into Friday
    ],
)
def test_shift_crossing_midnight_covers_the_early_hours_of_the_next_day(now, staff):
    assert on_duty(now, [NIGHT]).staff == staff


def test_night_shift_supervisor_is_on_duty_after_midnight():
    assert on_duty(at(14, 1), [NIGHT]).supervisors == ("super2",)


def test_end_24_00_means_midnight_and_equal_start_and_end_mean_24_hours():
    evening, whole_day = parse_shifts(
        [
            {"days": ["sun"], "start": "18:00", "end": "24:00", "staff": ["a"]},
            {"days": ["mon"], "start": "00:00", "end": "24:00", "staff": ["b"]},
        ]
    )
    assert evening.end == time(0, 0)
    assert on_duty(at(15, 23, 59), [evening]).staff == ("a",)
    assert on_duty(at(16, 0), [evening, whole_day]).staff == ("b",)
    assert on_duty(at(16, 23, 59), [whole_day]).staff == ("b",)
    assert on_duty(at(17, 0), [whole_day]).staff == ()


def test_leave_during_a_shift_removes_that_person_only_while_it_lasts():
    leave = Change("agent1", starts_at=at(11, 13), ends_at=at(11, 15), on_duty=False)
    assert on_duty(at(11, 12, 59), WEEK, [leave]).staff == ("agent1", "agent2")
    assert on_duty(at(11, 14), WEEK, [leave]).staff == ("agent2",)
    assert on_duty(at(11, 15), WEEK, [leave]).staff == ("agent1", "agent2")


def test_supervisor_on_leave_is_not_on_duty_as_supervisor():
    leave = Change("super1", starts_at=at(9, 0), ends_at=at(14, 0), on_duty=False)
    assert on_duty(at(11, 10), WEEK, [leave]) == Duty(staff=("agent1", "agent2"), supervisors=(), surge=False)


def test_extra_duty_on_sunday_adds_that_person_without_a_supervisor():
    extra = Change("agent3", starts_at=at(15, 9), ends_at=at(15, 17), on_duty=True)
    assert on_duty(at(15, 10), WEEK, [extra]) == Duty(staff=("agent3",), supervisors=(), surge=False)
    assert on_duty(at(15, 17), WEEK, [extra]).staff == ()


def test_overlapping_changes_for_one_person_the_last_listed_wins():
    week_off = Change("agent1", starts_at=at(9, 0), ends_at=at(16, 0), on_duty=False)
    comes_in = Change("agent1", starts_at=at(11, 9), ends_at=at(11, 12), on_duty=True)
    assert on_duty(at(11, 10), OFFICE, [week_off, comes_in]).staff == ("agent1", "agent2")
    assert on_duty(at(11, 10), OFFICE, [comes_in, week_off]).staff == ("agent2",)
    assert on_duty(at(11, 13), OFFICE, [week_off, comes_in]).staff == ("agent2",)


def test_surge_puts_every_listed_person_on_duty_until_it_ends_even_on_leave():
    surge = Surge(until=at(16, 2), staff=("agent2", "agent1", "agent3", "super1"))
    leave = Change("agent3", starts_at=at(15, 0), ends_at=at(16, 0), on_duty=False)
    # 3·15 is a Sunday: no shift runs, yet everyone listed takes hand-offs through the night.
    assert on_duty(at(15, 23), WEEK, [leave], surge) == Duty(
        staff=("agent1", "agent2", "agent3", "super1"), supervisors=(), surge=True
    )
    assert on_duty(at(16, 1, 59), WEEK, surge=surge).surge is True
    assert on_duty(at(16, 2), WEEK, [leave], surge) == Duty(staff=(), supervisors=(), surge=False)


def test_surge_during_a_shift_adds_to_shift_staff_and_keeps_the_supervisor():
    surge = Surge(until=at(16, 2), staff=("agent9",))
    assert on_duty(at(13, 10), WEEK, surge=surge) == Duty(
        staff=("agent1", "agent2", "agent9"), supervisors=("super1",), surge=True
    )


def test_next_duty_start_on_friday_evening_is_the_saturday_shift():
    assert next_duty_start(at(13, 18), WEEK) == at(14, 9)


def test_next_duty_start_after_saturday_morning_is_monday_office_hours():
    assert next_duty_start(at(13, 18), OFFICE) == at(16, 8, 30)
    assert next_duty_start(at(14, 12), WEEK) == at(16, 8, 30)


def test_next_duty_start_is_now_while_somebody_is_on_duty_and_answers_in_bureau_time():
    now = datetime(2026, 3, 11, 2, 15, tzinfo=UTC)
    start = next_duty_start(now, WEEK)
    assert start == now
    assert start is not None and start.tzinfo == TZ and start.hour == 10


def test_next_duty_start_respects_leave_and_extra_duty():
    everyone_off = [
        Change("agent1", starts_at=at(16, 0), ends_at=at(16, 10), on_duty=False),
        Change("agent2", starts_at=at(16, 0), ends_at=at(16, 10, 30), on_duty=False),
    ]
    assert next_duty_start(at(14, 12), OFFICE, everyone_off) == at(16, 10)
    sunday = Change("agent3", starts_at=at(15, 14), ends_at=at(15, 16), on_duty=True)
    assert next_duty_start(at(14, 12), OFFICE, [sunday]) == at(15, 14)


def test_next_duty_start_is_none_when_nobody_is_on_duty_within_fourteen_days():
    assert next_duty_start(at(13, 18), []) is None
    long_leave = [Change(name, starts_at=at(1, 0), ends_at=at(31, 0), on_duty=False) for name in ("agent1", "agent2")]
    assert next_duty_start(at(13, 18), OFFICE, long_leave) is None


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        on_duty(datetime(2026, 3, 11, 10), WEEK)
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        next_duty_start(datetime(2026, 3, 11, 10), WEEK)
    with pytest.raises(ValueError, match="starts_at must be timezone-aware"):
        Change("agent1", starts_at=datetime(2026, 3, 11, 10), ends_at=at(11, 12), on_duty=False)
    with pytest.raises(ValueError, match="until must be timezone-aware"):
        Surge(until=datetime(2026, 3, 16, 2), staff=("agent1",))


def test_change_must_end_after_it_starts():
    with pytest.raises(ValueError, match="is not after starts_at"):
        Change("agent1", starts_at=at(11, 12), ends_at=at(11, 12), on_duty=False)


def test_shift_weekday_numbers_must_be_0_to_6():
    with pytest.raises(ValueError, match="weekday numbers 0"):
        Shift(days=frozenset({7}), start=time(8), end=time(9), staff=("a",))


GOOD = {"days": ["mon"], "start": "08:30", "end": "17:30", "staff": ["agent1"]}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({**GOOD, "start": "8:30"}, r"shifts\[1\]\.start: expected HH:MM"),
        ({**GOOD, "start": "24:00"}, r"shifts\[1\]\.start: expected HH:MM"),
        ({**GOOD, "start": "08:60"}, r"shifts\[1\]\.start: expected HH:MM"),
        ({**GOOD, "start": time(8, 30)}, r"shifts\[1\]\.start: expected HH:MM"),
        ({**GOOD, "end": "25:00"}, r"shifts\[1\]\.end: expected HH:MM"),
        ({**GOOD, "days": ["monday"]}, r"shifts\[1\]\.days: unknown weekday 'monday'"),
        ({**GOOD, "days": []}, r"shifts\[1\]\.days: expected a non-empty list"),
        ({**GOOD, "days": "mon"}, r"shifts\[1\]\.days: expected a non-empty list"),
        ({**GOOD, "staff": []}, r"shifts\[1\]\.staff: expected a non-empty list of usernames"),
        ({**GOOD, "staff": "agent1"}, r"shifts\[1\]\.staff: expected a non-empty list of usernames"),
        ({**GOOD, "staff": ["agent1", ""]}, r"shifts\[1\]\.staff: expected a non-empty list of usernames"),
        ({**GOOD, "staff": [" agent1"]}, r"shifts\[1\]\.staff: expected a non-empty list of usernames"),
        ({**GOOD, "supervisor": 1}, r"shifts\[1\]\.supervisor: expected a username"),
        ({k: v for k, v in GOOD.items() if k != "end"}, r"shifts\[1\]\.end: missing"),
        ({**GOOD, "stafff": ["agent2"]}, r"shifts\[1\]\.stafff: unknown key"),
        (["mon"], r"shifts\[1\]: expected a table"),
    ],
)
def test_parse_shifts_names_the_entry_and_key_of_bad_input(entry, message):
    with pytest.raises(ValueError, match=message):
        parse_shifts([GOOD, entry])
