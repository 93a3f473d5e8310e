"""Shared fixtures: one knowledge base per session, a fresh database per test on every backend.

The database is SQLite in a temporary folder, unless DATABASE_URL names PostgreSQL: then each test
gets an empty schema in that database (CI runs the whole suite once on each backend).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import Config, ShiftSection, load_config
from bot.knowledge_setup import load_knowledge_base
from bot.runtime import set_log_levels, start_runtime

os.environ.setdefault("PTB_TIMEDELTA", "true")  # as bot.channels.telegram_bot.make_bot sets it

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INTEGRATION_KEY = "test-integration-key"
INTEGRATION = {"Authorization": f"Bearer {INTEGRATION_KEY}"}
"""Headers of an integration allowed to name citizens with `user_id` on /api/chat (tests speak for many)."""
UNLIMITED = {f"WEIQUAN_RATELIMIT_{kind}": "100000/minute" for kind in
             ("CHAT", "HANDOFF", "TICKET_LOOKUP", "QUIZ_START", "LOGIN")}
"""Tests speak for many citizens from one address, fast: limits are tested on their own (test_ratelimit.py)."""
POSTGRES_URL = os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgresql") else ""


PRIVATE_IN_TESTS = ("13812345678", "13700001111", "13900001111", "13987654321", "19912345678", "张三丰", "李四",
                    "卡里还有三千多块钱", "AAF-weiquan_fake_token")
"""Complainants' names and phones, a complaint's words and a bot token the tests use: never in a log line."""


class LogScan(logging.Handler):
    """Sees every log record of the run at the production level (INFO) and keeps those that leak."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        if any(private in line for private in PRIVATE_IN_TESTS):
            self.leaks.append(line[:300])


LOG_SCAN = LogScan()


def pytest_configure(config) -> None:
    logging.getLogger().addHandler(LOG_SCAN)
    set_log_levels("INFO")


def pytest_sessionfinish(session, exitstatus) -> None:
    """The privacy check over the whole run's logs: any leak fails the run."""
    if LOG_SCAN.leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_line(f"PRIVACY: {len(LOG_SCAN.leaks)} log lines hold a name, phone, message text or token:",
                            red=True)
        for line in dict.fromkeys(LOG_SCAN.leaks):
            reporter.write_line("  " + line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


ROUND_THE_CLOCK = ShiftSection(days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"), start="00:00", end="00:00",
                               staff=("agent1", "agent2"), supervisor="super1")


def make_config(tmp_path: Path, database_url: str = "", *, shifts=(ROUND_THE_CLOCK,), **environ: str) -> Config:
    """The project's config.toml with a private data folder and database.

    The duty roster is replaced (by default: someone on duty around the clock) so that tests do
    not depend on the time of day they run at.
    """
    env = {"WEIQUAN_APP_DATA_DIR": str(tmp_path / "var"), "WEIQUAN_APP_LOG_LEVEL": "WARNING",
           "WEIQUAN_WEB_API_KEY": INTEGRATION_KEY, **UNLIMITED, **environ}
    if database_url:
        env["DATABASE_URL"] = database_url
    config = load_config(PROJECT_ROOT / "config.toml", env)
    roster = dataclasses.replace(config.staff.roster, shifts=tuple(shifts))
    return dataclasses.replace(config, staff=dataclasses.replace(config.staff, roster=roster))


@pytest.fixture(scope="session")
def knowledge(tmp_path_factory):
    """The shipped knowledge base (bundled laws and FAQ), built once for the whole run."""
    return load_knowledge_base(make_config(tmp_path_factory.mktemp("kb")))


@pytest.fixture
async def database_url(tmp_path):
    """An empty database: a new SQLite file, or a new PostgreSQL database dropped afterwards."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    name = f"weiquan_t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture
def config(tmp_path, database_url) -> Config:
    return make_config(tmp_path, database_url)


@pytest.fixture
async def runtime(config, knowledge):
    started = await start_runtime(config, knowledge=knowledge)
    try:
        yield started
    finally:
        await started.close()
