"""The API log as its readers see it (EchoStats' api-logs): the outbound calls Chorus made to
providers (Spotify's Web API and accounts service), newest first, and their aggregates.

Who reads what: a user sees the calls made on their behalf (with their linked account's
token); an admin sees every call, the app's own catalog and token calls included.
"""

from __future__ import annotations

import msgspec

from handlers.context import Context
from store.records import ApiCall, ApiCallStats, User

__all__ = ["CallFilter", "CallPage", "TOP_ENDPOINTS", "list_calls", "call_stats"]

TOP_ENDPOINTS = 10


class CallFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Every filter given must match; `url_contains` anywhere in the called URL."""

    provider: str | None = None
    method: str | None = None
    status_min: int | None = None
    status_max: int | None = None
    url_contains: str | None = None


class CallPage(msgspec.Struct, frozen=True):
    items: list[ApiCall]
    total: int


def _scope(reader: User) -> int | None:
    """Whose calls `reader` may read: their own, or everyone's (None) for an admin."""
    return None if reader.is_admin else reader.id


async def list_calls(ctx: Context, reader: User, where: CallFilter, *, offset: int,
                     limit: int) -> CallPage:
    items, total = await ctx.store.api_calls.page(
        provider=where.provider, method=where.method, status_min=where.status_min,
        status_max=where.status_max, url_contains=where.url_contains, user_id=_scope(reader),
        offset=offset, limit=limit)
    return CallPage(items, total)


async def call_stats(ctx: Context, reader: User) -> ApiCallStats:
    return await ctx.store.api_calls.stats(user_id=_scope(reader), top=TOP_ENDPOINTS)
