"""RedisLeases: leases shared by every Chorus process on one Redis (see hub.realtime.lease).

Keys, under the configured prefix P (`{...}` a Redis Cluster hash tag, so both keys of a
name live in one slot):

- `P{lease:<name>}:owner`: "<owner> <token>", set with SET NX PX (the lease's time to live
  in milliseconds), extended with PEXPIRE while its value is still the owner's, deleted on
  release only while it is;
- `P{lease:<name>}:token`: the name's last token, from INCR (raised to the caller's floor
  first when it is behind it, e.g. after a flush); kept TOKEN_TTL after the last acquisition.

Each step is one script, so a check and its write are atomic.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from hub.realtime.lease import Lease, LeasesUnavailable

__all__ = ["RedisLeases", "redis_leases", "TOKEN_TTL"]

TOKEN_TTL = 30 * 86400

# KEYS: owner, token. ARGV: owner, ttl ms, floor, token ttl. Returns the token, or 0 while
# the name is held.
_ACQUIRE = """
if redis.call("exists", KEYS[1]) == 1 then return 0 end
local token = redis.call("incr", KEYS[2])
local floor = tonumber(ARGV[3])
if token <= floor then
  token = floor + 1
  redis.call("set", KEYS[2], token)
end
redis.call("expire", KEYS[2], ARGV[4])
redis.call("set", KEYS[1], ARGV[1] .. " " .. token, "NX", "PX", ARGV[2])
return token
"""

# KEYS: owner. ARGV: "<owner> <token>", ttl ms. Returns 1 when renewed.
_RENEW = """
if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) end
return 0
"""

# KEYS: owner. ARGV: "<owner> <token>".
_RELEASE = """
if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end
return 0
"""


def _value(lease: Lease) -> str:
    return f"{lease.owner} {lease.token}"


@asynccontextmanager
async def _reached() -> AsyncIterator[None]:
    """Redis's failures as LeasesUnavailable."""
    try:
        yield
    except (RedisError, OSError) as exc:
        raise LeasesUnavailable(str(exc)) from exc


class RedisLeases:
    """Leases (hub.realtime.lease.Leases) on Redis; `prefix` keeps installs apart."""

    def __init__(self, client: aioredis.Redis, prefix: str, owner: str, ttl: float) -> None:
        self.owner, self.ttl = owner, ttl
        self._redis = client
        self._prefix = prefix
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    def _key(self, name: str, part: str) -> str:
        return f"{self._prefix}{{lease:{name}}}:{part}"

    @property
    def _ttl_ms(self) -> int:
        return max(1, math.ceil(self.ttl * 1000))

    async def acquire(self, name: str, floor: int = 0) -> Lease | None:
        async with _reached():
            token = int(await self._acquire(
                keys=[self._key(name, "owner"), self._key(name, "token")],
                args=[self.owner, self._ttl_ms, floor, TOKEN_TTL]))
        return Lease(name, self.owner, token) if token else None

    async def renew(self, lease: Lease) -> bool:
        if lease.owner != self.owner:
            return False
        async with _reached():
            return bool(await self._renew(keys=[self._key(lease.name, "owner")],
                                          args=[_value(lease), self._ttl_ms]))

    async def release(self, lease: Lease) -> None:
        if lease.owner != self.owner:
            return
        async with _reached():
            await self._release(keys=[self._key(lease.name, "owner")], args=[_value(lease)])

    async def holder(self, name: str) -> str | None:
        async with _reached():
            value = await self._redis.get(self._key(name, "owner"))
        if value is None:
            return None
        text = value.decode() if isinstance(value, bytes) else str(value)
        return text.rpartition(" ")[0]

    async def close(self) -> None:
        await self._redis.aclose()


def redis_leases(url: str, prefix: str, owner: str, ttl: float) -> RedisLeases:
    """Leases of `owner` on the Redis at `url`, on a small connection pool of their own."""
    return RedisLeases(aioredis.Redis.from_url(url), prefix, owner, ttl)
