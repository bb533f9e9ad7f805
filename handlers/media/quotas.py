"""Upload quotas: how many audio files a user may keep (CHORUS_AUDIO_MAX_UPLOADS unless an
admin set another number) and how many slots they use."""

from __future__ import annotations

import msgspec

from handlers.context import Context
from handlers.errors import Invalid
from store.records import AudioTotals

__all__ = ["UploadStats", "max_uploads", "upload_stats", "set_upload_limit",
           "reset_uploads", "MAX_LIMIT"]

MAX_LIMIT = 100_000


class UploadStats(msgspec.Struct, kw_only=True):
    user_id: int
    used_uploads: int
    max_uploads: int
    remaining_uploads: int
    totals: AudioTotals


async def max_uploads(ctx: Context, user_id: int) -> int:
    quota = await ctx.store.quotas.get(user_id)
    return ctx.config.audio_max_uploads if quota.max_uploads is None else quota.max_uploads


async def upload_stats(ctx: Context, user_id: int) -> UploadStats:
    quota = await ctx.store.quotas.get(user_id)
    limit = ctx.config.audio_max_uploads if quota.max_uploads is None else quota.max_uploads
    return UploadStats(user_id=user_id, used_uploads=quota.used, max_uploads=limit,
                       remaining_uploads=max(limit - quota.used, 0),
                       totals=await ctx.store.audio.totals(user_id))


async def set_upload_limit(ctx: Context, user_id: int, limit: int) -> UploadStats:
    """An admin's change (the caller checked the role)."""
    if not 0 <= limit <= MAX_LIMIT:
        raise Invalid(f"max_audio_uploads must be between 0 and {MAX_LIMIT}",
                      code="invalid_upload_limit")
    await ctx.store.quotas.set_max(user_id, limit)
    return await upload_stats(ctx, user_id)


async def reset_uploads(ctx: Context, user_id: int) -> UploadStats:
    """The used slots back to zero (the files stay)."""
    await ctx.store.quotas.reset(user_id)
    return await upload_stats(ctx, user_id)
