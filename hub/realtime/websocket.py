"""DeferredWebSocket: an aiohttp websocket served once the handler and every middleware have
returned, with no read loop parked while it is idle.

An idle connection is most of what a realtime server holds, so what each one keeps matters:
here it keeps the request task suspended in `write_eof` on one future (aiohttp closes the
socket when that task ends), and the messages that arrive are read by a short task started
when aiohttp's parser queues them, which ends once the queue is empty. A read loop parked in
`receive()` would keep four more coroutine frames and a future per connection.
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any, Protocol

from aiohttp import WSMessage, WSMsgType, web
from aiohttp._websocket.reader import WebSocketDataQueue, WebSocketReader
from aiohttp.helpers import DEFAULT_CHUNK_SIZE

__all__ = ["DeferredWebSocket", "Receiver"]

# what receive() answers once the connection is over (or the peer broke the protocol)
END = frozenset({WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR})
_NO_CAUSE = object()


class Receiver(Protocol):
    """What serves a DeferredWebSocket's messages."""

    async def received(self, msg: WSMessage) -> bool:
        """One text or binary message, in arrival order; False ends the connection."""

    async def ended(self) -> None:
        """The connection is over; called once, in the handler's context."""


class _Inbox(WebSocketDataQueue):
    """aiohttp's queue of parsed messages, which also wakes its websocket when one is queued
    or the stream ends."""

    __slots__ = ("ws",)
    ws: DeferredWebSocket

    def feed_data(self, data: Any, size: int) -> None:
        super().feed_data(data, size)
        self.ws.wake()

    def feed_eof(self) -> None:
        super().feed_eof()
        self.ws.wake()

    def set_exception(self, exc: BaseException, exc_cause: Any = _NO_CAUSE) -> None:
        if exc_cause is _NO_CAUSE:
            super().set_exception(exc)
        else:
            super().set_exception(exc, exc_cause)
        self.ws.wake()


class _Serving:
    """What a DeferredWebSocket serves with, in one attribute: a few more on the response
    itself would turn its instance dict from the class's shared keys into a table of its own
    (a kilobyte more per connection)."""

    __slots__ = ("receiver", "context", "done", "draining")

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.context = contextvars.copy_context()
        self.done: asyncio.Future[None] | None = None  # set when the connection is over
        self.draining: asyncio.Task[None] | None = None


class DeferredWebSocket(web.WebSocketResponse):
    """A websocket whose messages go to a Receiver once aiohttp finishes the response (it
    calls `write_eof` after the handler and every middleware returned), in the context the
    handler saw (the request id the middleware set, for log lines)."""

    _serving: _Serving | None = None

    def defer(self, receiver: Receiver) -> None:
        """Serve messages with `receiver` once the handler and its middleware returned."""
        self._serving = _Serving(receiver)

    def _post_start(self, request: web.BaseRequest, protocol: str | None,
                    writer: Any) -> None:
        """aiohttp's own (3.14), with an _Inbox as the queue its parser feeds, and without the
        HTTP parser."""
        self._ws_protocol = protocol
        self._writer = writer
        self._reset_heartbeat()
        assert self._loop is not None
        inbox = _Inbox(request._protocol, DEFAULT_CHUNK_SIZE, loop=self._loop)
        inbox.ws = self
        self._reader = inbox
        self._parser = WebSocketReader(inbox, self._max_msg_size, compress=bool(self._compress),
                                       decode_text=self._decode_text)
        callback = None if self._heartbeat is None else self._on_data_received
        request.protocol.set_parser(self._parser, data_received_cb=callback)
        request.protocol.keep_alive(False)
        # The connection reads websocket frames from now on: its HTTP request parser (and its
        # buffers) would stay until the connection is lost, unused.
        request.protocol._parser = None

    def wake(self) -> None:
        """Something was queued (or the stream ended): read it in a task, unless one runs or
        serving has not begun."""
        serving = self._serving
        if serving is not None and serving.done is not None and serving.draining is None \
                and not serving.done.done():
            serving.draining = asyncio.get_running_loop().create_task(
                self._drain(serving), context=serving.context)

    async def _drain(self, serving: _Serving) -> None:
        """Hand the receiver what is queued; end the connection on a close or when it says
        so; return when the queue is empty."""
        reader, done = self._reader, serving.done
        assert reader is not None and done is not None
        try:
            while reader._buffer or reader.is_eof():
                msg = await self.receive()
                if msg.type in END or not await serving.receiver.received(msg):
                    done.set_result(None)
                    return
        except Exception as exc:  # the handler's task raises it, as a read loop would have
            if not done.done():
                done.set_exception(exc)
        except BaseException:
            if not done.done():
                done.cancel()
            raise
        finally:
            serving.draining = None

    async def write_eof(self) -> None:  # type: ignore[override]
        serving = self._serving
        if serving is not None and serving.done is None:
            loop = asyncio.get_running_loop()
            serving.done = loop.create_future()
            reader = self._reader
            if reader is not None and (reader._buffer or reader.is_eof()):
                self.wake()  # frames that came with the handshake
            try:
                await serving.done
            finally:
                if serving.draining is not None:
                    serving.draining.cancel()
                await loop.create_task(serving.receiver.ended(), context=serving.context)
        await super().write_eof()
