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
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import INTEGRATION, INTEGRATION_KEY, POSTGRES_URL, PROJECT_ROOT, UNLIMITED
from tests.processes import uvicorn_worker_pids

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="process test runs on the default SQLite setup")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(data_dir, port: int, *, workers: int = 1, **settings: str) -> subprocess.Popen:
    """`weiquan serve` on SQLite in `data_dir`; keyword arguments are extra environment settings."""
    env = {**os.environ, "WEIQUAN_APP_DATA_DIR": str(data_dir), "WEIQUAN_APP_LOG_LEVEL": "WARNING",
           "WEIQUAN_WEB_API_KEY": INTEGRATION_KEY, **UNLIMITED, **settings}
    env.pop("DATABASE_URL", None)
    log = data_dir / "serve.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port), "--workers", str(workers)],
            cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
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
    os.killpg(process.pid, signal.SIGKILL)  # the workers too: a killed supervisor would leave them running
    raise AssertionError("server did not become healthy")


def post(port: int, body: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/chat", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", **INTEGRATION},
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


def turns_counted(port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        families = text_string_to_metric_families(response.read().decode())
    return sum(sample.value for family in families if family.name == "weiquan_turns"
               for sample in family.samples if sample.name == "weiquan_turns_total")


def test_two_workers_share_metrics_and_a_killed_worker_is_replaced(tmp_path):
    port = free_port()
    server = start(tmp_path, port, workers=2)
    try:
        workers = uvicorn_worker_pids(server.pid)
        assert len(workers) == 2
        for number in range(6):
            post(port, {"user_id": f"w{number}", "text": "买到过期食品怎么赔", "message_id": "1"})
        assert {turns_counted(port) for _ in range(6)} == {6}, "every worker reports the sum of both"
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 60
        while len(set(uvicorn_worker_pids(server.pid)) - {workers[0]}) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(set(uvicorn_worker_pids(server.pid)) - {workers[0]}) == 2, "uvicorn started a new worker"
        post(port, {"user_id": "w9", "text": "预付卡能退吗", "message_id": "1"})
        assert {turns_counted(port) for _ in range(6)} == {7}, "the killed worker's counts are kept"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_says_what_it_is_doing_until_it_is_ready(tmp_path):
    port = free_port()
    server = start(tmp_path, port, WEIQUAN_APP_LOG_LEVEL="INFO")
    try:
        said = (tmp_path / "serve.log").read_text(encoding="utf-8")
    finally:
        server.terminate()
        server.wait(timeout=30)
    steps = ["starting: database migrations", "starting: building the knowledge base index", "starting: 1 worker(s)",
             "ready: "]
    positions = [said.find(step) for step in steps]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), said[-2000:]
    assert "alembic.runtime.plugins" not in said


@pytest.mark.parametrize("wait_seconds", [0.5, None])
def test_chat_ends_on_the_first_ctrl_c_without_a_traceback(tmp_path, wait_seconds):
    """Ctrl-C while the bot starts (0.5 s in), and at the prompt (None: once the menu is shown)."""
    env = {**os.environ, "WEIQUAN_APP_DATA_DIR": str(tmp_path), "WEIQUAN_APP_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    chat = subprocess.Popen([sys.executable, "-m", "bot", "chat", "--user", "tester"], cwd=PROJECT_ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if wait_seconds is None:
        while "消费维权助手" not in chat.stdout.readline():
            pass
    else:
        time.sleep(wait_seconds)
    chat.send_signal(signal.SIGINT)
    _out, errors = chat.communicate(timeout=60)
    # 130: our handler ran; -SIGINT: the signal came before Python's own handler was installed (a loaded machine)
    assert chat.returncode in (0, 130, -signal.SIGINT) and "Traceback" not in errors, errors
