"""Generated input never crashes the matcher or the web API (a small default; bench/ runs more)."""

from __future__ import annotations

import json

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import create_app

CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
ANY_TEXT = st.text(st.one_of(CHINESE, st.characters()), max_size=300)
FEW = settings(max_examples=150, deadline=None, database=None, derandomize=True)


def examples(strategy) -> list:
    """Values drawn by hypothesis, to feed code that needs pytest fixtures."""
    drawn = []

    @FEW
    @given(value=strategy)
    def collect(value):
        drawn.append(value)

    collect()
    return drawn


def test_ask_never_raises_and_stays_in_range(knowledge):
    for text in examples(ANY_TEXT):
        answer = knowledge.ask(text)
        assert 0.0 <= answer.confidence <= 1.0, text
        assert answer.answered == bool(answer.citations), text


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4),
    max_leaves=10,
)
BODIES = st.one_of(
    st.binary(max_size=200),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries(
        {"user_id": st.one_of(ANY_TEXT, st.integers())},
        optional={"text": JSON_VALUES, "payload": JSON_VALUES, "message_id": JSON_VALUES},
    ).map(lambda value: json.dumps(value).encode()),
)


async def test_web_api_answers_every_body_without_a_500(config, runtime):
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        for body in examples(BODIES):
            response = await client.post("/api/chat", content=body)
            assert response.status_code in (200, 400), (body, response.text)
            assert "replies" in response.json() or "error" in response.json()
