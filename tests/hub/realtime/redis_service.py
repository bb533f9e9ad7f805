"""The Redis the broker tests share (127.0.0.1:6379, or CHORUS_TEST_REDIS_URL): reachable or
the tests skip saying so, except under CI=true where an unreachable Redis fails them. Every
test run writes under its own random prefix and deletes its keys at the end."""

from __future__ import annotations

import os
import socket
import uuid
from urllib.parse import urlparse

import pytest
import redis

__all__ = ["REDIS_URL", "RUN_PREFIX", "require_redis", "drop_run_keys"]

REDIS_URL = os.environ.get("CHORUS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_PREFIX = f"chorus-test-{uuid.uuid4().hex[:12]}:"


def _unreachable() -> str:
    """Why Redis cannot be used, or "" when it answers PING."""
    parsed = urlparse(REDIS_URL)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379),
                                      timeout=1.0):
            pass
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=2.0)
        try:
            client.ping()
        finally:
            client.close()
    except (OSError, redis.RedisError) as exc:
        return f"Redis at {REDIS_URL} is unreachable ({exc})"
    return ""


def require_redis() -> str:
    """The URL of the test Redis; skips the test when it is unreachable (fails under CI)."""
    reason = _unreachable()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI=true requires it")
        pytest.skip(reason)
    return REDIS_URL


def drop_run_keys() -> None:
    """Delete every key this test run wrote."""
    if _unreachable():
        return
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{RUN_PREFIX}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
