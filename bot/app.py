"""create_app(config): the one composition root of the web process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram.error import TelegramError

from bot import metrics
from bot.channels import quiz_web, telegram_sender, web, wechat_mp, wechat_sender
from bot.channels.telegram_bot import TelegramChannel, TelegramSettings, make_bot
from bot.channels.wechat_sender import StatusTemplate, WeChatApi
from bot.config import Config, find_config_file, load_config
from bot.runtime import Runtime, configure_logging, start_runtime
from bot.staff import views as staff_views
from bot.staff.sweeper import run_forever

log = logging.getLogger(__name__)


def create_app(config: Config, *, runtime: Runtime | None = None) -> Starlette:
    """The ASGI app. Starts its own runtime at startup unless one is handed in (tests)."""
    holder: dict[str, Any] = {"runtime": runtime} if runtime else {}
    telegram_wake = asyncio.Event()
    telegram = telegram_channel(config, lambda: holder["runtime"], telegram_wake.set)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        holder["runtime"] = app.state.runtime = runtime or await start_runtime(config, migrate=False)
        log.info("ready: %d FAQ entries, %d statutes", len(holder["runtime"].services.knowledge.faq),
                 len(holder["runtime"].services.knowledge.library))
        if telegram is not None:
            await start_telegram_client(telegram)
        background = background_tasks(config, holder["runtime"], telegram, telegram_wake)
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            if telegram is not None:
                await telegram.bot.shutdown()
            if runtime is None:
                await holder["runtime"].close()

    routes = [*web.ROUTES, Route("/healthz", healthz, methods=["GET"]),
              Route("/metrics", metrics_page, methods=["GET"]),
              *staff_views.ROUTES, *quiz_web.ROUTES, *wechat_routes(config)]
    if telegram is not None:
        routes += telegram.routes()
    endpoints = ((config.wechat.path, "wechat"), (config.telegram.path, "telegram"), ("/api/chat", "web"),
                 ("/api/quiz", "quiz"), ("/quiz", "quiz"), ("/staff", "staff"))
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(metrics.RequestTimer, endpoints=endpoints)])
    app.state.telegram = telegram
    if runtime is not None:
        app.state.runtime = runtime
    return app


def background_tasks(config: Config, runtime: Runtime, telegram: TelegramChannel | None,
                     telegram_wake: asyncio.Event) -> list[asyncio.Task]:
    """The worker's loops: the escalation sweeper, and each configured channel's outbox sender."""
    tasks = [asyncio.create_task(run_forever(runtime.sessions, runtime.services.staff))]
    if telegram is not None:
        tasks.append(asyncio.create_task(telegram_sender.run_forever(lambda: runtime.sessions, telegram.bot,
                                                                     telegram_wake)))
    api = wechat_api(config)
    if api is not None:
        tasks.append(asyncio.create_task(wechat_sender.run_forever(lambda: runtime.sessions, api)))
    return tasks


def wechat_routes(config: Config) -> list[Route]:
    """The official account's server URL, when its token is configured."""
    section = config.wechat
    if not section.token:
        return []
    client: list[httpx.AsyncClient] = []

    def http() -> httpx.AsyncClient:
        """The process's client for WeChat API calls made during a request, made on first use (its TLS
        context is the costly part). It keeps no idle connections, so nothing is left to close."""
        if not client:
            client.append(httpx.AsyncClient(timeout=wechat_mp.API_TIMEOUT_SECONDS,
                                            limits=httpx.Limits(max_keepalive_connections=0)))
        return client[0]

    settings = wechat_mp.WeChatSettings(section.path, section.token, section.app_id, section.aes_key,
                                        section.reply_budget_seconds, section.timestamp_window_seconds,
                                        section.max_body_bytes, section.kf_account)
    return wechat_mp.WeChatEndpoint(settings, api=wechat_api(config), http=http,
                                    evidence_dir=config.app.data_dir / "evidence").routes()


async def healthz(request: Request) -> Response:
    """200 when the database answers and the knowledge base is loaded; 503 otherwise."""
    current = getattr(request.app.state, "runtime", None)
    if current is None:
        return JSONResponse({"ok": False, "database": False, "knowledge": False}, status_code=503)
    try:
        async with current.database.connect() as connection:
            await connection.execute(text("SELECT 1"))
        database_ok = True
    except Exception:  # any failure to reach the database means unhealthy, whatever the driver raised
        log.exception("health check: database unreachable")
        database_ok = False
    knowledge_ok = bool(current.services.knowledge.faq)
    ok = database_ok and knowledge_ok
    return JSONResponse({"ok": ok, "database": database_ok, "knowledge": knowledge_ok},
                        status_code=200 if ok else 503)


async def metrics_page(request: Request) -> Response:
    current = request.app.state.runtime
    async with current.sessions() as session:
        backlogs = await metrics.read_backlogs(session, current.services.staff.timezone)
    body, content_type = metrics.exposition(backlogs)
    return Response(body, media_type=content_type)




def telegram_channel(
    config: Config, runtime: Callable[[], Runtime], wake: Callable[[], None]
) -> TelegramChannel | None:
    """The Telegram channel when its token is set."""
    section = config.telegram
    if not section.token:
        return None
    return TelegramChannel(
        TelegramSettings(section.path, section.secret, section.staff_chat_id, section.max_body_bytes),
        make_bot(section.token, section.api_base), lambda: runtime().engine, lambda: runtime().sessions,
        evidence_dir=config.app.data_dir / "evidence", wake=wake,
    )


async def start_telegram_client(telegram: TelegramChannel) -> None:
    """Open the Bot API client. An unreachable Telegram (or a revoked token) must not stop the other
    channels: the server starts, and the sender keeps retrying. The error text may hold the token."""
    try:
        await telegram.bot.initialize()
    except TelegramError as problem:
        log.error("Telegram Bot API not reachable at startup (%s); the other channels run, deliveries retry",
                  type(problem).__name__)


def wechat_api(config: Config) -> WeChatApi | None:
    """The WeChat API client settings, when the account's app id and secret are configured."""
    section = config.wechat
    if not (section.token and section.app_id and section.app_secret):
        return None
    template = section.status_template
    status_template = StatusTemplate(template.id, template.ticket_field, template.status_field,
                                     template.time_field) if template.id else None
    return WeChatApi(section.app_id, section.app_secret, section.api_base.rstrip("/"), status_template)


def app_from_environment() -> Starlette:
    """uvicorn factory for `weiquan serve` workers: config from WEIQUAN_CONFIG and the environment."""
    path = find_config_file(os.environ, Path.cwd())
    config = load_config(path, os.environ)
    configure_logging(config)
    return create_app(config)
