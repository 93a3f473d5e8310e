"""Who takes citizens' hand-offs when: weekly shifts from config, console changes and the 3·15 surge.

Shift times are wall-clock times in the bureau's time zone; instants are compared in UTC, so a `now` given
in any zone gives the same answer. Every period is half-open: a 08:30–17:30 shift covers 08:30, not 17:30.
When console changes for one person overlap, the one listed last wins (the console lists them as made).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BUREAU_TZ = ZoneInfo("Asia/Shanghai")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_HORIZON = timedelta(days=14)
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_REQUIRED_KEYS = ("days", "start", "end", "staff")
_KNOWN_KEYS = frozenset({*_REQUIRED_KEYS, "supervisor"})


def _require_aware(value: datetime, name: str) -> None:
    """Reject a naive datetime, whose meaning would depend on the server's own clock zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


@dataclass(frozen=True)
class Shift:
    """A weekly shift starting on `days` (0 = Monday); end <= start means it ends the next day (equal: 24 hours)."""

    days: frozenset[int]
    start: time
    end: time
    staff: tuple[str, ...]
    supervisor: str = ""

    def __post_init__(self) -> None:
        """Refuse weekday numbers outside 0..6, which would silently never match."""
        if not self.days <= frozenset(range(7)):
            raise ValueError(f"days must be weekday numbers 0 (Monday) to 6, got {sorted(self.days)}")


@dataclass(frozen=True)
class Change:
    """A console change for one person: extra duty (on_duty=True) or leave (False) from starts_at until ends_at."""

    username: str
    starts_at: datetime
    ends_at: datetime
    on_duty: bool

    def __post_init__(self) -> None:
        """Refuse naive or empty periods, which would fail later or silently never apply."""
        _require_aware(self.starts_at, "starts_at")
        _require_aware(self.ends_at, "ends_at")
        if self.ends_at <= self.starts_at:
            raise ValueError(f"ends_at {self.ends_at.isoformat()} is not after starts_at {self.starts_at.isoformat()}")


@dataclass(frozen=True)
class Surge:
    """The 3·15 switch: every listed username is on duty until `until`, whatever the shifts and leave say."""

    until: datetime
    staff: tuple[str, ...]

    def __post_init__(self) -> None:
        """Refuse a naive end, which could not be compared with the aware `now`."""
        _require_aware(self.until, "until")


@dataclass(frozen=True)
class Duty:
    """Who can claim hand-offs now, who is told when nobody does, and whether the surge is on."""

    staff: tuple[str, ...]
    supervisors: tuple[str, ...]
    surge: bool


def parse_shifts(raw: Sequence[Mapping[str, object]]) -> tuple[Shift, ...]:
    """Shifts from config's [[staff.roster.shifts]]; a ValueError names entry and key ("shifts[2].start: ...")."""
    return tuple(_parse_shift(entry, f"shifts[{index}]") for index, entry in enumerate(raw))


def _parse_shift(entry: object, where: str) -> Shift:
    """One config entry as a Shift, refusing unknown keys so that a misspelt key is not silently ignored."""
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}: expected a table with keys {', '.join(_REQUIRED_KEYS)} and optional supervisor")
    for key in _REQUIRED_KEYS:
        if key not in entry:
            raise ValueError(f"{where}.{key}: missing")
    for key in entry:
        if key not in _KNOWN_KEYS:
            raise ValueError(f"{where}.{key}: unknown key, expected one of {', '.join(sorted(_KNOWN_KEYS))}")
    supervisor = entry.get("supervisor", "")
    if not isinstance(supervisor, str) or supervisor != supervisor.strip():
        raise ValueError(f"{where}.supervisor: expected a username, got {supervisor!r}")
    return Shift(
        days=_parse_days(entry["days"], f"{where}.days"),
        start=_parse_time(entry["start"], f"{where}.start", allow_midnight_end=False),
        end=_parse_time(entry["end"], f"{where}.end", allow_midnight_end=True),
        staff=_parse_staff(entry["staff"], f"{where}.staff"),
        supervisor=supervisor,
    )


