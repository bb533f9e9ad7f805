"""Request and reply between the processes of one hub, over the broker's control channel
(hub.realtime.control beside it): a process calls a topic on another process by its node id
and waits for the reply, up to a timeout (`call`, the quiz rooms' routing), or asks every other
process and gathers the replies that come in time (`ask_all`, after centrifuge's survey: the
server API's `info` and `channels`). Every process hears every message on the control channel;
each keeps only those addressed to it (or to everyone, EVERYONE), by a header read before any
decoding.

Frame: RELAY_TAG, the addressee's node id (or EVERYONE), a newline, then a `RelayMessage` in
JSON. With the in-process broker, a process calls itself; it never answers its own `ask_all`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol

import msgspec

__all__ = ["RELAY_TAG", "EVERYONE", "Relay", "RelayError", "RelayTimeout", "RelayMessage",
           "RelayHandler"]

log = logging.getLogger("chorus.realtime.relay")

RELAY_TAG = b"R"  # control messages are JSON objects otherwise: "{"
EVERYONE = "*"  # the addressee of `ask_all`: every process but the asker
_EVERYONE = EVERYONE.encode()

# the request's JSON body -> the reply's JSON body
RelayHandler = Callable[[bytes], Awaitable[bytes]]


class ControlSender(Protocol):
    async def publish_control(self, data: bytes) -> None: ...


class RelayError(Exception):
    """The callee could not answer: no handler for the topic there, or the handler failed."""


class RelayTimeout(Exception):
    """No reply within the timeout (the callee is gone, or too slow)."""


class RelayMessage(msgspec.Struct, frozen=True, omit_defaults=True):
    """A request (`topic`, `body`) or its reply (`reply`, `body` or `error`)."""

    id: str
    origin: str  # node id of the caller, where the reply goes
    topic: str = ""
    body: msgspec.Raw = msgspec.Raw(b"null")
    reply: bool = False
    error: str = ""


_decoder = msgspec.json.Decoder(RelayMessage)


class _Gathering:
    """The replies of one `ask_all` so far, and when every expected process has answered."""

    def __init__(self, expected: set[str]) -> None:
        self.expected = expected
        self.replies: dict[str, bytes] = {}
        self.done = asyncio.Event()
        if not expected:  # nobody to wait for: the replies that come before the send returns
            self.done.set()

    def add(self, origin: str, body: bytes) -> None:
        self.replies[origin] = body
        if self.expected <= self.replies.keys():
            self.done.set()


class Relay:
    """The relay of the process `uid`, sending through `broker`'s control channel; the node
    hands it the control messages that start with RELAY_TAG (`receive`)."""

    def __init__(self, uid: str, broker: ControlSender) -> None:
        self.uid = uid
        self._me = uid.encode()
        self._broker = broker
        self._handlers: dict[str, RelayHandler] = {}
        self._waiting: dict[str, asyncio.Future[bytes]] = {}
        self._gathering: dict[str, _Gathering] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def serve(self, topic: str, handler: RelayHandler) -> None:
        """Answer calls of `topic` with `handler` (one task per call)."""
        self._handlers[topic] = handler

    async def call(self, to: str, topic: str, body: bytes, timeout: float) -> bytes:
        """The reply of process `to` to `body` (JSON) on `topic`.

        Raises:
            RelayTimeout: no reply within `timeout` seconds.
            RelayError: `to` has no handler for `topic`, or it failed.
        """
        message = RelayMessage(id=uuid.uuid4().hex, origin=self.uid, topic=topic,
                               body=msgspec.Raw(body))
        reply: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._waiting[message.id] = reply
        try:
            await self._send(to, message)
            return await asyncio.wait_for(reply, timeout)
        except TimeoutError:
            raise RelayTimeout(f"{to} did not answer {topic} within {timeout:g} s") from None
        finally:
            self._waiting.pop(message.id, None)

    async def ask_all(self, topic: str, body: bytes, expected: set[str], timeout: float
                      ) -> dict[str, bytes]:
        """Every other process's reply to `body` on `topic`, by node id: those of `expected`
        and of any other that answers, gathered until all of `expected` have answered or
        `timeout` seconds passed (failed or missing answers are left out; raises
        BrokerUnavailable when the question cannot be sent)."""
        message = RelayMessage(id=uuid.uuid4().hex, origin=self.uid, topic=topic,
                               body=msgspec.Raw(body))
        gathering = self._gathering[message.id] = _Gathering(expected)
        try:
            await self._send(EVERYONE, message)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(gathering.done.wait(), timeout)
        finally:
            del self._gathering[message.id]
        return gathering.replies

    async def _send(self, to: str, message: RelayMessage) -> None:
        await self._broker.publish_control(
            RELAY_TAG + to.encode() + b"\n" + msgspec.json.encode(message))

    def receive(self, data: bytes) -> None:
        """A relay frame from the control channel (ignored unless addressed here)."""
        to, _, payload = data[len(RELAY_TAG):].partition(b"\n")
        if to != self._me and to != _EVERYONE:
            return
        try:
            message = _decoder.decode(payload)
        except (msgspec.DecodeError, msgspec.ValidationError):
            log.warning("ignored an unreadable relay message")
            return
        if to == _EVERYONE and message.origin == self.uid:
            return  # one's own question to the others
        if message.reply:
            self._resolve(message)
            return
        task = asyncio.get_running_loop().create_task(self._answer(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _resolve(self, message: RelayMessage) -> None:
        gathering = self._gathering.get(message.id)
        if gathering is not None:
            if not message.error:
                gathering.add(message.origin, bytes(message.body))
            return
        waiting = self._waiting.get(message.id)
        if waiting is None or waiting.done():
            return  # too late: the caller gave up
        if message.error:
            waiting.set_exception(RelayError(message.error))
        else:
            waiting.set_result(bytes(message.body))

    async def _answer(self, request: RelayMessage) -> None:
        handler = self._handlers.get(request.topic)
        reply = RelayMessage(id=request.id, origin=self.uid, reply=True,
                             error=f"no handler for {request.topic!r}")
        if handler is not None:
            try:
                body = await handler(bytes(request.body))
            except Exception:  # noqa: BLE001 - the caller hears that it failed
                log.exception("relay handler for %r failed", request.topic)
                reply = msgspec.structs.replace(reply, error=f"{request.topic!r} failed")
            else:
                reply = msgspec.structs.replace(reply, error="", body=msgspec.Raw(body))
        try:
            await self._send(request.origin, reply)
        except Exception:  # noqa: BLE001 - the caller times out
            log.exception("could not send a relay reply to %s", request.origin)

    async def close(self) -> None:
        """Stop answering: calls in progress here are cancelled."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
