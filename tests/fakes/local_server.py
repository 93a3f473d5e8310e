"""A fake platform's HTTP side: its Starlette `app` served by uvicorn on 127.0.0.1 (a free port)
inside the test's own event loop, for `async with FakeX() as api:`."""

from __future__ import annotations

import asyncio
from typing import Self

import uvicorn
from starlette.applications import Starlette


class LocalServer:
    app: Starlette
    _server: uvicorn.Server | None = None
    _task: asyncio.Task | None = None
    _port: int | None = None

    @property
    def base_url(self) -> str:
        if self._port is None:
            name = type(self).__name__
            raise RuntimeError(f"{name} is not running: use `async with {name}() as api:`")
        return f"http://127.0.0.1:{self._port}"

    async def __aenter__(self) -> Self:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning", access_log=False,
                                lifespan="off", ws="none", http="h11", timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError(f"{type(self).__name__} did not start")
            await asyncio.sleep(0.005)
        self._port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None
        self._port = None
