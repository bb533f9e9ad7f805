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
    # Deadlines are loop times, 0.0 when unset, kept by the node's one TimerWheel (`_wake`:
    # the tick this client is due at there) rather than a TimerHandle each.
    __slots__ = ("id", "node", "transport", "identity", "info", "channels", "connected",
                 "closed", "unusable", "expires_at", "_ping_due", "_pong_due", "_stale_due",
                 "_wake", "_tokens", "_stamp", "cookie_identity", "codec")

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
        self._ping_due = self._pong_due = self._wake = 0.0
        self._stale_due = asyncio.get_running_loop().time() + node.config.stale_delay
        self._tokens = float(node.config.commands_per_second)
        self._stamp = time.monotonic()
        node.pending.add(self)
        self._rearm()

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
        self._stale_due = 0.0
        interval = self.node.config.ping_interval
        if interval > 0:
            self._ping_due = asyncio.get_running_loop().time() + interval
        self._rearm()

    def on_timer(self, now: float) -> None:
        """A tick of the node's TimerWheel: close or ping if a deadline passed, then ask for
        the next one."""
        if now >= self._wake:
            self._wake = 0.0  # the tick this client was due at
        if self.closed:
            return
        config = self.node.config
        if self._stale_due and now >= self._stale_due:
            self.disconnect(codes.STALE, "stale")
        elif self._pong_due and now >= self._pong_due:
            self.disconnect(codes.NO_PONG, "no pong")
        elif self.expires_at is not None and \
                time.time() >= self.expires_at + config.expired_grace:
            self.disconnect(codes.EXPIRED, "connection expired")
        elif self._ping_due and now >= self._ping_due:
            self._ping(now)
        else:
            self._rearm()

    def _ping(self, now: float | None = None) -> None:
        """Send a ping, wait for its pong (bidirectional transports), schedule the next."""
        if now is None:
            now = asyncio.get_running_loop().time()
        self.send(self.codec.ping)
        config = self.node.config
        if self.transport.bidirectional and not self._pong_due:
            self._pong_due = now + config.pong_timeout
        self._ping_due = now + config.ping_interval
        self._rearm()

    def _rearm(self) -> None:
        """Be on the wheel at the earliest deadline (if not already at or before it)."""
        due = min((d for d in (self._stale_due, self._ping_due, self._pong_due) if d),
                  default=0.0)
        if self.expires_at is not None:
            expiry = asyncio.get_running_loop().time() + self.node.config.expired_grace + \
                max(0.0, self.expires_at - time.time())
            due = min(due, expiry) if due else expiry
        if due and (not self._wake or due < self._wake):
            self._wake = self.node.timers.schedule(due, self)

    @property
    def awaiting_pong(self) -> bool:
        """A ping was sent and its pong has not come yet."""
        return bool(self._pong_due)

    def on_pong(self) -> None:
        """A pong (an empty command) answers the ping sent last; one unasked for is a bad
        request."""
        if not self._pong_due:
            raise Disconnected(codes.BAD_REQUEST, "bad request")
        self._pong_due = 0.0

    def set_expiry(self, expires_at: float | None) -> None:
        """Close with "connection expired" unless refreshed before `expires_at` + grace."""
        self.expires_at = expires_at
        self._rearm()

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
        if self._wake:
            self.node.timers.cancel(self._wake, self)
            self._wake = 0.0
        await self.node.remove_client(self)
