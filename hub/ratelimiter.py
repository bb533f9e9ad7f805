"""Token buckets keyed by client: the arithmetic of rate limits, apart from HTTP."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["Bucket", "RateLimiter", "client_key"]


class Bucket:
    """`capacity` tokens refilled evenly over `window` seconds."""

    __slots__ = ("capacity", "rate", "tokens", "stamp")

    def __init__(self, capacity: int, window: float, now: float) -> None:
        self.capacity = capacity
        self.rate = capacity / window
        self.tokens = float(capacity)
        self.stamp = now

    def take(self, now: float) -> float:
        """Take one token; 0 when allowed, else the seconds until one is available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimiter:
    def __init__(self, capacity: int, window: float, max_keys: int = 100_000) -> None:
        self.capacity = capacity
        self.window = window
        self.max_keys = max_keys
        self.buckets: dict[tuple[str, ...], Bucket] = {}

    def check(self, key: tuple[str, ...], capacity: int, window: float,
              now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self.max_keys:
                self._evict(now)
            bucket = self.buckets[key] = Bucket(capacity, window, now)
        return bucket.take(now)

    def _evict(self, now: float) -> None:
        """Drop buckets that are full again (their clients have been quiet for a window)."""
        for key in [k for k, b in self.buckets.items()
                    if b.tokens + (now - b.stamp) * b.rate >= b.capacity]:
            del self.buckets[key]


def client_key(request: web.BaseRequest) -> str:
    """Whose buckets a request draws from: its peer address."""
    return request.remote or "unknown"
