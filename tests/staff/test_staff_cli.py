"""`weiquan staff add | list | passwd | disable` as the bureau's IT person runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import create_engine, create_session_factory
from bot.staff.auth import AuthError, log_in
from tests.conftest import PROJECT_ROOT


def weiquan(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "WEIQUAN_APP_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "bot", "staff", *args], input=stdin, text=True, capture_output=True,
                          cwd=PROJECT_ROOT, env=env, timeout=120, check=False)


async def can_log_in(data_dir: Path, name: str, password: str) -> bool:
    engine = create_engine(f"sqlite:///{data_dir / 'weiquan.db'}")
    try:
        await log_in(create_session_factory(engine), name, password, datetime.now(UTC))
        return True
    except AuthError:
        return False
    finally:
        await engine.dispose()


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs the CLI on its default SQLite file")
async def test_accounts_are_added_listed_given_new_passwords_and_disabled(tmp_path):
    added = weiquan(tmp_path, "add", "agent1", "--role", "agent", "--password-stdin", stdin="first pass 1\n")
    assert added.returncode == 0, added.stderr
    piped = weiquan(tmp_path, "add", "agent2", "--role", "agent", stdin="second pass 2\n")
    assert piped.returncode == 2 and "--password-stdin" in piped.stderr and "Traceback" not in piped.stderr
    unknown = weiquan(tmp_path, "add", "agent3", "--role", "agent", "--department", "nowhere", "--password-stdin",
                      stdin="third pass 3\n")
    assert unknown.returncode == 2 and "unknown department 'nowhere'" in unknown.stderr
    listed = weiquan(tmp_path, "list")
    assert listed.returncode == 0 and listed.stdout.startswith("agent1\tagent")
    assert "roster names without an active account" in listed.stderr and "agent2" in listed.stderr
    assert "agent1," not in listed.stderr and "super1" in listed.stderr
    changed = weiquan(tmp_path, "passwd", "agent1", "--password-stdin", stdin="second pass 1\n")
    assert changed.returncode == 0, changed.stderr
    assert await can_log_in(tmp_path, "agent1", "second pass 1")
    assert not await can_log_in(tmp_path, "agent1", "first pass 1")
    assert weiquan(tmp_path, "disable", "agent1").returncode == 0
    assert not await can_log_in(tmp_path, "agent1", "second pass 1")
    assert weiquan(tmp_path, "disable", "nobody").returncode == 2
