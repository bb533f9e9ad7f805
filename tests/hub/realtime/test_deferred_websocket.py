"""DeferredWebSocket: the read loop runs after the handler and every middleware returned, in
the context the handler saw."""

from __future__ import annotations

import contextvars

from aiohttp import WSMsgType, web

from hub.realtime.connection import DeferredWebSocket
from tests.waiting import until

TIMEOUT = 5.0
tag: contextvars.ContextVar[str] = contextvars.ContextVar("tag", default="")


async def test_the_read_loop_runs_after_the_middleware_returned(aiohttp_client) -> None:
    events: list[str] = []

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

        async def loop() -> None:
            events.append(f"loop sees {tag.get()}")
            async for msg in ws:
                await ws.send_str(f"{msg.data} from {tag.get()}")
            events.append("loop ended")

        ws.defer(loop)
        return ws

    app = web.Application(middlewares=[middleware])
    app.router.add_get("/ws", handler)
    client = await aiohttp_client(app)
    ws = await client.ws_connect("/ws")
    await ws.send_str("hello")
    msg = await ws.receive(timeout=TIMEOUT)
    assert (msg.type, msg.data) == (WSMsgType.TEXT, "hello from request-7")
    assert events == ["middleware returned", "loop sees request-7"]  # still open
    await ws.close()
    await until(lambda: "loop ended" in events)
