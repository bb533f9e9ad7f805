"""Which broker serves (CHORUS_BROKER): the in-process MemoryBroker, or RedisBroker for several
processes on one Redis."""

from __future__ import annotations

from hub.realtime.broker import Broker, PresenceStore
from hub.realtime.broker_memory import MemoryBroker, MemoryPresence

__all__ = ["open_broker"]


def open_broker(url: str, redis_prefix: str) -> tuple[Broker, PresenceStore]:
    """A broker and presence store for `url` ("" or "memory"; redis://, rediss:// or
    unix:// for Redis, its keys and channels under `redis_prefix`); not yet started.

    Raises:
        ValueError: a URL of another kind, or an empty Redis prefix.
    """
    if url in ("", "memory"):
        return MemoryBroker(), MemoryPresence()
    if url.startswith(("redis://", "rediss://", "unix://")):
        if not redis_prefix:
            raise ValueError("CHORUS_REDIS_PREFIX may not be empty")
        from hub.realtime.broker_redis import redis_broker

        return redis_broker(url, redis_prefix)
    raise ValueError(f"unsupported broker URL {url!r}: use memory or redis://host:port/db")
