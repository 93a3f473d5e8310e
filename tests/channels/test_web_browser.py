"""The web chat in a real browser (Debian's chromium via Playwright) against `weiquan serve`: the
privacy notice before the first personal question, a photo uploaded at the evidence step, and a
reload that keeps the conversation and lists the case. Screenshots land in var/test-artifacts/."""

from __future__ import annotations

import pytest

from tests.channels.test_web import tiny_png
from tests.conftest import POSTGRES_URL
from tests.scenarios.chat import COMPLAINT_ANSWERS
from tests.staff.test_console_browser import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS
from tests.test_serve import free_port, start

pytestmark = [
    pytest.mark.skipif(bool(POSTGRES_URL), reason="browser test runs once, on the default SQLite setup"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]


async def say(page, text: str) -> None:
    """Type a message, send it, and wait until the bot's answer to it is drawn."""
    bubbles = await page.locator(".msg").count()
    await page.fill("#text", text)
    await page.click("#send")
    await page.wait_for_function("n => document.querySelectorAll('.msg').length > n + 1", arg=bubbles)


async def test_privacy_notice_photo_upload_and_a_reload_that_keeps_everything(tmp_path):
    playwright_api = pytest.importorskip("playwright.async_api")
    port = free_port()
    server = start(tmp_path, port)
    photo = tmp_path / "receipt.png"
    photo.write_bytes(tiny_png())
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        async with playwright_api.async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            page = await browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            await page.goto(f"http://127.0.0.1:{port}/")
            await page.wait_for_selector(".msg.bot")
            evidence_step = COMPLAINT_ANSWERS.index("跳过")
            for answer in COMPLAINT_ANSWERS[:evidence_step]:
                await say(page, answer)
            bubbles = await page.locator(".msg").count()
            await page.set_input_files("#file", str(photo))
            await page.wait_for_function("n => document.querySelectorAll('.msg').length > n + 1", arg=bubbles)
            assert "第1件" in await page.locator(".msg.bot").last.inner_text()
            await page.screenshot(path=str(ARTIFACTS / "chat-upload.png"))
            consent = COMPLAINT_ANSWERS.index("张三丰") - 1
            for answer in ("完成", *COMPLAINT_ANSWERS[evidence_step + 1:consent]):
                await say(page, answer)
            notice = await page.locator(".msg.bot").last.inner_text()
            assert "个人信息告知" in notice and "姓名" in notice, "the notice comes before the first personal question"
            for answer in (*COMPLAINT_ANSWERS[consent:], "确认"):
                await say(page, answer)
            before = await page.inner_text("#log")
            assert "受理" in before or "登记" in before
            await page.reload()
            await page.wait_for_selector("#cases:not([hidden])")
            after = await page.inner_text("#log")
            cases = await page.inner_text("#cases")
            await page.screenshot(path=str(ARTIFACTS / "chat-reloaded.png"), full_page=True)
            await browser.close()
        for kept in ("塞上健身俱乐部", "[图片]", "个人信息告知", "已收到第1件"):
            assert kept in after, kept
        assert "我的案件（1）" in cases
    finally:
        server.terminate()
        server.wait(timeout=30)
