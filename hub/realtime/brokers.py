"""Which broker serves (CHORUS_BROKER): the in-process MemoryBroker, or RedisBroker for several
processes on one Redis; and with it, where leases are kept (hub.realtime.lease)."""

from __future__ import annotations

import math

from hub.realtime.broker import Broker, PresenceStore
from hub.realtime.broker_memory import MemoryBroker, MemoryPresence
from hub.realtime.lease import Leases
from hub.realtime.lease_memory import MemoryLeases

__all__ = ["open_broker", "open_leases", "shares_state"]


def shares_state(url: str) -> bool:
    """Whether the broker at `url` is shared with other processes (a Redis)."""
    return url.startswith(("redis://", "rediss://", "unix://"))


def open_broker(url: str, redis_prefix: str) -> tuple[Broker, PresenceStore]:
    """A broker and presence store for `url` ("" or "memory"; redis://, rediss:// or
    unix:// for Redis, its keys and channels under `redis_prefix`); not yet started.

    Raises:
        ValueError: a URL of another kind, or an empty Redis prefix.
    """
    if url in ("", "memory"):
        return MemoryBroker(), MemoryPresence()
    if shares_state(url):
        if not redis_prefix:
            raise ValueError("CHORUS_REDIS_PREFIX may not be empty")
        from hub.realtime.broker_redis import redis_broker

        return redis_broker(url, redis_prefix)
    raise ValueError(f"unsupported broker URL {url!r}: use memory or redis://host:port/db")


def open_leases(url: str, redis_prefix: str, owner: str, ttl: float) -> Leases:
    """The leases of `owner` (this process's node id): on the same Redis (and prefix) as a
    Redis broker, lasting `ttl` seconds unless renewed; in memory for the in-process broker,
    lasting until released (the process is alone)."""
    if shares_state(url):
        from hub.realtime.lease_redis import redis_leases

        return redis_leases(url, redis_prefix, owner, ttl)
    return MemoryLeases(owner, math.inf)
