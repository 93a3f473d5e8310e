"""`weiquan staff add | list | passwd | disable`: staff accounts from the command line.

A password is typed twice at a terminal, or read as one line of standard input with --password-stdin
(scripts and provisioning); piped input without the flag is refused with a clear message.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from bot.config import Config

ROLES = ("admin", "supervisor", "agent", "viewer")


class PasswordError(ValueError):
    """No usable password was given; the text says why (both languages, for the bureau's IT person)."""


def add_commands(commands) -> None:
    staff = commands.add_parser("staff", help="staff accounts").add_subparsers(required=True, metavar="ACTION")
    add = staff.add_parser("add", help="create a staff account (asks for the password)")
    add.add_argument("name", help="login name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--display", help="name shown to citizens (default: the login name)")
    add.add_argument("--department", help="department code from config.toml (default: the city bureau)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(run=run_add)
    staff.add_parser("list", help="list accounts; warn about roster names that are not accounts").set_defaults(
        run=run_list)
    passwd = staff.add_parser("passwd", help="set a new password (the account's sessions end)")
    passwd.add_argument("name", help="login name")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    passwd.set_defaults(run=run_passwd)
    disable = staff.add_parser("disable", help="stop an account from logging in (its records stay)")
    disable.add_argument("name", help="login name")
    disable.set_defaults(run=run_disable)


def read_password(from_stdin: bool) -> str:
    """One line of standard input with --password-stdin; otherwise typed twice at a terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise PasswordError("标准输入不是终端，请加 --password-stdin 从管道读取密码 / "
                            "standard input is not a terminal: pass --password-stdin to read the password from it")
    try:
        password = getpass.getpass("密码 / password: ")
        again = getpass.getpass("再输一次 / again: ")
    except (EOFError, KeyboardInterrupt):
        raise PasswordError("已取消 / cancelled") from None
    if again != password:
        raise PasswordError("两次输入的密码不一致 / passwords differ")
    return password


def in_transaction(config: Config, work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run `work(session)` in one transaction on the configured database (migrated first)."""
    from bot.db import create_engine, create_session_factory, upgrade

    async def run() -> Any:
        engine = create_engine(config.database_url, busy_timeout_ms=config.database.busy_timeout_ms)
        try:
            await upgrade(engine)
            async with create_session_factory(engine).begin() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def run_add(args, config: Config, _path) -> int:
    from sqlalchemy.exc import IntegrityError

    from bot.staff.auth import add_staff

    known = [department.code for department in config.complaints.departments]
    if args.department is not None and args.department not in known:
        return _fail(f"unknown department {args.department!r}; config.toml has: {', '.join(known)}")
    try:
        password = read_password(args.password_stdin)
        in_transaction(config, lambda session: add_staff(
            session, username=args.name, display_name=args.display or args.name, role=args.role, password=password,
            now=datetime.now(UTC), department_code=args.department))
    except (PasswordError, ValueError) as problem:
        return _fail(str(problem))
    except IntegrityError:
        return _fail(f"the login name {args.name!r} is taken")
    print(f"staff account {args.name} ({args.role}) created")
    return 0


def run_list(_args, config: Config, _path) -> int:
    from bot.staff.auth import accounts

    rows = in_transaction(config, accounts)
    for row in rows:
        state = "active" if row.active else "disabled"
        print(f"{row.username}\t{row.role}\t{row.department_code or '-'}\t{state}\t{row.display_name}")
    active = {row.username for row in rows if row.active}
    missing = sorted(roster_names(config) - active)
    if missing:
        print(f"warning: 值班表中这些名字没有可用账号 / roster names without an active account: {', '.join(missing)}",
              file=sys.stderr)
    return 0


def roster_names(config: Config) -> set[str]:
    """Every username the duty roster in config.toml names (staff and supervisors)."""
    names = set()
    for shift in config.staff.roster.shifts:
        names.update(shift.staff)
        if shift.supervisor:
            names.add(shift.supervisor)
    return names


def run_passwd(args, config: Config, _path) -> int:
    from bot.staff.auth import set_password

    try:
        password = read_password(args.password_stdin)
        found = in_transaction(config, lambda session: set_password(session, args.name, password))
    except (PasswordError, ValueError) as problem:
        return _fail(str(problem))
    if not found:
        return _fail(f"no account {args.name!r}")
    print(f"password of {args.name} changed; its sessions were ended")
    return 0


def run_disable(args, config: Config, _path) -> int:
    from bot.staff.auth import disable

    if not in_transaction(config, lambda session: disable(session, args.name)):
        return _fail(f"no account {args.name!r}")
    print(f"account {args.name} disabled; its sessions were ended")
    return 0
