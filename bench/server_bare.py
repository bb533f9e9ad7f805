"""The baseline: a bare aiohttp websocket server that sends one pre-encoded frame to every socket.

It answers connect and subscribe just enough for the same load generator, in JSON or (when
the client offers the `centrifuge-protobuf` subprotocol) protobuf, and on
`POST /bench/publish` wraps the body once per encoding in use in the Centrifuge push shape
and writes it to every subscribed socket (`send_str` for JSON, `send_bytes` for protobuf).
Run by bench.fanout: `python -m bench.server_bare [--core C]`; prints `READY <port>`.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from aiohttp import WSMsgType, web

from bench._serve import serve
from bench._sys import pin, raise_nofile
from hub.realtime.pb import client_pb2 as pb
from hub.realtime.protocol_pb import decode_commands, delimited

__all__ = ["make_app", "main"]

CHANNEL = "hot"
PUSH_HEAD = '{"push":{"channel":"' + CHANNEL + '","pub":{"data":'


def _pb_reply(command_id: int, **result: object) -> bytes:
    return delimited(pb.Reply(id=command_id, **result).SerializeToString())  # type: ignore[arg-type]


def bare_websocket_handler(sockets: set[web.WebSocketResponse],  # type: ignore[no-untyped-def]
                           binary: set[web.WebSocketResponse] | None = None):
    """Just enough of the Centrifuge protocol for the load generator: connect and subscribe
    are answered, subscribers are kept in `sockets` (JSON) or `binary` (protobuf)."""
    binary = set() if binary is None else binary

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(protocols=("centrifuge-json", "centrifuge-protobuf"),
                                   compress=False, heartbeat=None)
        await ws.prepare(request)
        protobuf = ws.ws_protocol == "centrifuge-protobuf"
        try:
            async for msg in ws:
                if protobuf and msg.type == WSMsgType.BINARY:
                    for command in decode_commands(msg.data):
                        if command.connect is not None:
                            await ws.send_bytes(_pb_reply(command.id, connect=pb.ConnectResult(
                                client="bare", ping=25, pong=True)))
                        elif command.subscribe is not None:
                            binary.add(ws)
                            await ws.send_bytes(_pb_reply(command.id,
                                                          subscribe=pb.SubscribeResult()))
                    continue
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
            binary.discard(ws)
        return ws

    return websocket


def make_app() -> web.Application:
    sockets: set[web.WebSocketResponse] = set()
    binary: set[web.WebSocketResponse] = set()
    offset = 0

    websocket = bare_websocket_handler(sockets, binary)

    async def publish(request: web.Request) -> web.Response:
        nonlocal offset
        offset += 1
        body = await request.read()
        if sockets:  # encoded once per publication and encoding
            frame = PUSH_HEAD + body.decode() + f',"offset":{offset}}}}}}}'
            for ws in list(sockets):
                await ws.send_str(frame)
        if binary:
            push = pb.Push(channel=CHANNEL, pub=pb.Publication(data=body, offset=offset))
            data = delimited(pb.Reply(push=push).SerializeToString())
            for ws in list(binary):
                await ws.send_bytes(data)
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
