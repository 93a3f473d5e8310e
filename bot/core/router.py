"""Picks the handler for a turn from an ordered route table (the bot's menu on one screen)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.dialogs import Outcome, Turn

Handler = Callable[[Turn], Awaitable[Outcome]]


@dataclass(frozen=True)
class Route:
    name: str
    matches: Callable[[Turn], bool]
    handle: Handler
    prepare: Callable[[Turn], Any] | None = None
    """The costly part of `handle` that reads only the turn (never the database), run before the turn's
    write transaction so that SQLite's single write lock is not held while it computes."""


class Router:
    """The first route whose `matches` accepts the turn wins; the fallback takes the rest."""

    def __init__(self, routes: Sequence[Route], fallback: Route) -> None:
        self.routes = tuple(routes)
        self.fallback = fallback

    def pick(self, turn: Turn) -> Route:
        for route in self.routes:
            if route.matches(turn):
                return route
        return self.fallback
