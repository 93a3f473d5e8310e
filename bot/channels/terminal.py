"""Terminal chat: a REPL on stdin/stdout for trying the bot with no accounts or network."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot import texts
from bot.core.engine import Engine, RateLimited
from bot.core.messages import IncomingMessage, MessageKind, Reply, UserRef
from bot.core.outbox import take_pending

CHANNEL = "terminal"
EXIT_WORDS = {"exit", "quit", "退出", "再见"}


def render(reply: Reply) -> str:
    """Buttons become numbered lines: typing the number presses the button."""
    lines = [reply.text]
    lines += [f"  {number}. {button.label}" for number, button in enumerate(reply.buttons, 1)]
    return "\n".join(lines)


async def run_repl(engine: Engine, sessions: async_sessionmaker, *, read: Callable[[str], str] = input,
                   write: Callable[[str], None] = print, user_id: str | None = None) -> None:
    """Read lines until EOF or an exit word; every line is one turn, then what staff sent meanwhile."""
    user = UserRef(CHANNEL, user_id or getpass.getuser())

    async def show_pending() -> None:
        async with sessions.begin() as session:
            for reply in await take_pending(session, user, datetime.now(UTC)):
                write(render(reply))

    write(texts.TERMINAL_BANNER)
    for reply in await engine.handle(IncomingMessage(user, MessageKind.BUTTON, payload="menu")):
        write(render(reply))
    while True:
        try:
            line = read(texts.TERMINAL_PROMPT)
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if line.strip().lower() in EXIT_WORDS:
            return
        try:
            replies = await engine.handle(IncomingMessage(user, MessageKind.TEXT, text=line))
        except RateLimited as limited:
            replies = limited.replies
        for reply in replies:
            write(render(reply))
        await show_pending()
