"""The configuration loader: documented defaults, environment overrides, errors that name the key."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from tests.conftest import PROJECT_ROOT


def test_shipped_config_loads_with_documented_defaults():
    config = load_config(PROJECT_ROOT / "config.toml", {})
    assert config.server.port == 8000
    assert "中华人民共和国消费者权益保护法" in config.knowledge.laws
    assert config.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'weiquan.db'}"


def test_without_a_config_file_the_laws_are_the_shipped_ones():
    """An installed wheel finds no config.toml: it must still load every law the FAQ cites."""
    assert load_config(None, {}).knowledge.laws == load_config(PROJECT_ROOT / "config.toml", {}).knowledge.laws


def test_environment_overrides_the_file(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    dirs = os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")])
    config = load_config(
        PROJECT_ROOT / "config.toml",
        {"WEIQUAN_SERVER_PORT": "9001", "DATABASE_URL": "postgresql+asyncpg://x@h/db", "WEIQUAN_STATUTE_DIRS": dirs},
    )
    assert config.server.port == 9001
    assert config.database_url == "postgresql+asyncpg://x@h/db"
    assert config.knowledge.statute_dirs == (tmp_path / "a", tmp_path / "b")


@pytest.mark.parametrize(
    "text, key",
    [
        ('[server]\nport = "x"\n', "server.port"),
        ("[server]\nmystery = 1\n", "server.mystery"),
        ("[nosuch]\na = 1\n", "nosuch"),
        ("[knowledge]\nlaws = 5\n", "knowledge.laws"),
        ("[knowledge]\nanswer_threshold = true\n", "knowledge.answer_threshold"),
        ("not toml = = =", "config.toml"),
        ("[database]\nprocessed_message_days = 0\n", "database.processed_message_days"),
        ("[server]\nport = 99999\n", "server.port"),
        ("[conversation]\nidle_expiry_minutes = -5\n", "conversation.idle_expiry_minutes"),
        ("[wechat]\nreply_budget_seconds = 6.0\n", "wechat.reply_budget_seconds"),
        ("[knowledge]\nanswer_threshold = 1.5\n", "knowledge.answer_threshold"),
        ('[[quiz.campaigns]]\ncode = "c"\ntitle = "t"\nstart = "2027-03-01"\nend = "2027-03-31"\n'
         "questions = 10\npass_mark = 11\n", "quiz.campaigns[0].pass_mark"),
    ],
)
def test_errors_name_the_bad_key(tmp_path, text, key):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(key)):
        load_config(path, {})


def test_a_missing_statute_folder_is_a_config_error_not_a_traceback(tmp_path):
    with pytest.raises(ConfigError, match="statute_dirs.*folder not found"):
        load_config(None, {"WEIQUAN_STATUTE_DIRS": str(tmp_path / "no-such-folder")})


def test_a_bad_environment_value_names_the_key():
    with pytest.raises(ConfigError, match=r"server\.workers"):
        load_config(None, {"WEIQUAN_SERVER_WORKERS": "many"})


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[app]\ndata_dir = "state"\n', encoding="utf-8")
    assert load_config(path, {}).app.data_dir == tmp_path / "state"
    assert isinstance(load_config(None, {}).app.data_dir, Path)
