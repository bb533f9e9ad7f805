"""Waiting in tests without timing them: one bound on every wait, and one poll-until helper."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

__all__ = ["TIMEOUT", "until"]

T = TypeVar("T")

# An upper bound for any single wait (Node start-up included), so a broken test fails instead
# of hanging; no test depends on how long anything takes.
TIMEOUT = 10.0

POLL_INTERVAL = 0.01


async def until(check: Callable[[], T | Awaitable[T]], *, failure: Any = None) -> T:
    """Poll `check()` (plain or async) until it returns something truthy, and return that;
    fail the test if that has not happened within TIMEOUT seconds. `failure` is the assertion
    message, or a callable giving it (e.g. the last state seen)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result  # type: ignore[return-value]
        if loop.time() >= deadline:
            message = failure() if callable(failure) else failure
            raise AssertionError(message or "condition not reached in time")
        await asyncio.sleep(POLL_INTERVAL)
