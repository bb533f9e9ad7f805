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
import math
import random
import string
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from hub.realtime.broker import (
    BrokerEventHandler,
    BrokerUnavailable,
    HistoryFilter,
    HistoryOptions,
    NodeInfo,
    UnrecoverablePosition,
)
from hub.realtime.protocol import ClientInfo, Publication, StreamPosition
from hub.realtime.redis_pubsub import RedisSubscriber

__all__ = ["RedisBroker", "RedisPresence", "redis_broker", "DEFAULT_PREFIX"]

DEFAULT_PREFIX = "chorus:"
META_TTL = 30 * 86400
POOL_SIZE = 32  # connections per process for commands (pub/sub has its own)
POOL_TIMEOUT = 10.0  # seconds a command waits for a free connection
SOCKET_TIMEOUT = 5.0  # seconds a command waits for Redis's answer: a cut-off Redis fails it
CONNECT_TIMEOUT = 2.0
PING_TIMEOUT = 2.0

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

# Drops the expired members of a hash + expiries pair; NOW names the argument with the time.
_DROP_EXPIRED = """
local expired = redis.call("zrangebyscore", KEYS[2], "-inf", "(" .. NOW)
if #expired > 0 then
  redis.call("zremrangebyscore", KEYS[2], "-inf", "(" .. NOW)
  redis.call("hdel", KEYS[1], unpack(expired))
end
"""

# KEYS: hash, expiries. ARGV: now. Returns the hash's fields and values, expired ones dropped.
_PRESENCE_GET = _DROP_EXPIRED.replace("NOW", "ARGV[1]") + """
return redis.call("hgetall", KEYS[1])
"""

# KEYS: hash, expiries. ARGV: as _PRESENCE_ADD, then now and the limit. Returns 1 when the
# client was added (or was there already), 0 when the hash holds `limit` live members.
_PRESENCE_ADMIT = _DROP_EXPIRED.replace("NOW", "ARGV[5]") + """
if not redis.call("zscore", KEYS[2], ARGV[2])
   and redis.call("zcard", KEYS[2]) >= tonumber(ARGV[6]) then
  return 0
end
""" + _PRESENCE_ADD

@contextlib.contextmanager
def _reachable() -> Iterator[None]:
    """Redis out of reach (refused, cut off, timed out) becomes BrokerUnavailable."""
    try:
        yield
    except (TimeoutError, RedisConnectionError, RedisTimeoutError, OSError) as exc:
        raise BrokerUnavailable(str(exc) or type(exc).__name__) from exc


