"""The baseline: a bare aiohttp websocket server that sends one pre-encoded frame to every socket.

It answers connect and subscribe just enough for the same load generator, and on
`POST /bench/publish` wraps the body once in the Centrifuge push shape and writes that text
to every subscribed socket with `send_str`. Run by bench.fanout:
`python -m bench.server_bare [--core C]`; prints `READY <port>`.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from aiohttp import WSMsgType, web

from bench._serve import serve
from bench._sys import pin, raise_nofile

__all__ = ["make_app", "main"]

CHANNEL = "hot"
PUSH_HEAD = '{"push":{"channel":"' + CHANNEL + '","pub":{"data":'


def bare_websocket_handler(sockets: set[web.WebSocketResponse]):  # type: ignore[no-untyped-def]
    """Just enough of the Centrifuge protocol for the load generator: connect and subscribe
    are answered, subscribers are kept in `sockets`."""

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, heartbeat=None)
        await ws.prepare(request)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                for line in msg.data.split("\n"):
                    command = json.loads(line)
                    if "connect" in command:
                        await ws.send_str(f'{{"id":{command["id"]},"connect":'
                                          '{"client":"bare","ping":25,"pong":true}}')
                    elif "subscribe" in command:
                        sockets.add(ws)
                        await ws.send_str(f'{{"id":{command["id"]},"subscribe":{{}}}}')
        finally:
            sockets.discard(ws)
        return ws

    return websocket


def make_app() -> web.Application:
    sockets: set[web.WebSocketResponse] = set()
    offset = 0

    websocket = bare_websocket_handler(sockets)

    async def publish(request: web.Request) -> web.Response:
        nonlocal offset
        offset += 1
        body = await request.text()
        frame = PUSH_HEAD + body + f',"offset":{offset}}}}}}}'  # encoded once per publication
        for ws in list(sockets):
            await ws.send_str(frame)
        return web.Response(status=204)

    app = web.Application()
    app.router.add_get("/connection/websocket", websocket)
    app.router.add_post("/bench/publish", publish)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--core", type=int, default=None, help="pin the server to this core")
    args = parser.parse_args()
    pin(args.core)
    raise_nofile()
    asyncio.run(serve(make_app()))


if __name__ == "__main__":
    main()
