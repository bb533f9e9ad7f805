"""One connected client: its identity, subscriptions, delivery, rate of commands and
liveness timers.

Its frames are run by hub.realtime.dispatch, one command at a time in arrival order; each
command's logic lives in hub.realtime.commands.
"""

from __future__ import annotations

import asyncio
import time
import uuid

from hub.realtime import codes
from hub.realtime.codecs import JSON, Codec
from hub.realtime.node import Node
from hub.realtime.protocol import ClientInfo
from hub.realtime.transport import PushFrames, Transport
from hub.realtime.types import ChannelState, Disconnected, Identity

__all__ = ["Client"]


class Client:
    __slots__ = ("id", "node", "transport", "identity", "info", "channels", "connected",
                 "closed", "unusable", "expires_at", "_ping_timer", "_pong_deadline",
                 "_stale_timer", "_expire_timer", "_tokens", "_stamp", "cookie_identity", "codec")

    def __init__(self, node: Node, transport: Transport,
                 cookie_identity: Identity | None = None, codec: Codec = JSON) -> None:
        self.id = str(uuid.uuid4())
        self.codec = codec  # how its commands and replies are encoded (one-way: JSON)
        self.node = node
        self.transport = transport
        self.identity: Identity | None = None
        self.info: ClientInfo | None = None
        self.channels: dict[str, ChannelState] = {}
        self.connected = False
        self.closed = False
        self.unusable = False
        self.expires_at: float | None = None
        self.cookie_identity = cookie_identity
        self._ping_timer: asyncio.TimerHandle | None = None
        self._pong_deadline: asyncio.TimerHandle | None = None
        self._stale_timer: asyncio.TimerHandle | None = asyncio.get_running_loop().call_later(
            node.config.stale_delay, self.disconnect, codes.STALE, "stale")
        self._expire_timer: asyncio.TimerHandle | None = None
        self._tokens = float(node.config.commands_per_second)
        self._stamp = time.monotonic()
        node.pending.add(self)

    @property
    def user(self) -> str:
        return self.identity.user if self.identity else ""

    # ---- delivery ---------------------------------------------------------------------------

    def deliver(self, channel: str, offset: int, frames: PushFrames) -> None:
        """A publication for a channel this client is subscribed to (hot path)."""
        state = self.channels.get(channel)
        if state is None or self.closed:
            return
        if state.pending is not None:
            state.pending.append((offset, frames))
            return
        if offset:
            if offset <= state.last_offset:
                return
            state.last_offset = offset
        self.transport.write_push(frames)
        self.check_queue()

    def send(self, payload: bytes) -> None:
        if not self.closed:
            self.transport.write_reply(payload)
            self.check_queue()

    def check_queue(self) -> None:
        if self.transport.buffered() > self.node.config.max_queue_bytes:
            self.disconnect(codes.SLOW, "slow")

    # ---- command rate -----------------------------------------------------------------------

    def take_token(self) -> bool:
        """One command's worth of the per-second budget; False when it is spent."""
        now = time.monotonic()
        rate = self.node.config.commands_per_second
        self._tokens = min(rate, self._tokens + (now - self._stamp) * rate)
        self._stamp = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    # ---- liveness ---------------------------------------------------------------------------

    def start_pings(self) -> None:
        """Schedule the first app-level ping (`{}` in JSON), then one every interval."""
        if self._stale_timer is not None:
            self._stale_timer.cancel()
            self._stale_timer = None
        interval = self.node.config.ping_interval
        if interval > 0:
            loop = asyncio.get_running_loop()
            self._ping_timer = loop.call_later(interval, self._ping)

    def _ping(self) -> None:
        if self.closed:
            return
        self.send(self.codec.ping)
        loop = asyncio.get_running_loop()
        if self.transport.bidirectional and self._pong_deadline is None:
            self._pong_deadline = loop.call_later(
                self.node.config.pong_timeout, self.disconnect, codes.NO_PONG, "no pong")
        self._ping_timer = loop.call_later(self.node.config.ping_interval, self._ping)

    def on_pong(self) -> None:
        """A pong (an empty command) answers the ping sent last; one unasked for is a bad
        request."""
        if self._pong_deadline is None:
            raise Disconnected(codes.BAD_REQUEST, "bad request")
        self._pong_deadline.cancel()
        self._pong_deadline = None

    def set_expiry(self, expires_at: float | None) -> None:
        """Close with "connection expired" unless refreshed before `expires_at` + grace."""
        if self._expire_timer is not None:
            self._expire_timer.cancel()
            self._expire_timer = None
        self.expires_at = expires_at
        if expires_at is not None:
            delay = max(0.0, expires_at - time.time()) + self.node.config.expired_grace
            self._expire_timer = asyncio.get_running_loop().call_later(
                delay, self.disconnect, codes.EXPIRED, "connection expired")

    # ---- closing ----------------------------------------------------------------------------

    def disconnect(self, code: int, reason: str) -> None:
        """Close with a Centrifuge disconnect code; cleanup runs in `on_closed`."""
        if self.closed:
            return
        self.closed = True
        self.transport.close(code, reason)
        asyncio.get_running_loop().create_task(self.on_closed())

    async def on_closed(self) -> None:
        """The transport ended: cancel timers, leave channels and the session registry
        (safe to call more than once)."""
        self.closed = True
        for timer in (self._ping_timer, self._pong_deadline, self._stale_timer,
                      self._expire_timer):
            if timer is not None:
                timer.cancel()
        self._ping_timer = self._pong_deadline = self._stale_timer = self._expire_timer = None
        await self.node.remove_client(self)
