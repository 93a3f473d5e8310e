"""The /quiz game in a real browser (Debian's chromium via Playwright) against `weiquan serve`.

Played with 3 questions of 3 seconds each so that a late answer can be shown quickly; screenshots
land in var/test-artifacts/.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import POSTGRES_URL
from tests.staff.test_console_browser import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS
from tests.test_serve import free_port, start

pytestmark = [
    pytest.mark.skipif(bool(POSTGRES_URL), reason="browser test runs once, on the default SQLite setup"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]


async def test_play_a_daily_quiz_to_the_end_with_a_late_answer(tmp_path):
    playwright_api = pytest.importorskip("playwright.async_api")
    port = free_port()
    server = start(tmp_path, port, WEIQUAN_QUIZ_DAILY_QUESTIONS="3", WEIQUAN_QUIZ_SECONDS_PER_QUESTION="3")
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        async with playwright_api.async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            page = await browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            await page.goto(f"http://127.0.0.1:{port}/quiz")
            await page.fill("#name", "测试玩家")
            await page.click("button[data-mode=daily]")
            verdicts = []
            for number in range(3):
                await page.wait_for_selector(".option")
                if number == 1:
                    await asyncio.sleep(3.5)  # past the 3-second limit: the server must not score it
                await page.click(".option >> nth=0")
                await page.click("#submit")
                await page.wait_for_selector("#feedback:not([hidden])")
                verdicts.append(await page.inner_text("#feedback"))
                if number == 0:
                    await page.click("#feedback a.link")
                    await page.wait_for_selector("#feedback .article")
                    await page.screenshot(path=str(ARTIFACTS / "quiz-feedback.png"))
                await page.click("#next")
            assert "超时" in verdicts[1], verdicts
            await page.wait_for_selector("#result:not([hidden])")
            score = await page.inner_text("#score")
            await page.wait_for_selector("#board tr td")
            board = await page.inner_text("#board")
            await page.screenshot(path=str(ARTIFACTS / "quiz-result.png"), full_page=True)
            await browser.close()
        scored = int(score.split()[1])
        assert scored <= 2, "the late answer never counts"
        assert "测试玩家" in board
    finally:
        server.terminate()
        server.wait(timeout=30)
