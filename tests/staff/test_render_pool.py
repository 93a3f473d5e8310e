"""The render process behind the dashboard and the xlsx export: replaced when it dies, a clear 503 when it
cannot be, and an export is audited only once its file exists."""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest
from sqlalchemy import select

from bot import texts
from bot.db import create_session_factory
from bot.staff import render_pool
from bot.staff.models import AuditRow
from tests.staff.console import signed_in_supervisor


@pytest.fixture
async def chief(config, runtime):
    """A supervisor signed in to the real app; its lifespan stops the render process afterwards."""
    async with signed_in_supervisor(config, runtime) as browser:
        yield browser


async def exports(runtime) -> list[dict]:
    async with create_session_factory(runtime.database)() as session:
        return [row.detail for row in (await session.scalars(select(AuditRow).where(AuditRow.action == "export")))]


async def test_a_render_process_that_died_is_replaced(chief):
    assert (await chief.client.get("/staff/dashboard")).status_code == 200
    for process in multiprocessing.active_children():
        os.kill(process.pid, signal.SIGKILL)
        process.join()
    again = await chief.client.get("/staff/dashboard")
    assert again.status_code == 200 and again.text.count("<svg") >= 4


async def test_an_export_without_its_file_is_a_503_and_not_audited(chief, runtime, monkeypatch):
    async def broken(*_args) -> bytes:
        raise render_pool.RenderFailed

    monkeypatch.setattr(render_pool, "export_xlsx", broken)
    refused = await chief.client.get("/staff/export.xlsx")
    assert (refused.status_code, refused.text) == (503, texts.REPORT_RENDER_FAILED)
    assert await exports(runtime) == []
    assert (await chief.client.get("/staff/export.csv")).status_code == 200
    assert await exports(runtime) == [{"format": "csv"}]
