"""DeferredWebSocket: messages are served after the handler and every middleware returned, in
the context the handler saw, by a task that exists only while there is something to read."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

from aiohttp import WSMessage, WSMsgType, web

from hub.realtime.websocket import DeferredWebSocket
from tests.waiting import until

TIMEOUT = 5.0
tag: contextvars.ContextVar[str] = contextvars.ContextVar("tag", default="")


class Echo:
    """Answers each message with its text and the context's tag; "bye" ends the connection."""

    def __init__(self, ws: web.WebSocketResponse, events: list[str]) -> None:
        self.ws, self.events = ws, events

    async def received(self, msg: WSMessage) -> bool:
        self.events.append(f"{msg.data} seen in {tag.get()}")
        await self.ws.send_str(f"{msg.data} from {tag.get()}")
        return msg.data != "bye"

    async def ended(self) -> None:
        self.events.append(f"ended in {tag.get()}")


def make_app(events: list[str]) -> web.Application:
    @web.middleware
    async def middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
        token = tag.set("request-7")
        try:
            return await handler(request)
        finally:
            tag.reset(token)
            events.append("middleware returned")

    async def handler(request: web.Request) -> web.StreamResponse:
        ws = DeferredWebSocket()
        await ws.prepare(request)
        ws.defer(Echo(ws, events))
        return ws

    app = web.Application(middlewares=[middleware])
    app.router.add_get("/ws", handler)
    return app


def draining() -> list[asyncio.Task[object]]:
    """Tasks reading a DeferredWebSocket's messages now."""
    return [task for task in asyncio.all_tasks()
            if getattr(task.get_coro(), "__qualname__", "") == "DeferredWebSocket._drain"]


async def test_messages_are_served_after_the_middleware_returned_in_its_context(
        aiohttp_client: Any) -> None:
    events: list[str] = []
    client = await aiohttp_client(make_app(events))
    ws = await client.ws_connect("/ws")
    await ws.send_str("hello")
    msg = await ws.receive(timeout=TIMEOUT)
    assert (msg.type, msg.data) == (WSMsgType.TEXT, "hello from request-7")
    assert events == ["middleware returned", "hello seen in request-7"]  # still open
    await ws.close()
    await until(lambda: "ended in request-7" in events)


async def test_an_idle_websocket_keeps_no_reading_task(aiohttp_client: Any) -> None:
    events: list[str] = []
    client = await aiohttp_client(make_app(events))
    ws = await client.ws_connect("/ws")
    for text in ("one", "two"):
        await ws.send_str(text)
        assert (await ws.receive(timeout=TIMEOUT)).data == f"{text} from request-7"
        await until(lambda: not draining())
    await ws.send_str("three")  # a new message still gets served
    assert (await ws.receive(timeout=TIMEOUT)).data == "three from request-7"
    await ws.close()


async def test_the_receiver_ends_the_connection_and_is_told_once(aiohttp_client: Any) -> None:
    events: list[str] = []
    client = await aiohttp_client(make_app(events))
    ws = await client.ws_connect("/ws")
    await ws.send_str("bye")
    assert (await ws.receive(timeout=TIMEOUT)).data == "bye from request-7"
    assert (await ws.receive(timeout=TIMEOUT)).type == WSMsgType.CLOSE
    await until(lambda: "ended in request-7" in events)
    assert events.count("ended in request-7") == 1


async def test_a_peer_that_goes_away_ends_the_connection(aiohttp_client: Any) -> None:
    events: list[str] = []
    client = await aiohttp_client(make_app(events))
    ws = await client.ws_connect("/ws")
    await until(lambda: "middleware returned" in events)
    ws._response.connection.transport.abort()  # no close frame: the socket just drops
    await until(lambda: "ended in request-7" in events)
