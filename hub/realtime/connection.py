"""The websocket endpoint: one read loop per connection; writes go straight to the socket's
buffer (encoded and framed once per push, see transport.PushFrames)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import WSMsgType, web

from hub.realtime import codes
from hub.realtime.client import Client
from hub.realtime.dispatch import handle_frame
from hub.realtime.node import Node
from hub.realtime.protocol import ws_text_frame
from hub.realtime.transport import PushFrames
from hub.realtime.types import Identity

__all__ = ["WebSocketTransport", "websocket_handler"]

log = logging.getLogger("chorus.realtime")

CLOSE_TIMEOUT = 1.0


class WebSocketTransport:
    """Writes whole frames to the TCP transport; closing sends the close frame with the
    Centrifuge disconnect code and a non-empty reason."""

    name = "websocket"
    bidirectional = True
    __slots__ = ("ws", "tcp", "closing")

    def __init__(self, ws: web.WebSocketResponse, tcp: asyncio.Transport) -> None:
        self.ws = ws
        self.tcp = tcp
        self.closing: asyncio.Task[None] | None = None

    def write_push(self, frames: PushFrames) -> None:
        if not self.tcp.is_closing():
            self.tcp.write(frames.ws)

    def write_reply(self, payload: bytes) -> None:
        if not self.tcp.is_closing():
            self.tcp.write(ws_text_frame(payload))

    def buffered(self) -> int:
        return self.tcp.get_write_buffer_size()

    def close(self, code: int, reason: str) -> None:
        if self.closing is None:
            self.closing = asyncio.get_running_loop().create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(self.ws.close(code=code, message=reason.encode()),
                                   CLOSE_TIMEOUT)
        except (TimeoutError, ConnectionError, RuntimeError):
            self.tcp.abort()  # a client that does not read cannot take a close frame either


async def websocket_handler(request: web.Request, node: Node,
                            cookie_identity: Identity | None) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(protocols=("centrifuge-json",), autoping=True, heartbeat=None,
                               max_msg_size=node.config.max_message_size, compress=False)
    if "centrifuge-protobuf" in request.headers.get("Sec-WebSocket-Protocol", "") or \
            request.query.get("format") == "protobuf" or \
            request.query.get("cf_protocol") == "protobuf":
        # Accept the subprotocol it offered (a browser fails a handshake that answers none,
        # and centrifuge-js then retries forever), then close with the terminal 3506.
        ws = web.WebSocketResponse(protocols=("centrifuge-protobuf",), heartbeat=None)
        await ws.prepare(request)
        await ws.close(code=codes.INAPPROPRIATE_PROTOCOL,
                       message=b"protobuf protocol is not supported, use JSON")
        return ws
    await ws.prepare(request)
    transport = request.transport
    assert transport is not None
    ws_transport = WebSocketTransport(ws, transport)
    client = Client(node, ws_transport, cookie_identity)
    if node.shutting_down:
        client.disconnect(codes.SHUTDOWN, "shutdown")
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await handle_frame(client, msg.data)
            elif msg.type == WSMsgType.BINARY:
                client.disconnect(codes.BAD_REQUEST, "binary frames are not JSON protocol")
            if client.closed:
                break
    finally:
        await client.on_closed()
        if ws_transport.closing is not None:
            await ws_transport.closing  # the close frame carries the disconnect code
    return ws
