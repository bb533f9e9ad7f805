"""The unidirectional HTTP transports (shared/protocol/centrifuge.md §9): `uni_sse` (Server-Sent
Events, GET or POST) and `uni_http_stream` (newline-delimited JSON over a chunked POST).

The client sends one ConnectRequest and then only reads. Every write appends to a per-connection
buffer that one writer task drains into the response, so a publisher never waits for a peer.
A peer that goes away is noticed on the next write (at the latest the next ping).
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from aiohttp import web

from hub.realtime import codes
from hub.realtime.client import Client
from hub.realtime.commands import connect_unidirectional
from hub.realtime.node import Node
from hub.realtime.protocol import (
    ConnectRequest,
    Disconnect,
    ProtocolError,
    Push,
    decode_connect_request,
)
from hub.realtime.transport import PushFrames
from hub.realtime.types import Identity

__all__ = [
    "StreamTransport",
    "SSETransport",
    "HTTPStreamTransport",
    "uni_sse_handler",
    "uni_http_stream_handler",
    "uni_http_stream_options",
]

CLOSE_TIMEOUT = 1.0

NO_CACHE_HEADERS = {
    "Cache-Control": "private, no-cache, no-store, must-revalidate, max-age=0",
    "Pragma": "no-cache",
    "Expire": "0",
    "X-Accel-Buffering": "no",
}


class StreamTransport:
    """A one-way stream: pushes append to a buffer; one writer task drains it into the
    response; closing writes the disconnect push and ends the response."""

    name: ClassVar[str] = "uni_stream"
    bidirectional: ClassVar[bool] = False
    preamble: ClassVar[bytes] = b""
    headers: ClassVar[dict[str, str]] = NO_CACHE_HEADERS

    __slots__ = ("response", "tcp", "_buffer", "_wake", "_closing", "_done", "_writer",
                 "_abort_timer")

    def __init__(self, response: web.StreamResponse, tcp: asyncio.Transport | None) -> None:
        self.response = response
        self.tcp = tcp
        self._buffer = bytearray(self.preamble)
        self._wake = asyncio.Event()
        self._closing = False
        self._done = False
        self._abort_timer: asyncio.TimerHandle | None = None
        self._writer = asyncio.get_running_loop().create_task(self._drain())

    def frame(self, frames: PushFrames) -> bytes:
        """One push in this transport's framing."""
        raise NotImplementedError

    # ---- Transport --------------------------------------------------------------------------

    def write_push(self, frames: PushFrames) -> None:
        self._append(self.frame(frames))

    def write_reply(self, payload: bytes) -> None:
        # one-way clients only ever get pings (`{}`) this way; they are framed as pushes
        self._append(self.frame(PushFrames.of_body(payload)))

    def buffered(self) -> int:
        in_socket = self.tcp.get_write_buffer_size() if self.tcp is not None else 0
        return len(self._buffer) + in_socket

    def close(self, code: int, reason: str) -> None:
        if self._closing:
            return
        push = Push(disconnect=Disconnect(code=code, reason=reason))
        self._append(self.frame(PushFrames(push)))
        self._closing = True
        self._wake.set()
        self._abort_timer = asyncio.get_running_loop().call_later(CLOSE_TIMEOUT, self.abort)

    # ---- writer -----------------------------------------------------------------------------

    def _append(self, data: bytes) -> None:
        if not self._closing and not self._done:
            self._buffer += data
            self._wake.set()

    async def _drain(self) -> None:
        """Write whatever is buffered, one batch per write; end the response once closed."""
        try:
            while self._buffer or not self._closing:
                if not self._buffer:
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                batch, self._buffer = self._buffer, bytearray()
                await self.response.write(batch)
            await self.response.write_eof()
        except (ConnectionError, RuntimeError):
            pass  # the peer went away; the handler cleans up
        finally:
            self._done = True

    async def wait_closed(self) -> None:
        """Until the stream has ended (closed by us, the peer went away, or aborted)."""
        await asyncio.wait([self._writer])

    def abort(self) -> None:
        """Stop writing now: a peer that does not read cannot take the disconnect push."""
        if self._abort_timer is not None:
            self._abort_timer.cancel()
            self._abort_timer = None
        if not self._writer.done():
            self._writer.cancel()
            if self.tcp is not None:
                self.tcp.abort()


class SSETransport(StreamTransport):
    """`data: <push>\\n\\n` events after a `\\r\\n` that flushes the headers."""

    name = "uni_sse"
    preamble = b"\r\n"
    headers = {**NO_CACHE_HEADERS, "Content-Type": "text/event-stream; charset=utf-8"}
    __slots__ = ()

    def frame(self, frames: PushFrames) -> bytes:
        return frames.sse


class HTTPStreamTransport(StreamTransport):
    """Newline-delimited JSON: each push followed by `\\n`."""

    name = "uni_http_stream"
    __slots__ = ()

    def frame(self, frames: PushFrames) -> bytes:
        return frames.stream


# ---- handlers -------------------------------------------------------------------------------


async def _read_body(request: web.Request, limit: int) -> bytes:
    """The request body, at most `limit` bytes (413 beyond)."""
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    body = bytearray()
    async for chunk in request.content.iter_any():
        body += chunk
        if len(body) > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    return bytes(body)


def _parse(raw: str | bytes | None) -> ConnectRequest:
    try:
        return decode_connect_request(raw)
    except ProtocolError as exc:
        raise web.HTTPBadRequest(reason="malformed connect request") from exc


async def _serve(request: web.Request, node: Node, kind: type[StreamTransport],
                 req: ConnectRequest, cookie_identity: Identity | None) -> web.StreamResponse:
    """Open the stream, connect the client and keep the response until the stream ends."""
    response = web.StreamResponse(headers=kind.headers)
    if request.keep_alive:  # HTTP/1.1 (or a 1.0 keep-alive request), as Centrifugo answers
        response.headers["Connection"] = "keep-alive"
    await response.prepare(request)
    transport = kind(response, request.transport)
    client = Client(node, transport, cookie_identity)
    try:
        if node.shutting_down:
            client.disconnect(codes.SHUTDOWN, "shutdown")
        else:
            await connect_unidirectional(client, req)
        await transport.wait_closed()
    finally:
        transport.abort()
        await client.on_closed()
    return response


async def uni_sse_handler(request: web.Request, node: Node,
                          cookie_identity: Identity | None) -> web.StreamResponse:
    """GET with `cf_connect` in the query (missing = empty request), or POST with it as body."""
    if request.method == "POST":
        raw: str | bytes | None = await _read_body(request, node.config.max_message_size)
    else:
        raw = request.query.get("cf_connect")
    return await _serve(request, node, SSETransport, _parse(raw), cookie_identity)


async def uni_http_stream_handler(request: web.Request, node: Node,
                                  cookie_identity: Identity | None) -> web.StreamResponse:
    """POST with the ConnectRequest as body (empty = `{}`)."""
    raw = await _read_body(request, node.config.max_message_size)
    return await _serve(request, node, HTTPStreamTransport, _parse(raw), cookie_identity)


async def uni_http_stream_options(request: web.Request) -> web.Response:
    return web.Response(status=204, headers={"Access-Control-Max-Age": "300",
                                             "Access-Control-Allow-Methods": "POST, OPTIONS"})
