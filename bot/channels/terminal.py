"""Terminal chat: a REPL on stdin/stdout for trying the bot with no accounts or network."""

from __future__ import annotations

import getpass
from collections.abc import Callable

from bot import texts
from bot.core.engine import Engine
from bot.core.messages import IncomingMessage, MessageKind, Reply, UserRef

CHANNEL = "terminal"
EXIT_WORDS = {"exit", "quit", "退出", "再见"}


def render(reply: Reply) -> str:
    """Buttons become numbered lines: typing the number presses the button."""
    lines = [reply.text]
    lines += [f"  {number}. {button.label}" for number, button in enumerate(reply.buttons, 1)]
    return "\n".join(lines)


async def run_repl(engine: Engine, *, read: Callable[[str], str] = input, write: Callable[[str], None] = print,
                   user_id: str | None = None) -> None:
    """Read lines until EOF or an exit word; every line is one turn."""
    user = UserRef(CHANNEL, user_id or getpass.getuser())
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
        for reply in await engine.handle(IncomingMessage(user, MessageKind.TEXT, text=line)):
            write(render(reply))
