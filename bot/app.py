"""create_app(config): the one composition root of the web process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import metrics
from bot.channels import quiz_web
from bot.channels.base import Channel
from bot.channels.registry import CHANNELS
from bot.config import Config, find_config_file, load_config
from bot.core import retention
from bot.gaps import live
from bot.runtime import Runtime, configure_logging, start_runtime
from bot.staff import render_pool
from bot.staff import views as staff_views
from bot.staff.sweeper import run_forever

log = logging.getLogger(__name__)


def create_app(config: Config, *, runtime: Runtime | None = None) -> Starlette:
    """The ASGI app. Starts its own runtime at startup unless one is handed in (tests)."""
    holder: dict[str, Any] = {"runtime": runtime} if runtime else {}
    channels = configured_channels(config, lambda: holder["runtime"])

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        holder["runtime"] = app.state.runtime = runtime or await start_runtime(config, migrate=False)
        log.info("ready: %d FAQ entries, %d statutes", len(holder["runtime"].services.knowledge.faq),
                 len(holder["runtime"].services.knowledge.library))
        for channel in channels:
            await channel.open()
        sessions = holder["runtime"].sessions
        loops = [run_forever(sessions, holder["runtime"].services.staff),
                 retention.run_forever(sessions, retention_of(config)),
                 live.follow_approved(sessions, config, holder["runtime"].services.knowledge),
                 *(loop for channel in channels for loop in channel.loops())]
        background = [asyncio.create_task(loop) for loop in loops]
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            for channel in channels:
                await channel.close()
            await render_pool.shutdown()
            if runtime is None:
                await holder["runtime"].close()

    routes = [Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics_page, methods=["GET"]),
              *staff_views.ROUTES, *quiz_web.ROUTES, *(route for channel in channels for route in channel.routes())]
    channel_paths = ((route.path, channel.name) for channel in channels for route in channel.routes())
    endpoints = (("/api/quiz", "quiz"), ("/quiz", "quiz"), ("/staff", "staff"),
                 *((path, name) for path, name in channel_paths if path != "/"))
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(metrics.RequestTimer, endpoints=endpoints)])
    app.router.redirect_slashes = False  # its redirect would be built from the request's Host header
    app.state.channels = {channel.name: channel for channel in channels}
    if runtime is not None:
        app.state.runtime = runtime
    return app


def retention_of(config: Config) -> retention.Retention:
    return retention.Retention(processed_messages=timedelta(days=config.database.processed_message_days),
                               turn_events=timedelta(days=config.database.turn_event_days),
                               chat_lines=timedelta(days=config.database.chat_line_days))


def configured_channels(config: Config, runtime: Callable[[], Runtime]) -> list[Channel]:
    """Every registered channel that its configuration turns on."""
    found = (entry.load().channel(config, runtime) for entry in CHANNELS)
    return [channel for channel in found if channel is not None]


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


def app_from_environment() -> Starlette:
    """uvicorn factory for `weiquan serve` workers: config from WEIQUAN_CONFIG and the environment."""
    path = find_config_file(os.environ, Path.cwd())
    config = load_config(path, os.environ)
    configure_logging(config)
    return create_app(config)
