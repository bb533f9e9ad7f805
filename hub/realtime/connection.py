"""The websocket endpoint: one read loop per connection; writes go straight to the socket's
buffer (encoded and framed once per push and encoding, see transport.PushFrames). The read
loop runs after the middleware chain returned (DeferredWebSocket), so an idle connection
holds no middleware frames.

The encoding is negotiated as Centrifugo does: the `centrifuge-protobuf` subprotocol (which
the SDKs offer) or `cf_protocol=protobuf` / `format=protobuf` in the query select protobuf
binary frames; anything else speaks JSON text frames."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from aiohttp import WSMsgType, web

from hub.realtime import codes
from hub.realtime.client import Client
from hub.realtime.codecs import JSON, PROTOBUF, Codec
from hub.realtime.dispatch import handle_frame
from hub.realtime.node import Node
from hub.realtime.protocol import ws_text_frame
from hub.realtime.protocol_pb import ws_binary_frame
from hub.realtime.transport import PushFrames
from hub.realtime.types import Identity

__all__ = ["WebSocketTransport", "ProtobufWebSocketTransport", "DeferredWebSocket",
           "websocket_handler", "negotiated_codec"]

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


class ProtobufWebSocketTransport(WebSocketTransport):
    """The same socket speaking protobuf: binary frames of length-delimited Replies."""

    __slots__ = ()

    def write_push(self, frames: PushFrames) -> None:
        if not self.tcp.is_closing():
            self.tcp.write(frames.ws_protobuf)

    def write_reply(self, payload: bytes) -> None:
        if not self.tcp.is_closing():
            self.tcp.write(ws_binary_frame(payload))


SUBPROTOCOLS = ("centrifuge-json", "centrifuge-protobuf")


def negotiated_codec(ws: web.WebSocketResponse, request: web.Request) -> Codec:
    """Protobuf when the handshake agreed on `centrifuge-protobuf` or the query asks for it."""
    if ws.ws_protocol == "centrifuge-protobuf" or \
            request.query.get("format") == "protobuf" or \
            request.query.get("cf_protocol") == "protobuf":
        return PROTOBUF
    return JSON


class DeferredWebSocket(web.WebSocketResponse):
    """A websocket whose read loop runs in `write_eof`, which aiohttp calls once the handler
    and every middleware have returned: an idle connection keeps none of their frames, only
    the request task's own (the access log notes the 101 when the handshake is done)."""

    _deferred: tuple[Callable[[], Awaitable[None]], contextvars.Context] | None = None

    def defer(self, serve: Callable[[], Awaitable[None]]) -> None:
        """Run `serve` (the read loop) when aiohttp finishes this response, in the context
        the handler saw (the request id the middleware set, for its log lines)."""
        self._deferred = (serve, contextvars.copy_context())

    async def write_eof(self) -> None:  # type: ignore[override]
        deferred = self._deferred
        if deferred is not None:
            self._deferred = None
            serve, context = deferred
            for var, value in context.items():
                var.set(value)
            await serve()
        await super().write_eof()


async def websocket_handler(request: web.Request, node: Node,
                            cookie_identity: Identity | None) -> web.WebSocketResponse:
    ws = DeferredWebSocket(protocols=SUBPROTOCOLS, autoping=True, heartbeat=None,
                           max_msg_size=node.config.max_message_size, compress=False)
    await ws.prepare(request)
    transport = request.transport
    assert transport is not None
    codec = negotiated_codec(ws, request)
    ws_transport = (ProtobufWebSocketTransport(ws, transport) if codec is PROTOBUF
                    else WebSocketTransport(ws, transport))
    client = Client(node, ws_transport, cookie_identity, codec)
    if node.shutting_down:
        client.disconnect(codes.SHUTDOWN, "shutdown")
    ws.defer(partial(_read_loop, ws, client, ws_transport))
    return ws


async def _read_loop(ws: web.WebSocketResponse, client: Client,
                     ws_transport: WebSocketTransport) -> None:
    """Run the client's frames until it or the peer closes."""
    codec = client.codec
    frame_type = WSMsgType.BINARY if codec is PROTOBUF else WSMsgType.TEXT
    try:
        async for msg in ws:
            if msg.type == frame_type:
                await handle_frame(client, msg.data)
            elif msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                client.disconnect(codes.BAD_REQUEST, f"{codec.name} protocol expects "
                                  f"{frame_type.name.lower()} frames")
            if client.closed:
                break
    finally:
        await client.on_closed()
        if ws_transport.closing is not None:
            await ws_transport.closing  # the close frame carries the disconnect code
