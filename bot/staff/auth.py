"""Staff accounts: argon2 password hashes, server-side sessions, CSRF tokens, lockout."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import as_utc
from bot.staff.models import ROLES, AuditRow, StaffRow, StaffSessionRow

FREE_FAILURES = 3
"""Wrong passwords in a row before an account starts to slow down."""
MAX_DELAY = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
WRONG_LOGIN = "用户名或密码错误；多次输错后需要稍等片刻才能再试"
"""The one answer to an unknown name, a wrong password and an account that must wait: none reveals which."""
ROLE_RANK = {"viewer": 0, "agent": 1, "supervisor": 2, "admin": 3}
REPORTER_ROLE = "supervisor"
"""The least role that may know who reported (Art. 33: 举报人的信息予以保密): a reporter's name and phone, a
conversation with a reporter, the report filed together with a complaint."""
_HASHER = PasswordHasher()


class AuthError(Exception):
    """Login refused; the message is safe to show (it never says which part was wrong)."""


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    display_name: str
    role: str
    department: str | None = None
    """A county department's code, or None for the city bureau."""

    def can(self, role: str) -> bool:
        """At least this role (admin > supervisor > agent > viewer)."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def county(self) -> str | None:
        """The one county this person's work is limited to; None for the city bureau and admins."""
        return None if self.role == "admin" else self.department

    def covers(self, department: str | None) -> bool:
        """Whether this person may act on a matter of that department: the city bureau and admins on
        every one (and on cases not yet routed), a county's staff on their own county's only."""
        return self.role == "admin" or self.department is None or self.department == department


async def add_staff(session: AsyncSession, *, username: str, display_name: str, role: str, password: str,
                    now: datetime, department_code: str | None = None) -> StaffRow:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    row = StaffRow(username=username, display_name=display_name or username, role=role,
                   password_hash=await asyncio.to_thread(_HASHER.hash, password), failed_logins=0, active=True,
                   created_at=now, department_code=department_code)
    session.add(row)
    await session.flush()
    return row


async def set_password(session: AsyncSession, username: str, password: str) -> bool:
    """A new password for an account (its open sessions end); False when there is no such account."""
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    row = await session.scalar(select(StaffRow).where(StaffRow.username == username))
    if row is None:
        return False
    row.password_hash = await asyncio.to_thread(_HASHER.hash, password)
    row.failed_logins, row.locked_until = 0, None
    await session.execute(delete(StaffSessionRow).where(StaffSessionRow.staff_id == row.id))
    return True


async def disable(session: AsyncSession, username: str) -> bool:
    """Stop an account from logging in and end its sessions (its work stays in the records)."""
    row = await session.scalar(select(StaffRow).where(StaffRow.username == username))
    if row is None:
        return False
    row.active = False
    await session.execute(delete(StaffSessionRow).where(StaffSessionRow.staff_id == row.id))
    return True


async def accounts(session: AsyncSession) -> list[StaffRow]:
    return list((await session.scalars(select(StaffRow).order_by(StaffRow.username))).all())


async def log_in(sessions: async_sessionmaker, username: str, password: str, now: datetime) -> tuple[str, StaffUser]:
    """Check the password; return a new session token. After FREE_FAILURES wrong passwords in a row an
    account waits twice as long after each (2 s, 4 s … at most MAX_DELAY): guessing slows to a crawl while
    nobody can lock the real person out for long. Unknown, wrong and waiting answer alike, in the same time."""
    async with sessions() as session:
        stored = await session.scalar(select(StaffRow.password_hash).where(*_active(username)))
    # The same hashing work for unknown, waiting and real accounts (timing reveals no username), in a thread
    # and outside any transaction: argon2 takes a CPU core for a moment, and on the event loop (or holding
    # SQLite's write gate) it would stall every other request.
    matches = await asyncio.to_thread(_matches, stored, password)
    async with sessions.begin() as session:  # a failed attempt is counted: it commits before the refusal
        row = await session.scalar(select(StaffRow).where(*_active(username)).with_for_update())
        refused = _refused(row, matches, now)
        token = None if refused else _open_session(session, row, now)
        user = None if refused else _user(row)
        if row is not None:  # an account's logins and failed attempts are audited; unknown names are not kept
            session.add(AuditRow(created_at=now, staff_id=row.id, action="login_failed" if refused else "login",
                                 target=f"staff:{row.id}", detail={}))
    if refused:
        raise AuthError(WRONG_LOGIN)
    return token, user


def _active(username: str) -> tuple:
    return StaffRow.username == username, StaffRow.active.is_(True)


def _refused(row: StaffRow | None, matches: bool, now: datetime) -> bool:
    """Whether the login fails; a wrong password counts and sets the account's next delay."""
    if row is None:
        return True
    if row.locked_until is not None and as_utc(row.locked_until) > now:
        return True  # even the right password waits out the delay
    if not matches:
        row.failed_logins += 1
        row.locked_until = now + failure_delay(row.failed_logins)
        return True
    row.failed_logins, row.locked_until = 0, None
    return False


def _open_session(session: AsyncSession, row: StaffRow, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(StaffSessionRow(token_hash=_digest(token), staff_id=row.id, csrf_token=secrets.token_urlsafe(24),
                                created_at=now, expires_at=now + SESSION_LIFETIME))
    return token


def failure_delay(failures: int) -> timedelta:
    """How long an account waits after `failures` wrong passwords in a row."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - FREE_FAILURES, 20)), MAX_DELAY)


async def session_user(session: AsyncSession, token: str, now: datetime) -> tuple[StaffUser, str] | None:
    """The staff member and CSRF token of a live session, or None."""
    if not token:
        return None
    found = await session.execute(
        select(StaffRow, StaffSessionRow)
        .join(StaffSessionRow, StaffSessionRow.staff_id == StaffRow.id)
        .where(StaffSessionRow.token_hash == _digest(token), StaffRow.active.is_(True))
    )
    pair = found.first()
    if pair is None or as_utc(pair[1].expires_at) <= now:
        return None
    return _user(pair[0]), pair[1].csrf_token


async def log_out(session: AsyncSession, token: str) -> None:
    await session.execute(delete(StaffSessionRow).where(StaffSessionRow.token_hash == _digest(token)))


def csrf_matches(expected: str, given: str) -> bool:
    return bool(given) and secrets.compare_digest(expected.encode(), given.encode())  # non-ASCII: no TypeError


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_hex(16))


def _matches(password_hash: str | None, password: str) -> bool:
    """The password against the stored hash, or against a dummy one for an unknown user (same work)."""
    return _verify(password_hash or _dummy_hash(), password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: StaffRow) -> StaffUser:
    return StaffUser(row.id, row.username, row.display_name, row.role, row.department_code)
