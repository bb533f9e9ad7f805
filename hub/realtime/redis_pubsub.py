"""RedisSubscriber: the one pub/sub connection of a RedisBroker, kept up across Redis outages.

It remembers every pub/sub channel the process wants. When the connection fails it drops it,
opens a new one after a backoff delay (hub.realtime.backoff), subscribes every remembered
channel on it, and reports the reconnection. While it is down, subscribing only remembers the
channel (nothing can be published through Redis meanwhile by this process either), so callers
never wait for Redis to come back. A connection silent for HEALTH_INTERVAL is sent a PING;
one that stays silent as long again is taken for dead too (a partition closes nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from hub.realtime.backoff import backoff_delay

__all__ = ["RedisSubscriber", "SUBSCRIBE_TIMEOUT"]

log = logging.getLogger("chorus.realtime.redis")

SUBSCRIBE_TIMEOUT = 10.0
READ_TIMEOUT = 1.0  # seconds one read waits for a message (then reads again)
# after this many seconds without a message the connection is asked for a PING; without an
# answer for as long again it is taken for dead (a Redis cut off without closing it)
HEALTH_INTERVAL = 5.0


class _Silent(Exception):
    """Redis answered nothing, not even a PING, for 2 x HEALTH_INTERVAL."""


# (pub/sub channel, payload) of each message
MessageCallback = Callable[[bytes, bytes], None]
_FAILURES = (RedisError, OSError, RuntimeError, asyncio.TimeoutError, _Silent)


class RedisSubscriber:
    """`client` should not retry by itself (its failures are what starts a reconnection);
    `sharded` tells, once Redis answers, whether it has sharded pub/sub."""

    def __init__(self, client: aioredis.Redis, sharded: Callable[[], Awaitable[bool]],
                 on_message: MessageCallback, on_reconnect: Callable[[], None],
                 delay: Callable[[int], float] = backoff_delay) -> None:
        self._redis = client
        self._ask_sharded = sharded
        self._sharded = False
        self._on_message = on_message
        self._on_reconnect = on_reconnect
        self._delay = delay
        self._names: set[bytes] = set()
        self._confirm: dict[bytes, asyncio.Future[None]] = {}
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self.up = False  # connected, every remembered channel subscribed

    async def start(self, name: bytes) -> None:
        """Connect and subscribe `name` (the control channel); when Redis cannot be reached,
        return at once and keep trying in the background."""
        self._names.add(name)
        loop = asyncio.get_running_loop()
        try:
            await self._open()
        except _FAILURES as exc:
            self._reader = loop.create_task(self._read(lost=exc))
            return
        self._reader = loop.create_task(self._read())
        await self._confirmed(name)

    async def subscribe(self, name: bytes) -> None:
        """Receive `name`'s messages from when this returns (or from the reconnection)."""
        self._names.add(name)
        if not self.up:
            return  # subscribed when the connection is back
        loop = asyncio.get_running_loop()
        self._confirm.setdefault(name, loop.create_future())
        try:
            await self._send(name)
            await self._confirmed(name)
        except _FAILURES as exc:  # the reader sees the connection fail and subscribes it again
            log.warning("redis subscribe of %r failed (%s); it waits for the reconnection",
                        name, exc)

    async def unsubscribe(self, name: bytes) -> None:
        self._names.discard(name)
        if not self.up or self._pubsub is None:
            return
        with contextlib.suppress(*_FAILURES):  # a new connection will not subscribe it
            if self._sharded:
                await self._pubsub.sunsubscribe(name)
            else:
                await self._pubsub.unsubscribe(name)

    async def _send(self, name: bytes) -> None:
        assert self._pubsub is not None, "RedisSubscriber.start() was not awaited"
        if self._sharded:
            await self._pubsub.ssubscribe(name)
        else:
            await self._pubsub.subscribe(name)

    async def _confirmed(self, name: bytes) -> None:
        """Wait until the reader saw Redis confirm the subscription to `name`."""
        confirmed = self._confirm.setdefault(name, asyncio.get_running_loop().create_future())
        try:
            await asyncio.wait_for(asyncio.shield(confirmed), SUBSCRIBE_TIMEOUT)
        finally:
            if self._confirm.get(name) is confirmed and confirmed.done():
                del self._confirm[name]

    async def _open(self) -> None:
        """A new connection with every remembered channel subscribed (those remembered while
        this runs too); raises when Redis cannot be reached."""
        await self._drop()
        self._sharded = await self._ask_sharded()
        self._pubsub = self._redis.pubsub()
        sent: set[bytes] = set()
        while missing := self._names - sent:
            for name in missing:
                await self._send(name)
                sent.add(name)
        self.up = True

    async def _drop(self) -> None:
        """Close the connection; subscriptions waiting for a confirmation fail at once."""
        self.up = False
        for confirmed in self._confirm.values():
            if not confirmed.done():
                confirmed.set_exception(RedisConnectionError("pub/sub connection lost"))
                confirmed.exception()  # retrieved here: nobody may be waiting for it
        self._confirm.clear()
        if self._pubsub is not None:
            with contextlib.suppress(*_FAILURES):
                await self._pubsub.aclose()
            self._pubsub = None

    async def _reconnect(self, exc: BaseException) -> None:
        """Reopen the connection, waiting longer after each failure, until it is back."""
        await self._drop()
        attempt = 0
        while True:
            delay = self._delay(attempt)
            log.warning("redis pub/sub connection lost (%s); reconnecting in %.2f s", exc, delay)
            await asyncio.sleep(delay)
            try:
                await self._open()
            except _FAILURES as failure:
                exc = failure
                attempt += 1
                continue
            log.warning("redis pub/sub connection back after %d attempt(s)", attempt + 1)
            self._on_reconnect()
            return

    async def _read(self, lost: BaseException | None = None) -> None:
        """Deliver what arrives on the subscribed channels; reconnect when the connection
        fails (first, when it was `lost` before this started)."""
        if lost is not None:
            await self._reconnect(lost)
        clock = asyncio.get_running_loop().time
        heard = clock()
        while True:
            assert self._pubsub is not None
            try:
                message = await self._pubsub.get_message(timeout=READ_TIMEOUT)
                if message is None:
                    await self._check_health(clock() - heard)
            except asyncio.CancelledError:
                raise
            except _FAILURES as exc:
                await self._reconnect(exc)
                heard = clock()
                continue
            if message is not None:
                heard = clock()
                try:
                    self._dispatch(message)
                except Exception:  # one bad message must not stop delivery
                    log.exception("could not deliver a redis pub/sub message")

    async def _check_health(self, silence: float) -> None:
        """Ask for a PING (its pong is a message) once the connection has been silent for
        HEALTH_INTERVAL; raise _Silent when even that brought nothing."""
        assert self._pubsub is not None
        if silence >= 2 * HEALTH_INTERVAL:
            raise _Silent(f"no answer from Redis in {silence:.1f} s")
        if silence >= HEALTH_INTERVAL:
            await self._pubsub.ping()

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind, name = message["type"], message["channel"]
        if kind in ("subscribe", "ssubscribe"):
            confirmed = self._confirm.get(name)
            if confirmed is not None and not confirmed.done():
                confirmed.set_result(None)
        elif kind in ("message", "smessage"):
            self._on_message(name, message["data"])

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        await self._drop()
        self._names.clear()
