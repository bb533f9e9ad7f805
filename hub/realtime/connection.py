"""The websocket endpoint: a client's frames are run as they arrive, after the middleware
chain returned (websocket.DeferredWebSocket: an idle connection holds neither middleware
frames nor a read loop); writes go straight to the socket's buffer (encoded and framed once
per push and encoding, see transport.PushFrames).

The encoding is negotiated as Centrifugo does: the `centrifuge-protobuf` subprotocol (which
the SDKs offer) or `cf_protocol=protobuf` / `format=protobuf` in the query select protobuf
binary frames; anything else speaks JSON text frames."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import WSMessage, WSMsgType, web

from hub.realtime import codes
from hub.realtime.client import Client
from hub.realtime.codecs import JSON, PROTOBUF, Codec
from hub.realtime.dispatch import handle_frame
from hub.realtime.node import Node
from hub.realtime.protocol import ws_text_frame
from hub.realtime.protocol_pb import ws_binary_frame
from hub.realtime.transport import PushFrames
from hub.realtime.types import Identity
from hub.realtime.websocket import DeferredWebSocket

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


class _ClientReceiver:
    """Runs the frames of one websocket client, then closes it (a DeferredWebSocket's
    Receiver)."""

    __slots__ = ("client",)

    def __init__(self, client: Client) -> None:
        self.client = client

    async def received(self, msg: WSMessage) -> bool:
        client = self.client
        frame_type = WSMsgType.BINARY if client.codec is PROTOBUF else WSMsgType.TEXT
        if msg.type == frame_type:
            await handle_frame(client, msg.data)
        elif msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
            client.disconnect(codes.BAD_REQUEST, f"{client.codec.name} protocol expects "
                              f"{frame_type.name.lower()} frames")
        return not client.closed

    async def ended(self) -> None:
        client = self.client
        await client.on_closed()
        transport = client.transport
        if isinstance(transport, WebSocketTransport) and transport.closing is not None:
            await transport.closing  # the close frame carries the disconnect code


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
    ws.defer(_ClientReceiver(client))
    return ws
