"""The service's own state for health checks and metrics: can it serve, how many accounts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from handlers.context import Context

__all__ = ["readiness", "user_count", "CHECK_TIMEOUT"]

log = logging.getLogger("chorus.health")

CHECK_TIMEOUT = 3.0  # seconds a part may take to answer before it counts as down


async def _answers(part: str, ping: Callable[[], Awaitable[None]]) -> bool:
    try:
        await asyncio.wait_for(ping(), CHECK_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        log.warning("%s not ready: %s", part, exc or type(exc).__name__)
        return False
    return True


async def readiness(ctx: Context, ping_broker: Callable[[], Awaitable[None]]) -> list[str]:
    """Why this process cannot serve requests now (the store or the realtime broker does not
    answer); empty when it can."""
    store, broker = await asyncio.gather(_answers("store", ctx.store.ping),
                                         _answers("broker", ping_broker))
    return ([] if store else ["database not connected"]) + (
        [] if broker else ["broker unreachable"])


async def user_count(ctx: Context) -> int:
    """Accounts in every state, for the `users` gauge of /metrics."""
    return await ctx.store.users.count()
