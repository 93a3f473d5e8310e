"""The channel contract: a new channel is one module and one ChannelModule line; the app and the CLI
pick it up from the registry (this module plays the new channel)."""

from __future__ import annotations

import argparse

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot import app as app_module
from bot.channels import registry
from bot.channels.base import ChannelModule, Command
from bot.core.messages import IncomingMessage, MessageKind, UserRef

ECHO = ChannelModule("echo", __name__, "a channel made up for this test",
                     (Command(("say",), "print a word", "run_say", (("word", "the word"),)),))
opened: list[str] = []


class EchoChannel:
    """Translates a JSON body in, renders the engine's replies out."""

    name = "echo"

    def routes(self) -> list[Route]:
        return [Route("/echo", self.receive, methods=["POST"])]

    async def receive(self, request: Request) -> JSONResponse:
        body = await request.json()
        message = IncomingMessage(UserRef("echo", body["user"]), MessageKind.TEXT, text=body["text"])
        replies = await request.app.state.runtime.engine.handle(message)
        return JSONResponse({"texts": [reply.text for reply in replies]})

    def loops(self) -> list:
        return []

    async def open(self) -> None:
        opened.append(self.name)

    async def close(self) -> None:
        opened.remove(self.name)


def channel(_config, _runtime) -> EchoChannel:
    return EchoChannel()


def run_say(args, _config, _path) -> int:
    print(args.word)
    return 0


async def test_a_registered_channel_is_served_by_the_app(runtime, config, monkeypatch):
    monkeypatch.setattr(app_module, "CHANNELS", (*registry.CHANNELS, ECHO))
    app = app_module.create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        answered = await client.post("/echo", json={"user": "e1", "text": "网购的衣服七天内能退吗"})
    assert answered.status_code == 200 and "第二十五条" in "".join(answered.json()["texts"])
    assert "echo" in app.state.channels


async def test_a_channel_opens_and_closes_with_the_app(runtime, config, monkeypatch):
    monkeypatch.setattr(app_module, "CHANNELS", (ECHO,))
    app = app_module.create_app(config, runtime=runtime)
    async with app.router.lifespan_context(app):
        assert opened == ["echo"]
    assert opened == []


def test_a_channels_commands_join_the_cli(capsys):
    parser = argparse.ArgumentParser()
    ECHO.add_commands(parser.add_subparsers())
    args = parser.parse_args(["echo", "say", "你好"])
    assert args.run(args, None, None) == 0
    assert capsys.readouterr().out.strip() == "你好"


def test_every_registered_channel_module_offers_a_channel_factory():
    for entry in registry.CHANNELS:
        assert callable(entry.load().channel), entry.name
        for command in entry.commands:
            module, _, name = command.runner.rpartition(":")
            owner = __import__(module, fromlist=[name]) if module else entry.load()
            assert callable(getattr(owner, name)), command.runner
