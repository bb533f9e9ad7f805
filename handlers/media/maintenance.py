"""Maintenance mode: a switch kept in the store, cached in memory (ctx.maintenance), announced
live."""

from __future__ import annotations

import msgspec

from handlers.context import Context
from handlers.errors import Forbidden, Invalid
from handlers.state import DEFAULT_MAINTENANCE_MESSAGE, MaintenanceState

__all__ = ["MaintenanceState", "RETRY_AFTER", "load_maintenance",
           "current_maintenance", "set_maintenance"]

RETRY_AFTER = 3600
_KEY = "maintenance"  # the store setting


async def load_maintenance(ctx: Context) -> MaintenanceState:
    """Read the switch from the store into the context (at start)."""
    raw = await ctx.store.settings.get(_KEY)
    state = msgspec.convert(raw, MaintenanceState) if raw else MaintenanceState()
    ctx.maintenance = state
    return state


def current_maintenance(ctx: Context) -> MaintenanceState:
    return ctx.maintenance


async def set_maintenance(ctx: Context, *, is_admin: bool, enabled: bool,
                          message: str | None = None) -> MaintenanceState:
    if not is_admin:
        raise Forbidden("Admin access required", code="admin_required")
    if message is not None and len(message) > 200:
        raise Invalid("Message must be at most 200 characters", code="message_too_long")
    state = MaintenanceState(enabled=enabled, message=message or DEFAULT_MAINTENANCE_MESSAGE)
    await ctx.store.settings.set(_KEY, msgspec.to_builtins(state))
    ctx.maintenance = state
    await ctx.publisher.publish("announcements", {"type": "maintenance",
                                                  **msgspec.to_builtins(state)})
    return state
