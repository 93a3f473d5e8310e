"""Numbered choices: a channel without buttons shows "1. …"; typing 1 presses that button."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from bot.core.messages import IncomingMessage, MessageKind, Reply

CHOICES_SLOT = "choices"
DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def resolve_numbered_choice(message: IncomingMessage, slots: Mapping[str, Any]) -> IncomingMessage:
    """A text that is just a number pointing at an offered button becomes that button press."""
    choices = slots.get(CHOICES_SLOT) or []
    text = message.text.strip().translate(DIGITS).rstrip(".、")
    if message.kind is MessageKind.TEXT and text.isdecimal() and 1 <= int(text) <= len(choices):
        return dataclasses.replace(message, kind=MessageKind.BUTTON, payload=choices[int(text) - 1])
    return message


def remember_choices(slots: Mapping[str, Any], replies: tuple[Reply, ...]) -> dict[str, Any]:
    """Keep the payloads of the last reply's buttons, in the order the channel numbers them."""
    with_buttons = [reply for reply in replies if reply.buttons]
    remembered = {key: value for key, value in slots.items() if key != CHOICES_SLOT}
    if with_buttons:
        remembered[CHOICES_SLOT] = [button.payload for button in with_buttons[-1].buttons]
    return remembered
