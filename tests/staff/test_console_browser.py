"""The staff console in a real browser (Debian's chromium driven by Playwright) against `weiquan serve`.

Screenshots land in var/test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import INTEGRATION, POSTGRES_URL, PROJECT_ROOT
from tests.scenarios.chat import COMPLAINT_ANSWERS
from tests.test_serve import free_port, start

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.skipif(bool(POSTGRES_URL), reason="browser test runs once, on the default SQLite setup"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]


def post(port: int, body: dict) -> list[dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/chat", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json", **INTEGRATION})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["replies"]


def updates(port: int, user_id: str) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/chat/updates?user_id={user_id}", headers=INTEGRATION)
    with urllib.request.urlopen(request, timeout=10) as response:
        return "\n".join(reply["text"] for reply in json.load(response)["replies"])


def add_staff(data_dir: Path, name: str, role: str) -> None:
    env = {**os.environ, "WEIQUAN_APP_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "bot", "staff", "add", name, "--role", role, "--password-stdin"],
                          input="correct horse 1\n", text=True, capture_output=True, cwd=PROJECT_ROOT, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr


async def test_an_agent_works_a_hand_off_and_a_complaint_in_the_browser(tmp_path):
    playwright_api = pytest.importorskip("playwright.async_api")
    port = free_port()
    server = start(tmp_path, port)
    try:
        add_staff(tmp_path, "chief", "supervisor")
        for answer in COMPLAINT_ANSWERS + ("确认",):
            post(port, {"user_id": "browser-citizen", "text": answer})
        post(port, {"user_id": "browser-citizen", "text": "转人工"})
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        async with playwright_api.async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            page = await browser.new_page(viewport={"width": 1100, "height": 900}, accept_downloads=True)
            await page.goto(f"http://127.0.0.1:{port}/staff/")
            await page.fill("input[name=username]", "chief")
            await page.fill("input[name=password]", "correct horse 1")
            await page.click("#login")
            await page.wait_for_selector("button.claim")
            await page.screenshot(path=str(ARTIFACTS / "console-inbox.png"))
            await page.click("button.claim")
            await page.wait_for_selector("textarea[name=text]")
            await page.fill("textarea[name=text]", "您好，我是值班员，请问还需要什么帮助？")
            await page.click("#send")
            await page.wait_for_selector("text=请问还需要什么帮助")
            assert "请问还需要什么帮助" in updates(port, "browser-citizen")
            post(port, {"user_id": "browser-citizen", "text": "想问问投诉多久有结果"})
            await page.wait_for_selector("text=想问问投诉多久有结果", timeout=10_000)
            await page.screenshot(path=str(ARTIFACTS / "console-chat.png"))
            await page.click("#close")
            await page.goto(f"http://127.0.0.1:{port}/staff/cases")
            await page.select_option("select[name=status]", "received")
            await page.click("#filter")
            await page.click("#cases a")
            await page.select_option("#action", "accept")
            await page.fill("textarea[name=note]", "材料齐全，予以受理")
            await page.click("#do-action")
            await page.wait_for_selector("text=已受理")
            await page.screenshot(path=str(ARTIFACTS / "console-case.png"))
            await page.goto(f"http://127.0.0.1:{port}/staff/dashboard")
            await page.wait_for_selector("svg")
            await page.screenshot(path=str(ARTIFACTS / "console-dashboard.png"), full_page=True)
            async with page.expect_download() as download_info:
                await page.click("#xlsx")
            download = await download_info.value
            saved = ARTIFACTS / download.suggested_filename
            await download.save_as(str(saved))
            await browser.close()
        assert saved.stat().st_size > 1000
        assert "已受理" in updates(port, "browser-citizen")
    finally:
        server.terminate()
        server.wait(timeout=30)