def _parse_days(value: object, where: str) -> frozenset[int]:
    """Weekday names mon..sun as numbers 0..6, the form datetime.weekday() uses."""
    if not isinstance(value, list | tuple) or not value:
        raise ValueError(f"{where}: expected a non-empty list of weekday names {', '.join(WEEKDAYS)}")
    for name in value:
        if name not in WEEKDAYS:
            raise ValueError(f"{where}: unknown weekday {name!r}, expected one of {', '.join(WEEKDAYS)}")
    return frozenset(WEEKDAYS.index(name) for name in value)


def _parse_time(value: object, where: str, *, allow_midnight_end: bool) -> time:
    """A wall-clock "HH:MM"; "24:00" (ends only) becomes 00:00, which as an end means the following midnight."""
    if isinstance(value, str):
        if allow_midnight_end and value == "24:00":
            return time(0, 0)
        match = _HHMM.fullmatch(value)
        if match:
            return time(int(match[1]), int(match[2]))
    expected = "HH:MM (00:00 to 24:00)" if allow_midnight_end else "HH:MM (00:00 to 23:59)"
    raise ValueError(f"{where}: expected {expected}, got {value!r}")


def _parse_staff(value: object, where: str) -> tuple[str, ...]:
    """A non-empty list of usernames; padded or empty names are refused because they would never match a login."""
    if (
        not isinstance(value, list | tuple)
        or not value
        or not all(isinstance(name, str) and name and name == name.strip() for name in value)
    ):
        raise ValueError(f"{where}: expected a non-empty list of usernames, got {value!r}")
    return tuple(value)


def _occurrences(shift: Shift, first: date, last: date, tz: ZoneInfo) -> Iterator[tuple[datetime, datetime]]:
    """(start, end) in UTC of each occurrence of `shift` starting on a local day from `first` to `last` inclusive."""
    day = first
    while day <= last:
        if day.weekday() in shift.days:
            end_day = day + timedelta(days=1) if shift.end <= shift.start else day
            yield (
                datetime.combine(day, shift.start, tz).astimezone(UTC),
                datetime.combine(end_day, shift.end, tz).astimezone(UTC),
            )
        day += timedelta(days=1)


def on_duty(
    now: datetime,
    shifts: Sequence[Shift],
    changes: Sequence[Change] = (),
    surge: Surge | None = None,
    tz: ZoneInfo = BUREAU_TZ,
) -> Duty:
    """Who is on duty at `now`: shift staff minus leave plus extra duty, and everyone in a surge despite leave."""
    _require_aware(now, "now")
    instant = now.astimezone(UTC)
    today = instant.astimezone(tz).date()
    active = [
        shift
        for shift in shifts
        if any(start <= instant < end for start, end in _occurrences(shift, today - timedelta(days=1), today, tz))
    ]
    # Aware datetimes in different zones compare as instants; later entries overwrite earlier ones.
    changed = {change.username: change.on_duty for change in changes if change.starts_at <= instant < change.ends_at}
    current_surge = surge if surge is not None and instant < surge.until else None
    surging = set(current_surge.staff) if current_surge is not None else set()
    absent = {username for username, working in changed.items() if not working} - surging
    staff = {username for shift in active for username in shift.staff}
    staff |= {username for username, working in changed.items() if working} | surging
    supervisors = {shift.supervisor for shift in active if shift.supervisor}
    return Duty(
        staff=tuple(sorted(staff - absent)),
        supervisors=tuple(sorted(supervisors - absent)),
        surge=current_surge is not None,
    )


def next_duty_start(
    now: datetime,
    shifts: Sequence[Shift],
    changes: Sequence[Change] = (),
    tz: ZoneInfo = BUREAU_TZ,
) -> datetime | None:
    """First instant from `now` on (in `tz`) with staff on duty, so citizens hear honestly when to expect contact."""
    _require_aware(now, "now")
    instant = now.astimezone(UTC)
    horizon = instant + SEARCH_HORIZON
    # Who is on duty only changes where a shift or a change starts or ends, so those are the instants to try.
    first_day = instant.astimezone(tz).date() - timedelta(days=1)
    last_day = horizon.astimezone(tz).date()
    edges = {edge for shift in shifts for period in _occurrences(shift, first_day, last_day, tz) for edge in period}
    edges |= {edge.astimezone(UTC) for change in changes for edge in (change.starts_at, change.ends_at)}
    for candidate in sorted(edge for edge in edges | {instant} if instant <= edge <= horizon):
        if on_duty(candidate, shifts, changes, tz=tz).staff:
            return candidate.astimezone(tz)
    return None