async def _remove_member(client: aioredis.Redis, keys: list[str], member: str) -> None:
    """Take `member` out of a hash + expiries pair (presence, nodes)."""
    hash_key, expiries = keys
    with _reachable():
        async with client.pipeline(transaction=True) as pipe:
            pipe.hdel(hash_key, member)
            pipe.zrem(expiries, member)
            await pipe.execute()


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
                 clock: Clock = time.time, sharded: bool | None = None,
                 pubsub_client: aioredis.Redis | None = None) -> None:
        """`pubsub_client` (default `client`) holds the pub/sub connection; it should not
        retry by itself, so that a lost connection is seen and every channel subscribed
        again (redis_broker makes one so)."""
        self._redis = client
        self._pubsub_client = pubsub_client or client
        self._prefix = prefix
        self._clock = clock
        self._sharded = sharded
        self._handler: BrokerEventHandler | None = None
        self._subscriber: RedisSubscriber | None = None
        self._names: dict[bytes, str] = {}  # pub/sub channel -> Chorus channel
        self._control = f"{prefix}control".encode()
        self._nodes = [f"{prefix}nodes", f"{prefix}nodes.exp"]
        self._publish_script = client.register_script(_PUBLISH)
        self._history_script = client.register_script(_HISTORY)
        self._node_add = client.register_script(_PRESENCE_ADD)
        self._node_get = client.register_script(_PRESENCE_GET)

    @property
    def connected(self) -> bool:
        """Whether the pub/sub connection is up (every channel of this process subscribed)."""
        return self._subscriber is not None and self._subscriber.up

    @property
    def sharded(self) -> bool:
        """Whether pub/sub is sharded (known once Redis answered)."""
        return bool(self._sharded)

    def register_handler(self, handler: BrokerEventHandler) -> None:
        self._handler = handler

    # ---- pub/sub ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect, or while Redis cannot be reached keep trying in the background (not
        ready meanwhile: `ping` fails)."""
        if self._subscriber is not None:
            return
        self._subscriber = RedisSubscriber(self._pubsub_client, self._is_sharded,
                                           self._dispatch, self._reconnected)
        await self._subscriber.start(self._control)

    async def ping(self) -> None:
        if not self.connected:
            raise BrokerUnavailable("the pub/sub connection is down")
        with _reachable():
            await asyncio.wait_for(self._redis.ping(), PING_TIMEOUT)

    def _pub_name(self, channel: str) -> bytes:
        return _key(self._prefix, channel, "pub").encode()

    def _started(self) -> RedisSubscriber:
        assert self._subscriber is not None, "RedisBroker.start() was not awaited"
        return self._subscriber

    async def subscribe(self, channel: str) -> None:
        name = self._pub_name(channel)
        self._names[name] = channel
        await self._started().subscribe(name)

    async def unsubscribe(self, channel: str) -> None:
        name = self._pub_name(channel)
        self._names.pop(name, None)
        if self._subscriber is not None:
            await self._subscriber.unsubscribe(name)

    def _reconnected(self) -> None:
        if self._handler is not None:
            self._handler.on_reconnect()

    def _dispatch(self, name: bytes, data: bytes) -> None:
        if self._handler is None:
            return
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

    async def _is_sharded(self) -> bool:
        """Whether pub/sub is sharded, asked of Redis the first time it answers."""
        if self._sharded is None:
            self._sharded = await _server_has_sharded_pubsub(self._redis)
        return self._sharded

    async def _publish_command(self) -> str:
        return "spublish" if await self._is_sharded() else "publish"

    async def _publish_on(self, target: Any, command: str, channel: str, payload: bytes,
                          history: HistoryOptions) -> Any:
        """Send one publication (`target` a client: its reply) or queue it (a pipeline)."""
        name = self._pub_name(channel)
        if not history.enabled:
            return await target.execute_command(command.upper(), name, b"p0 " + payload)
        keys = [_key(self._prefix, channel, "meta"), _key(self._prefix, channel, "stream")]
        args: list[bytes | str | int] = [
            payload, repr(self._clock()), history.size, max(1, math.ceil(history.ttl)),
            META_TTL, _new_epoch(), name, command]
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
        with _reachable():
            reply = await self._publish_on(self._redis, await self._publish_command(), channel,
                                           payload, history)
        return self._position(reply, history)

    async def publish_many(self, channels: Sequence[str], data: bytes, *,
                           history: HistoryOptions = HistoryOptions()) -> list[StreamPosition]:
        if not channels:
            return []
        payload = msgspec.json.encode(Publication(data=msgspec.Raw(data)))
        with _reachable():
            command = await self._publish_command()
            async with self._redis.pipeline(transaction=False) as pipe:
                for channel in channels:
                    await self._publish_on(pipe, command, channel, payload, history)
                replies = await pipe.execute()
        return [self._position(reply, history) for reply in replies]

    async def _publish_raw(self, name: bytes, data: bytes) -> None:
        with _reachable():
            await self._redis.execute_command((await self._publish_command()).upper(), name, data)

    async def publish_control(self, data: bytes) -> None:
        await self._publish_raw(self._control, data)

    async def publish_join(self, channel: str, info: ClientInfo) -> None:
        await self._publish_raw(self._pub_name(channel), b"j" + msgspec.json.encode(info))

    async def publish_leave(self, channel: str, info: ClientInfo) -> None:
        await self._publish_raw(self._pub_name(channel), b"l" + msgspec.json.encode(info))

    # ---- history ------------------------------------------------------------------------------

    async def history(self, channel: str, flt: HistoryFilter,
                      history: HistoryOptions = HistoryOptions()
                      ) -> tuple[list[Publication], StreamPosition]:
        since = "" if flt.since is None else str(max(0, flt.since.offset))
        keys = [_key(self._prefix, channel, "meta"), _key(self._prefix, channel, "stream")]
        args: list[str | int] = [_new_epoch(), META_TTL, "0" if flt.limit == 0 else "1",
                                 since, "1" if flt.reverse else "0"]
        with _reachable():
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
        with _reachable():
            await self._redis.delete(_key(self._prefix, channel, "stream"))

    # ---- nodes --------------------------------------------------------------------------------

    async def update_node(self, info: NodeInfo, ttl: float) -> None:
        """Kept like presence: `P nodes` (uid -> NodeInfo) and `P nodes.exp` (uid -> expiry)."""
        args: list[bytes | str | int] = [repr(self._clock() + ttl), info.uid,
                                         msgspec.json.encode(info), max(1, math.ceil(ttl))]
        with _reachable():
            await self._node_add(keys=self._nodes, args=args)

    async def nodes(self) -> list[NodeInfo]:
        with _reachable():
            flat = await self._node_get(keys=self._nodes, args=[repr(self._clock())])
        return [msgspec.json.decode(info, type=NodeInfo) for info in flat[1::2]]

    async def remove_node(self, uid: str) -> None:
        await _remove_member(self._redis, self._nodes, uid)

    async def close(self) -> None:
        if self._subscriber is not None:
            await self._subscriber.close()
            self._subscriber = None
        if self._pubsub_client is not self._redis:
            await self._pubsub_client.aclose()
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
        self._admit = client.register_script(_PRESENCE_ADMIT)

    def _keys(self, channel: str) -> list[str]:
        return [_key(self._prefix, channel, "presence"),
                _key(self._prefix, channel, "presence.exp")]

    def _add_args(self, client_id: str, info: ClientInfo, ttl: float) -> list[bytes | str | int]:
        return [repr(self._clock() + ttl), client_id, msgspec.json.encode(info),
                max(1, math.ceil(ttl))]

    async def add_presence(self, channel: str, client_id: str, info: ClientInfo,
                           ttl: float) -> None:
        with _reachable():
            await self._add(keys=self._keys(channel), args=self._add_args(client_id, info, ttl))

    async def admit(self, channel: str, client_id: str, info: ClientInfo, ttl: float,
                    limit: int) -> bool:
        args = [*self._add_args(client_id, info, ttl), repr(self._clock()), limit]
        with _reachable():
            return bool(await self._admit(keys=self._keys(channel), args=args))

    async def remove_presence(self, channel: str, client_id: str) -> None:
        await _remove_member(self._redis, self._keys(channel), client_id)

    async def presence(self, channel: str) -> dict[str, ClientInfo]:
        with _reachable():
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
    POOL_SIZE connections rather than opening one per concurrent request, retry once after a
    lost connection, and fail (BrokerUnavailable) rather than wait when Redis is cut off. The
    pub/sub connection has a client of its own that never retries: RedisSubscriber
    reconnects it."""
    timeouts: dict[str, Any] = {"socket_timeout": SOCKET_TIMEOUT,
                                "socket_connect_timeout": CONNECT_TIMEOUT,
                                "socket_keepalive": True}
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=POOL_SIZE, timeout=POOL_TIMEOUT,
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), 1), **timeouts)
    client = aioredis.Redis.from_pool(pool)  # closing the client closes the pool
    # (reads of messages wait READ_TIMEOUT; the timeout bounds the connection's handshake)
    pubsub_pool = aioredis.ConnectionPool.from_url(
        url, max_connections=2, retry=Retry(NoBackoff(), 0), **timeouts)
    pubsub_client = aioredis.Redis.from_pool(pubsub_pool)
    return (RedisBroker(client, prefix, clock, sharded, pubsub_client),
            RedisPresence(client, prefix, clock))
