"""RedisBroker and RedisPresence: channels, history and presence shared by every Chorus process
on one Redis (see hub.realtime.broker; after centrifuge's redis engine).

Keys and pub/sub channels, all under the configured prefix P; `{channel}` is a Redis Cluster
hash tag, so every key of a channel lives in one slot:

- `P{channel}:meta`: hash of the stream's epoch `e` and top offset `s`; kept 30 days after
  the last use. Losing it (expiry, flush, a Redis without persistence restarted) is losing
  the history, so the next epoch is drawn and the stream deleted with it.
- `P{channel}:stream`: a Redis stream whose entry ids are `0-<offset>`, trimmed to the
  history size on every publish (exact MAXLEN) and expiring `ttl` seconds after the last
  publish; each entry keeps the publish time, so entries older than `ttl` are not served.
- `P{channel}:pub`: the pub/sub channel. Sharded pub/sub (SPUBLISH/SSUBSCRIBE) where the
  server has it (Redis >= 7), plain PUBLISH/SUBSCRIBE before. A publication with history is
  added and published inside one script, so every process sees one channel's publications
  in offset order.
- `P{channel}:presence` and `P{channel}:presence.exp`: hash of client id -> ClientInfo and a
  sorted set of client id -> expiry time; expired members are dropped when read.
- `Pcontrol`: the control channel every process listens to (hub.realtime.control).

Pub/sub messages: `p<offset> <Publication JSON>`, `j<ClientInfo JSON>`, `l<ClientInfo JSON>`,
or the control bytes as sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import string
import time
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from hub.realtime.broker import (
    BrokerEventHandler,
    HistoryFilter,
    HistoryOptions,
    UnrecoverablePosition,
)
from hub.realtime.protocol import ClientInfo, Publication, StreamPosition

__all__ = ["RedisBroker", "RedisPresence", "redis_broker", "DEFAULT_PREFIX"]

log = logging.getLogger("chorus.realtime.redis")

DEFAULT_PREFIX = "chorus:"
META_TTL = 30 * 86400
SUBSCRIBE_TIMEOUT = 10.0
RECONNECT_DELAYS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
POOL_SIZE = 32  # connections per process for commands (pub/sub has its own)
POOL_TIMEOUT = 10.0  # seconds a command waits for a free connection

Clock = Callable[[], float]

# KEYS: meta, stream. ARGV: payload, time, size, ttl, meta ttl, new epoch, pub/sub channel,
# publish command. Returns {offset, epoch}.
_PUBLISH = """
local epoch = redis.call("hget", KEYS[1], "e")
if not epoch then
  epoch = ARGV[6]
  redis.call("del", KEYS[2])
  redis.call("hset", KEYS[1], "e", epoch, "s", 0)
end
local top = redis.call("hincrby", KEYS[1], "s", 1)
redis.call("expire", KEYS[1], ARGV[5])
redis.call("xadd", KEYS[2], "MAXLEN", ARGV[3], "0-" .. top, "d", ARGV[1], "t", ARGV[2])
redis.call("expire", KEYS[2], ARGV[4])
redis.call(ARGV[8], ARGV[7], "p" .. top .. " " .. ARGV[1])
return {top, epoch}
"""

# KEYS: meta, stream. ARGV: new epoch, meta ttl, "1" to read entries, since offset or "",
# "1" for newest first. Returns {top, epoch, entries}.
_HISTORY = """
local epoch = redis.call("hget", KEYS[1], "e")
if not epoch then
  epoch = ARGV[1]
  redis.call("del", KEYS[2])
  redis.call("hset", KEYS[1], "e", epoch, "s", 0)
end
redis.call("expire", KEYS[1], ARGV[2])
local top = redis.call("hget", KEYS[1], "s")
local entries = {}
if ARGV[3] == "1" then
  local bound = "-"
  if ARGV[5] == "1" then bound = "+" end
  if ARGV[4] ~= "" then bound = "(0-" .. ARGV[4] end
  if ARGV[5] == "1" then
    entries = redis.call("xrevrange", KEYS[2], bound, "-")
  else
    entries = redis.call("xrange", KEYS[2], bound, "+")
  end
