"""The WeChat official account as a channel: the server URL, the customer-service sender, `weiquan wechat`."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

import httpx

from bot import evidence
from bot.channels import wechat_mp, wechat_sender
from bot.channels.base import RuntimeGetter
from bot.channels.wechat_sender import ApiError, StatusTemplate, WeChatApi, push_menu
from bot.config import Config
from bot.db import create_engine, create_session_factory, upgrade


class WeChatChannel:
    name = wechat_mp.CHANNEL

    def __init__(self, config: Config, runtime: RuntimeGetter) -> None:
        section = config.wechat
        self.runtime = runtime
        self.api = wechat_api(config)
        self._client: httpx.AsyncClient | None = None
        settings = wechat_mp.WeChatSettings(section.path, section.token, section.app_id, section.aes_key,
                                            section.reply_budget_seconds, section.timestamp_window_seconds,
                                            section.max_body_bytes, section.kf_account)
        self.endpoint = wechat_mp.WeChatEndpoint(settings, api=self.api, http=self.http,
                                                 evidence_dir=evidence.folder(config))

    def http(self) -> httpx.AsyncClient:
        """The process's client for WeChat API calls made during a request, made on first use (its TLS
        context is the costly part). It keeps no idle connections, so nothing is left to close."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=wechat_mp.API_TIMEOUT_SECONDS,
                                             limits=httpx.Limits(max_keepalive_connections=0))
        return self._client

    def routes(self) -> list:
        return self.endpoint.routes()

    def loops(self) -> list:
        if self.api is None:
            return []
        return [wechat_sender.run_forever(lambda: self.runtime().sessions, self.api)]

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None


def channel(config: Config, runtime: RuntimeGetter) -> WeChatChannel | None:
    """The channel when the account's token is configured."""
    return WeChatChannel(config, runtime) if config.wechat.token else None


def wechat_api(config: Config) -> WeChatApi | None:
    """The WeChat API client settings, when the account's app id and secret are configured."""
    section = config.wechat
    if not (section.token and section.app_id and section.app_secret):
        return None
    template = section.status_template
    status_template = StatusTemplate(template.id, template.ticket_field, template.status_field,
                                     template.time_field) if template.id else None
    return WeChatApi(section.app_id, section.app_secret, section.api_base.rstrip("/"), status_template)


def run_menu_push(_args, config: Config, _path) -> int:
    """`weiquan wechat menu push`: the custom menu from config.toml [[wechat.menu]]."""
    api = wechat_api(config)
    if api is None or not config.wechat.menu:
        print("需要 WEIQUAN_WECHAT_TOKEN / APP_ID / APP_SECRET 和 config.toml 中的 [[wechat.menu]]", file=sys.stderr)
        return 2
    buttons = [
        {"name": b.name, "sub_button": [{"type": "click", "name": s.name, "key": s.key} for s in b.sub]} if b.sub
        else {"type": "click", "name": b.name, "key": b.key}
        for b in config.wechat.menu
    ]

    async def push() -> None:
        engine = create_engine(config.database_url, busy_timeout_ms=config.database.busy_timeout_ms)
        try:
            await upgrade(engine)
            async with httpx.AsyncClient(timeout=10) as http:
                await push_menu(create_session_factory(engine), api, http, buttons, datetime.now(UTC))
        finally:
            await engine.dispose()

    try:
        asyncio.run(push())
    except ApiError as problem:
        print(f"WeChat refused the menu: {problem}", file=sys.stderr)
        return 1
    print(f"menu pushed: {', '.join(b['name'] for b in buttons)}")
    return 0
