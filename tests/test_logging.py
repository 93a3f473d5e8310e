"""Structured logs: with log_format = "json" every record is one JSON object, a turn's fields included."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.config import ConfigError
from bot.core.messages import IncomingMessage, MessageKind, UserRef
from bot.runtime import log_handler

QUESTION = "网购的衣服七天内能退吗"


async def test_a_turn_is_logged_as_json_with_its_fields_and_without_the_text(runtime):
    stream = io.StringIO()
    handler = log_handler("json", stream)
    engine_log = logging.getLogger("bot.core.engine")
    engine_log.addHandler(handler)
    try:
        await runtime.engine.handle(IncomingMessage(UserRef("web", "json-log-user"), MessageKind.TEXT, text=QUESTION))
    finally:
        engine_log.removeHandler(handler)
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    turn = next(record for record in records if record["message"].startswith("turn "))
    assert (turn["channel"], turn["route"], turn["outcome"]) == ("web", "qa", "answered")
    assert turn["ms"] > 0 and turn["levelname"] == "INFO" and turn["name"] == "bot.core.engine"
    assert QUESTION not in stream.getvalue() and "json-log-user" not in stream.getvalue()


def test_text_is_the_default_and_other_formats_are_refused():
    stream = io.StringIO()
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    log_handler("text", stream).handle(record)
    assert stream.getvalue().rstrip().endswith("INFO bot hello world")
    with pytest.raises(ConfigError, match="log_format"):
        log_handler("xml")
