"""The intake form on a tablet whose network drops (Debian's chromium via Playwright, `weiquan serve`):
what was typed is kept in the browser, sent when the network is back, and filed once."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import POSTGRES_URL
from tests.staff.test_console_browser import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, add_staff
from tests.staff.test_intake import DESK_ANSWERS
from tests.test_serve import free_port, start

pytestmark = [
    pytest.mark.skipif(bool(POSTGRES_URL), reason="browser test runs once, on the default SQLite setup"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]


async def test_a_form_sent_while_offline_is_filed_once_when_the_network_is_back(tmp_path):
    playwright_api = pytest.importorskip("playwright.async_api")
    port = free_port()
    server = start(tmp_path, port)
    try:
        add_staff(tmp_path, "desk1", "agent")
        async with playwright_api.async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            context = await browser.new_context(viewport={"width": 800, "height": 1280}, has_touch=True)
            page = await context.new_page()
            await page.goto(f"http://127.0.0.1:{port}/staff/")
            await page.fill("input[name=username]", "desk1")
            await page.fill("input[name=password]", "correct horse 1")
            await page.click("#login")
            await page.goto(f"http://127.0.0.1:{port}/staff/intake")
            await page.select_option("#channel", "desk")
            for slot, value in DESK_ANSWERS.items():
                if slot == "consent":
                    await page.check("#consent")
                elif await page.locator(f"select#{slot}").count():
                    await page.select_option(f"#{slot}", value)
                else:
                    await page.fill(f"#{slot}", value)
            await context.set_offline(True)
            first_key = await page.input_value("input[name=intake_key]")
            await page.click("#submit-intake")
            await page.wait_for_selector("#offline", state="visible")
            assert await page.input_value("#facts") == "", "kept in the browser, the form is free for the next one"
            assert await page.input_value("input[name=intake_key]") not in ("", first_key)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "intake-offline.png"), full_page=True)
            await context.set_offline(False)
            await page.evaluate("window.dispatchEvent(new Event('online'))")
            await page.wait_for_selector("#offline", state="hidden", timeout=15_000)
            await page.evaluate("window.dispatchEvent(new Event('online'))")  # a second flush sends nothing
            await page.wait_for_timeout(500)
            await browser.close()
        with sqlite3.connect(tmp_path / "weiquan.db") as db:
            filed = db.execute("SELECT channel, business_name FROM cases").fetchall()
        assert filed == [("desk", "塞上健身俱乐部")]
    finally:
        server.terminate()
        server.wait(timeout=30)
