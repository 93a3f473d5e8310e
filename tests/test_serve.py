"""`weiquan serve` as a real process: migrate, answer over HTTP, survive SIGKILL without losing a turn."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import POSTGRES_URL, PROJECT_ROOT

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="process test runs on the default SQLite setup")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(data_dir, port: int, **settings: str) -> subprocess.Popen:
    """`weiquan serve` on SQLite in `data_dir`; keyword arguments are extra environment settings."""
    env = {**os.environ, "WEIQUAN_APP_DATA_DIR": str(data_dir), "WEIQUAN_APP_LOG_LEVEL": "WARNING", **settings}
    env.pop("DATABASE_URL", None)
    log = data_dir / "serve.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port)],
            cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if json.load(response)["ok"]:
                    return process
        except OSError:
            if process.poll() is not None:
                raise AssertionError(log.read_text(encoding="utf-8", errors="replace")) from None
            time.sleep(0.2)
    process.kill()
    raise AssertionError("server did not become healthy")


def post(port: int, body: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/chat", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def test_serve_answers_and_a_killed_process_loses_nothing(tmp_path):
    port = free_port()
    server = start(tmp_path, port)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            page = response.read().decode()
        assert "消费维权助手" in page
        first = post(port, {"user_id": "p1", "text": "网购的东西七天内能无理由退货吗", "message_id": "m1"})
        assert first["replies"][0]["citations"]
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    server = start(tmp_path, port)
    try:
        again = post(port, {"user_id": "p1", "text": "网购的东西七天内能无理由退货吗", "message_id": "m1"})
        assert again == first, "the stored replies of an answered message survive a SIGKILL"
        follow = post(port, {"user_id": "p1", "payload": "full"})
        assert "第二十五条" in follow["replies"][0]["text"], "the conversation context survived too"
    finally:
        server.terminate()
        server.wait(timeout=30)
    with contextlib.closing(sqlite3.connect(tmp_path / "weiquan.db")) as database:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        turns = database.execute("SELECT count(*) FROM turn_events WHERE duplicate = 0").fetchone()[0]
    assert turns == 2