end
return {top, epoch, entries}
"""

# KEYS: hash, expiries. ARGV: expires at, client id, info JSON, key ttl (whole seconds).
_PRESENCE_ADD = """
redis.call("zadd", KEYS[2], ARGV[1], ARGV[2])
redis.call("hset", KEYS[1], ARGV[2], ARGV[3])
local ttl = tonumber(ARGV[4])
if redis.call("ttl", KEYS[1]) < ttl then redis.call("expire", KEYS[1], ttl) end
if redis.call("ttl", KEYS[2]) < ttl then redis.call("expire", KEYS[2], ttl) end
return 1
"""

# KEYS: hash, expiries. ARGV: now. Returns the hash's fields and values, expired ones dropped.
_PRESENCE_GET = """
local expired = redis.call("zrangebyscore", KEYS[2], "-inf", "(" .. ARGV[1])
if #expired > 0 then
  redis.call("zremrangebyscore", KEYS[2], "-inf", "(" .. ARGV[1])
  redis.call("hdel", KEYS[1], unpack(expired))
end
return redis.call("hgetall", KEYS[1])
"""


def _new_epoch() -> str:
    return "".join(random.choices(string.ascii_letters, k=8))


def _key(prefix: str, channel: str, part: str) -> str:
    return f"{prefix}{{{channel}}}:{part}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def _server_has_sharded_pubsub(client: aioredis.Redis) -> bool:
    info = await client.info("server")
    major = str(info.get("redis_version", "0")).split(".")[0]
    return major.isdigit() and int(major) >= 7


class RedisBroker:
    """A Broker on Redis; `prefix` keeps installs (or test runs) sharing one Redis apart."""

    def __init__(self, client: aioredis.Redis, prefix: str = DEFAULT_PREFIX,
                 clock: Clock = time.time, sharded: bool | None = None) -> None:
        self._redis = client
        self._prefix = prefix
        self._clock = clock
        self._sharded = sharded
        self._handler: BrokerEventHandler | None = None
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._names: dict[bytes, str] = {}  # pub/sub channel -> Chorus channel
        self._confirm: dict[bytes, asyncio.Future[None]] = {}
        self._control = f"{prefix}control".encode()
        self._publish_script = client.register_script(_PUBLISH)
        self._history_script = client.register_script(_HISTORY)

    @property
    def sharded(self) -> bool:
        """Whether pub/sub is sharded (known once started)."""
        return bool(self._sharded)

    def register_handler(self, handler: BrokerEventHandler) -> None:
        self._handler = handler

    # ---- pub/sub ------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._reader is not None:
            return
        if self._sharded is None:
            self._sharded = await _server_has_sharded_pubsub(self._redis)
        self._pubsub = self._redis.pubsub()
        name, send = self._send_subscribe(self._control)
        await send  # before the reader starts: it needs the connection this opens
        self._reader = asyncio.get_running_loop().create_task(self._read())
        await self._confirmed(name)

    def _pub_name(self, channel: str) -> bytes:
        return _key(self._prefix, channel, "pub").encode()

    def _send_subscribe(self, name: bytes) -> tuple[bytes, Any]:
        """Ask Redis to subscribe to `name`: (name, the send to await)."""
        assert self._pubsub is not None, "RedisBroker.start() was not awaited"
        self._confirm.setdefault(name, asyncio.get_running_loop().create_future())
        send = self._pubsub.ssubscribe(name) if self._sharded else self._pubsub.subscribe(name)
        return name, send

    async def _confirmed(self, name: bytes) -> None:
        """Wait until the reader saw Redis confirm the subscription to `name`."""
        confirmed = self._confirm[name]
        try:
            await asyncio.wait_for(asyncio.shield(confirmed), SUBSCRIBE_TIMEOUT)
        finally:
            if self._confirm.get(name) is confirmed and confirmed.done():
                del self._confirm[name]

    async def _listen(self, name: bytes) -> None:
        name, send = self._send_subscribe(name)
        await send
        await self._confirmed(name)

    async def subscribe(self, channel: str) -> None:
        name = self._pub_name(channel)
        self._names[name] = channel
        await self._listen(name)

    async def unsubscribe(self, channel: str) -> None:
        name = self._pub_name(channel)
        self._names.pop(name, None)
        if self._pubsub is None:
            return
        if self._sharded:
            await self._pubsub.sunsubscribe(name)
        else:
            await self._pubsub.unsubscribe(name)

    async def _read(self) -> None:
        """Deliver what arrives on the subscribed channels; reconnect with backoff (redis-py
        subscribes again on reconnect)."""
        assert self._pubsub is not None
        failures = 0
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
                failures = 0
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError, RuntimeError) as exc:
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                log.warning("redis pub/sub read failed (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            if message is not None:
                try:
                    self._dispatch(message)
                except Exception:  # one bad message must not stop delivery
                    log.exception("could not deliver a redis pub/sub message")

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind, name = message["type"], message["channel"]
        if kind in ("subscribe", "ssubscribe"):
            confirmed = self._confirm.get(name)
            if confirmed is not None and not confirmed.done():
                confirmed.set_result(None)
            return
        if kind not in ("message", "smessage") or self._handler is None:
            return
        data: bytes = message["data"]
        if name == self._control:
            self._handler.on_control(data)
            return
        channel = self._names.get(name)
        if channel is None:
            return
        tag = data[:1]
        if tag == b"p":
            space = data.index(b" ")
            pub = msgspec.json.decode(data[space + 1:], type=Publication)
            pub.offset = int(data[1:space])
            self._handler.on_publication(channel, pub)
        elif tag == b"j":
            self._handler.on_join(channel, msgspec.json.decode(data[1:], type=ClientInfo))
        elif tag == b"l":
            self._handler.on_leave(channel, msgspec.json.decode(data[1:], type=ClientInfo))

    # ---- publishing ---------------------------------------------------------------------------

    @property
    def _publish_command(self) -> str:
        return "spublish" if self._sharded else "publish"

    async def _publish_on(self, target: Any, channel: str, payload: bytes,
                          history: HistoryOptions) -> Any:
        """Send one publication (`target` a client: its reply) or queue it (a pipeline)."""
        name = self._pub_name(channel)
        if not history.enabled:
            return await target.execute_command(self._publish_command.upper(), name,
                                                b"p0 " + payload)
        keys = [_key(self._prefix, channel, "meta"), _key(self._prefix, channel, "stream")]
        args: list[bytes | str | int] = [
            payload, repr(self._clock()), history.size, max(1, math.ceil(history.ttl)),
            META_TTL, _new_epoch(), name, self._publish_command]
        return await self._publish_script(keys=keys, args=args, client=target)

    @staticmethod
    def _position(reply: Any, history: HistoryOptions) -> StreamPosition:
        if not history.enabled:
            return StreamPosition()
        return StreamPosition(offset=int(reply[0]), epoch=_text(reply[1]))

    async def publish(self, channel: str, data: bytes, *, info: ClientInfo | None = None,
                      history: HistoryOptions = HistoryOptions(),
                      tags: dict[str, str] | None = None) -> StreamPosition:
        payload = msgspec.json.encode(Publication(data=msgspec.Raw(data), info=info,
                                                  tags=tags or None))
        reply = await self._publish_on(self._redis, channel, payload, history)
        return self._position(reply, history)

    async def publish_many(self, channels: Sequence[str], data: bytes, *,
                           history: HistoryOptions = HistoryOptions()) -> list[StreamPosition]:
        if not channels:
            return []
        payload = msgspec.json.encode(Publication(data=msgspec.Raw(data)))
        async with self._redis.pipeline(transaction=False) as pipe:
            for channel in channels:
                await self._publish_on(pipe, channel, payload, history)
            replies = await pipe.execute()
        return [self._position(reply, history) for reply in replies]

    async def publish_control(self, data: bytes) -> None:
        await self._redis.execute_command(self._publish_command.upper(), self._control, data)

    async def _publish_event(self, channel: str, tag: bytes, info: ClientInfo) -> None:
        await self._redis.execute_command(self._publish_command.upper(), self._pub_name(channel),
                                          tag + msgspec.json.encode(info))

    async def publish_join(self, channel: str, info: ClientInfo) -> None:
        await self._publish_event(channel, b"j", info)

    async def publish_leave(self, channel: str, info: ClientInfo) -> None:
        await self._publish_event(channel, b"l", info)

    # ---- history ------------------------------------------------------------------------------

    async def history(self, channel: str, flt: HistoryFilter,
                      history: HistoryOptions = HistoryOptions()
                      ) -> tuple[list[Publication], StreamPosition]:
        since = "" if flt.since is None else str(max(0, flt.since.offset))
        keys = [_key(self._prefix, channel, "meta"), _key(self._prefix, channel, "stream")]
        args: list[str | int] = [_new_epoch(), META_TTL, "0" if flt.limit == 0 else "1",
                                 since, "1" if flt.reverse else "0"]
        top, epoch, entries = await self._history_script(keys=keys, args=args)
        position = StreamPosition(offset=int(top or 0), epoch=_text(epoch))
        if flt.since is not None and flt.since.epoch and flt.since.epoch != position.epoch:
            raise UnrecoverablePosition(channel)
        cutoff = self._clock() - history.ttl if history.enabled else None
        pubs = []
        for entry_id, fields in entries:
            values = dict(zip(fields[::2], fields[1::2], strict=True))
            if cutoff is not None and float(values[b"t"]) < cutoff:
                continue
            pub = msgspec.json.decode(values[b"d"], type=Publication)
            pub.offset = int(_text(entry_id).split("-")[1])
            pubs.append(pub)
        if flt.limit > 0:
            pubs = pubs[:flt.limit]
        return pubs, position

    async def remove_history(self, channel: str) -> None:
        await self._redis.delete(_key(self._prefix, channel, "stream"))

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.aclose()
            self._pubsub = None
        await self._redis.aclose()


class RedisPresence:
    """A PresenceStore on Redis: each process refreshes its own clients (Node.refresh_presence);
    a process that dies stops refreshing, and its clients vanish when their entries expire."""

    shared = True

    def __init__(self, client: aioredis.Redis, prefix: str = DEFAULT_PREFIX,
                 clock: Clock = time.time) -> None:
        self._redis = client
        self._prefix = prefix
        self._clock = clock
        self._add = client.register_script(_PRESENCE_ADD)
        self._get = client.register_script(_PRESENCE_GET)

    def _keys(self, channel: str) -> list[str]:
        return [_key(self._prefix, channel, "presence"),
                _key(self._prefix, channel, "presence.exp")]

    async def add_presence(self, channel: str, client_id: str, info: ClientInfo,
                           ttl: float) -> None:
        args: list[bytes | str | int] = [
            repr(self._clock() + ttl), client_id, msgspec.json.encode(info),
            max(1, math.ceil(ttl))]
        await self._add(keys=self._keys(channel), args=args)

    async def remove_presence(self, channel: str, client_id: str) -> None:
        hash_key, expiries = self._keys(channel)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hdel(hash_key, client_id)
            pipe.zrem(expiries, client_id)
            await pipe.execute()

    async def presence(self, channel: str) -> dict[str, ClientInfo]:
        flat = await self._get(keys=self._keys(channel), args=[repr(self._clock())])
        return {_text(client_id): msgspec.json.decode(info, type=ClientInfo)
                for client_id, info in zip(flat[::2], flat[1::2], strict=True)}

    async def presence_stats(self, channel: str) -> tuple[int, int]:
        entries = await self.presence(channel)
        return len(entries), len({info.user for info in entries.values()})


def redis_broker(url: str, prefix: str = DEFAULT_PREFIX, clock: Clock = time.time,
                 sharded: bool | None = None) -> tuple[RedisBroker, RedisPresence]:
    """A broker and a presence store on one connection pool to the Redis at `url`
    (redis://[user:password@]host:port/db, rediss:// for TLS); commands wait for one of
    POOL_SIZE connections rather than opening one per concurrent request."""
    pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=POOL_SIZE,
                                                    timeout=POOL_TIMEOUT)
    client = aioredis.Redis.from_pool(pool)  # closing the client closes the pool
    return (RedisBroker(client, prefix, clock, sharded), RedisPresence(client, prefix, clock))
