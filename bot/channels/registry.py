"""The channels the web app serves, one line each (see bot/channels/base.py for the contract).

The terminal chat (`weiquan chat`, bot/channels/terminal.py) runs the same engine from the CLI and
serves no routes.
"""

from __future__ import annotations

from bot.channels.base import ChannelModule, Command

CHANNELS = (
    ChannelModule("web", "bot.channels.web", "web chat and JSON API"),
    ChannelModule("wechat", "bot.channels.wechat_channel", "WeChat official account", (
        Command(("menu", "push"), "create the menu from config.toml [[wechat.menu]]", "run_menu_push"),
    )),
    ChannelModule("telegram", "bot.channels.telegram_channel", "Telegram bot", (
        Command(("webhook", "set"), "register URL (with the secret token) and publish the commands",
                "run_webhook_set", (("url", "the public https URL of the webhook path"),)),
        Command(("poll",), "run with long polling instead of a webhook", "bot.cli:run_telegram_poll"),
    )),
)
