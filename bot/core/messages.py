"""Neutral message types every channel translates to and from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum


class MessageKind(Enum):
    TEXT = "text"
    BUTTON = "button"
    """A press of a button we offered; `payload` holds what the button carried."""
    MEDIA = "media"
    """A photo or file the channel can carry; `media_id` names it on the platform."""
    UNSUPPORTED = "unsupported"
    """Anything a channel could not translate (sticker, unknown event): answered, never raised."""


@dataclass(frozen=True)
class UserRef:
    """The conversation key: which channel, and the user's id on it."""

    channel: str
    external_id: str


@dataclass(frozen=True)
class IncomingMessage:
    user: UserRef
    kind: MessageKind
    text: str = ""
    payload: str = ""
    media_id: str = ""
    dedup_key: str | None = None
    """Unique per platform message; a retry of the same message carries the same key."""
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    origin: str = ""
    """The network address it came from, where the channel knows one (web): limits count per address too."""


@dataclass(frozen=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True)
class CitedArticle:
    """A law (full title) and article number a reply rests on."""

    law: str
    article: int


@dataclass(frozen=True)
class Poll:
    """A quiz question a channel may show natively (Telegram quiz polls); others use the reply's text."""

    question: str
    options: tuple[str, ...]
    correct: tuple[int, ...]
    explanation: str
    basis: str
    """The article cited, e.g. （依据：《消费者权益保护法》第25条）: kept whole when a channel shortens the text."""
    seconds: int

    def to_dict(self) -> dict:
        return {"question": self.question, "options": list(self.options), "correct": list(self.correct),
                "explanation": self.explanation, "basis": self.basis, "seconds": self.seconds}


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    citations: tuple[CitedArticle, ...] = ()
    handoff: bool = False
    """The citizen goes to a person on the platform's own customer-service system (WeChat's 客服)."""
    poll: Poll | None = None
    """Server-side only: carries the key, so channels never put it in front of a client as data."""

    def to_dict(self) -> dict:
        data = {
            "text": self.text,
            "buttons": [{"label": b.label, "payload": b.payload} for b in self.buttons],
            "citations": [{"law": c.law, "article": c.article} for c in self.citations],
        }
        if self.poll is not None:
            data["poll"] = self.poll.to_dict()
        return data | ({"handoff": True} if self.handoff else {})

    @classmethod
    def from_dict(cls, data: dict) -> Reply:
        return cls(
            text=data["text"],
            buttons=tuple(Button(b["label"], b["payload"]) for b in data.get("buttons", [])),
            citations=tuple(CitedArticle(c["law"], c["article"]) for c in data.get("citations", [])),
            handoff=bool(data.get("handoff", False)),
            poll=Poll(p["question"], tuple(p["options"]), tuple(p["correct"]), p["explanation"], p["basis"],
                      p["seconds"])
            if (p := data.get("poll")) else None,
        )
