"""The Telegram bot as a channel: the webhook, the outbox sender, `weiquan telegram`."""

from __future__ import annotations

import asyncio
import logging
import sys

from telegram import BotCommand
from telegram.error import TelegramError

from bot import evidence, texts
from bot.channels import telegram_sender
from bot.channels.base import RuntimeGetter
from bot.channels.telegram_bot import ALLOWED_UPDATES, CHANNEL, TelegramChannel, TelegramSettings, make_bot
from bot.config import Config

log = logging.getLogger(__name__)


class TelegramBotChannel:
    """The update handler (webhook or polling) and the sender, which a turn wakes when it queued replies."""

    name = CHANNEL

    def __init__(self, config: Config, runtime: RuntimeGetter) -> None:
        section = config.telegram
        self.runtime = runtime
        self.wake = asyncio.Event()
        self.updates = TelegramChannel(
            TelegramSettings(section.path, section.secret, section.staff_chat_id, section.max_body_bytes),
            make_bot(section.token, section.api_base), lambda: runtime().engine, lambda: runtime().sessions,
            evidence_dir=evidence.folder(config), wake=self.wake.set,
        )
        self.bot = self.updates.bot

    def routes(self) -> list:
        return self.updates.routes()

    def loops(self) -> list:
        return [telegram_sender.run_forever(lambda: self.runtime().sessions, self.bot, self.wake)]

    async def open(self) -> None:
        """Open the Bot API client. An unreachable Telegram (or a revoked token) must not stop the other
        channels: the server starts, and the sender keeps retrying. The error text may hold the token."""
        try:
            await self.bot.initialize()
        except TelegramError as problem:
            log.error("Telegram Bot API not reachable at startup (%s); the other channels run, deliveries retry",
                      type(problem).__name__)

    async def close(self) -> None:
        await self.bot.shutdown()


def channel(config: Config, runtime: RuntimeGetter) -> TelegramBotChannel | None:
    """The channel when the bot's token is configured."""
    return TelegramBotChannel(config, runtime) if config.telegram.token else None


def run_webhook_set(args, config: Config, _path) -> int:
    """`weiquan telegram webhook set URL`: register the webhook with the secret token; publish the commands."""
    if not config.telegram.token or not config.telegram.secret:
        print("需要 WEIQUAN_TELEGRAM_TOKEN 和 WEIQUAN_TELEGRAM_SECRET", file=sys.stderr)
        return 2

    async def register() -> None:
        async with make_bot(config.telegram.token, config.telegram.api_base) as bot:
            await bot.set_webhook(args.url, secret_token=config.telegram.secret, allowed_updates=ALLOWED_UPDATES)
            await bot.set_my_commands([BotCommand(name, text) for name, text in texts.TELEGRAM_COMMANDS.items()])

    asyncio.run(register())
    print(f"webhook set to {args.url}; commands published")
    return 0
