"""The channel contract: how a way of reaching citizens plugs into the app and the CLI.

A channel translates its platform's messages into `IncomingMessage`s for the engine, renders the
engine's replies in its own format, and delivers what waits in the outbox. To the app it offers its
HTTP routes, its background loops (the outbox sender) and its open/close; to the CLI, its commands.
Adding a channel is one module with a `channel(config, runtime)` factory and its command runners,
and one `ChannelModule` line in bot/channels/registry.py.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

from starlette.routing import Route


class Channel(Protocol):
    name: str

    def routes(self) -> list[Route]:
        """The platform's endpoints (a webhook, a page); may be empty."""

    def loops(self) -> list[Coroutine[Any, Any, None]]:
        """What runs for as long as the worker does (delivering the outbox)."""

    async def open(self) -> None:
        """Start the platform client; a platform that cannot be reached must not stop the app."""

    async def close(self) -> None: ...


RuntimeGetter = Callable[[], Any]
"""Returns the running Runtime (it exists only once the app has started)."""


@dataclass(frozen=True)
class Command:
    """A CLI command of a channel: `weiquan <channel> <words…>`, run by `runner` in the channel's module."""

    words: tuple[str, ...]
    help: str
    runner: str
    """A function of the channel's module, or "module:function" for a runner that needs the whole app
    (polling runs the engine, which channels do not import)."""
    arguments: tuple[tuple[str, str], ...] = ()
    """(name, help) of each positional argument."""


@dataclass(frozen=True)
class ChannelModule:
    """A channel as registered: its module is imported only when the app starts or one of its commands runs
    (a platform's client library takes seconds to import; `weiquan ask` does not pay for it)."""

    name: str
    module: str
    help: str
    commands: tuple[Command, ...] = ()

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)

    def add_commands(self, commands: argparse._SubParsersAction) -> None:
        if not self.commands:
            return
        actions = commands.add_parser(self.name, help=self.help).add_subparsers(required=True, metavar="ACTION")
        for command in self.commands:
            parser = _nested_parser(actions, command)
            for name, text in command.arguments:
                parser.add_argument(name, help=text)
            parser.set_defaults(run=self._runner(command.runner))

    def _runner(self, spec: str) -> Callable[..., int]:
        def run(args, config, path) -> int:
            module, _, name = spec.rpartition(":")
            owner = importlib.import_module(module) if module else self.load()
            return getattr(owner, name)(args, config, path)

        return run


def _nested_parser(actions: argparse._SubParsersAction, command: Command) -> argparse.ArgumentParser:
    """The parser for `words`, creating the intermediate groups (`menu` of `menu push`) once."""
    *groups, last = command.words
    for word in groups:
        existing = actions.choices.get(word)
        if existing is None:
            existing = actions.add_parser(word, help=word)
            existing.set_defaults(_group=existing.add_subparsers(required=True, metavar="ACTION"))
        actions = existing.get_default("_group")
    return actions.add_parser(last, help=command.help)
