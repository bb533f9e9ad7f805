"""The service's own state for health checks and metrics: can it serve, how many accounts."""

from __future__ import annotations

import logging

from handlers.context import Context

__all__ = ["readiness", "user_count"]

log = logging.getLogger("chorus.health")


async def readiness(ctx: Context) -> list[str]:
    """Why this process cannot serve requests now; empty when it can."""
    reasons = []
    try:
        await ctx.store.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        log.warning("store not ready: %s", exc)
        reasons.append("database not connected")
    return reasons


async def user_count(ctx: Context) -> int:
    """Accounts in every state, for the `users` gauge of /metrics."""
    return await ctx.store.users.count()
