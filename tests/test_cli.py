"""The `weiquan` command as a newcomer runs it."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from bot.cli import build_index_cache_apart, main
from bot.db import alembic_config, head_revision
from tests.conftest import PROJECT_ROOT, make_config


def run(*args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        cwd=PROJECT_ROOT, env=environment, timeout=120, check=False,
    )


def test_ask_prints_a_readable_answer(tmp_path):
    done = run("ask", "超市卖过期食品怎么赔偿", env={"WEIQUAN_APP_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "依据：" in done.stdout and "《食品安全法》第一百四十八条" in done.stdout


def test_ask_json_batch_keeps_order_and_reports_bad_lines(tmp_path):
    lines = "\n".join([
        json.dumps({"id": "a", "q": "消法第25条"}, ensure_ascii=False),
        "not json",
        json.dumps({"id": "b", "q": "帮我写一首诗"}, ensure_ascii=False),
        json.dumps({"q": "七天无理由退货"}, ensure_ascii=False),
    ])
    done = run("ask", "--json", "--batch", "-", stdin=lines, env={"WEIQUAN_APP_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    objects = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o.get("id") for o in objects] == ["a", None, "b", None]
    first = objects[0]
    assert set(first) == {"id", "answered", "answer", "citations", "alternatives", "confidence", "source", "ms"}
    assert first["answered"] and first["source"] == "statute"
    assert first["citations"] == [{"law": "中华人民共和国消费者权益保护法", "article": 25}]
    assert "error" in objects[1]
    assert objects[2]["answered"] is False and objects[2]["source"] == "none"
    assert 0.0 <= objects[3]["confidence"] <= 1.0


def test_a_bad_config_value_names_the_key(tmp_path, capsys):
    bad = tmp_path / "config.toml"
    bad.write_text('[server]\nport = "eighty"\n', encoding="utf-8")
    assert main(["--config", str(bad), "kb", "check"]) == 2
    assert "server.port" in capsys.readouterr().err


def test_kb_check_passes_on_the_shipped_knowledge(tmp_path):
    done = run("kb", "check", env={"WEIQUAN_APP_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kb check passed" in done.stdout


def test_db_upgrade_is_idempotent(tmp_path):
    env = {"WEIQUAN_APP_DATA_DIR": str(tmp_path)}
    assert run("db", "upgrade", env=env).returncode == 0
    again = run("db", "upgrade", env=env)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert again.returncode == 0 and again.stdout.strip() == f"database at revision {head}"


def test_the_head_revision_is_read_from_the_version_files_as_alembic_reads_it():
    """A restart checks the database with one query against this head, without loading alembic."""
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_the_code_passes_the_linter():
    """ruff with the project's rules: complexity at most 15, no unused arguments, imports at the top."""
    script = Path(sys.executable).with_name("ruff")
    command = str(script) if script.exists() else shutil.which("ruff")
    assert command, "ruff is installed with the test extra"
    done = subprocess.run([command, "check", "."], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_import_direction_holds():
    """The five layering contracts in pyproject.toml: knowledge a leaf; the core free of handlers, channels and
    domain packages; domain packages free of wiring, channels and handlers; channels free of handlers."""
    script = Path(sys.executable).with_name("lint-imports")
    command = str(script) if script.exists() else shutil.which("lint-imports")
    assert command, "import-linter is installed with the test extra"
    done = subprocess.run([command], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_the_index_is_built_apart_only_when_its_inputs_changed(tmp_path, monkeypatch):
    """A second `serve` does not spend a process on an index that is already built; a changed statute
    file (another size or time) builds it again."""
    statutes = tmp_path / "statutes"
    statutes.mkdir()
    (statutes / "law.md").write_text("# 某法\n\n第一条　经营者应当诚信。\n", encoding="utf-8")
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    config = dataclasses.replace(config, knowledge=dataclasses.replace(config.knowledge, statute_dirs=(statutes,)))
    spawned = []
    real_context = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context",
                        lambda method: spawned.append(method) or real_context(method))
    build_index_cache_apart(config)
    build_index_cache_apart(config)
    assert spawned == ["spawn"]
    (statutes / "law.md").write_text("# 某法\n\n第一条　经营者应当诚实守信。\n", encoding="utf-8")
    build_index_cache_apart(config)
    assert spawned == ["spawn", "spawn"]
