"""Welcome and help, the request for a person, and the polite answers to odd input."""

from __future__ import annotations

from bot import texts
from bot.core.dialogs import Outcome, Turn
from bot.core.messages import Button, Reply
from handlers.matchers import COMMAND

MENU_BUTTONS = (
    Button(texts.MENU_ASK, "ask"),
    Button(texts.MENU_COMPLAIN, "complaint"),
    Button(texts.STATUS_BUTTON, "status"),
    Button(texts.OFFER_HUMAN, "human"),
    Button(texts.NAV_WARNINGS, "warnings"),
    Button(texts.MENU_QUIZ, "quiz"),
)


async def welcome(_turn: Turn) -> Outcome:
    return Outcome((Reply(texts.WELCOME, MENU_BUTTONS),), label="menu")


async def ask_prompt(_turn: Turn) -> Outcome:
    return Outcome((Reply(texts.ASK_PROMPT),), label="menu")


async def unsupported(_turn: Turn) -> Outcome:
    return Outcome((Reply(texts.UNSUPPORTED),), label="unsupported")


async def unknown_command(turn: Turn) -> Outcome:
    found = COMMAND.match(turn.message.text.strip().lower())
    command = f"/{found.group(1)}" if found else turn.message.text.strip()[:20]
    return Outcome((Reply(texts.UNKNOWN_COMMAND.format(command=command)),),
                   label="unknown_command")


async def stale_button(_turn: Turn) -> Outcome:
    return Outcome((Reply(texts.STALE_BUTTON),), label="stale_button")
