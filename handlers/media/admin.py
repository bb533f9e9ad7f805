"""The site admin's operations over users and their audio: site counts, accounts (list,
detail, disable, enable), upload limits and slots, every audio file, and removing a user's
audio. Every operation refuses anyone but an admin (Forbidden `admin_required`) before it
looks anything up. Collection counts live beside them in `admin_collections`."""

from __future__ import annotations

import msgspec

from handlers.context import Context
from handlers.errors import Invalid
from handlers.identity.accounts import get_user, require_admin
from handlers.identity.auth import Principal, end_all_sessions
from handlers.media import audio, quotas
from store.records import AudioFile, AudioTotals, User, UserCounts, UserPatch

__all__ = ["SiteStats", "UserDetail", "site_stats", "list_users", "user_detail",
           "disable_user", "enable_user", "set_upload_limit", "user_upload_stats",
           "reset_uploads", "all_audio", "delete_user_audio"]


class SiteStats(msgspec.Struct, kw_only=True):
    users: UserCounts
    audio: AudioTotals
    collections: int
    announcements: int
    published_announcements: int


class UserDetail(msgspec.Struct, kw_only=True):
    user: User
    uploads: quotas.UploadStats
    collections: int


async def site_stats(ctx: Context, principal: Principal) -> SiteStats:
    require_admin(principal)
    store = ctx.store
    return SiteStats(users=await store.users.counts(), audio=await store.audio.totals(),
                     collections=(await store.collection_stats.totals()).collections,
                     announcements=await store.announcements.count(),
                     published_announcements=await store.announcements.count(
                         published_only=True))


async def list_users(ctx: Context, principal: Principal, *, skip: int, limit: int
                     ) -> tuple[list[User], int]:
    require_admin(principal)
    return (await ctx.store.users.list(offset=skip, limit=limit),
            await ctx.store.users.count())


async def user_detail(ctx: Context, principal: Principal, user_id: int) -> UserDetail:
    require_admin(principal)
    user = await get_user(ctx, user_id)
    totals = await ctx.store.collection_stats.totals(user.id)
    return UserDetail(user=user, uploads=await quotas.upload_stats(ctx, user.id),
                      collections=totals.collections)


async def disable_user(ctx: Context, principal: Principal, user_id: int) -> User:
    """The account stops signing in; its sessions end and its live connections close once
    that commits (as a password change does)."""
    require_admin(principal)
    user = await get_user(ctx, user_id)
    if user.id == principal.user.id:
        raise Invalid("You cannot disable your own account", code="self_disable")
    if user.state == "disabled":
        raise Invalid("User is already disabled", code="already_disabled")
    async with ctx.store.transaction():
        updated = await ctx.store.users.update(user.id, UserPatch(state="disabled"))
        await end_all_sessions(ctx, user.id, "account disabled")
    assert updated is not None
    return updated


async def enable_user(ctx: Context, principal: Principal, user_id: int) -> User:
    require_admin(principal)
    user = await get_user(ctx, user_id)
    if user.state != "disabled":
        raise Invalid("User is not disabled", code="not_disabled")
    updated = await ctx.store.users.update(user.id, UserPatch(state="active"))
    assert updated is not None
    return updated


async def set_upload_limit(ctx: Context, principal: Principal, user_id: int, limit: int
                           ) -> quotas.UploadStats:
    require_admin(principal)
    user = await get_user(ctx, user_id)
    return await quotas.set_upload_limit(ctx, user.id, limit)


async def user_upload_stats(ctx: Context, principal: Principal, user_id: int
                            ) -> quotas.UploadStats:
    require_admin(principal)
    return await quotas.upload_stats(ctx, (await get_user(ctx, user_id)).id)


async def reset_uploads(ctx: Context, principal: Principal, user_id: int) -> quotas.UploadStats:
    require_admin(principal)
    return await quotas.reset_uploads(ctx, (await get_user(ctx, user_id)).id)


async def all_audio(ctx: Context, principal: Principal, *, skip: int, limit: int
                    ) -> tuple[list[AudioFile], int]:
    require_admin(principal)
    return await audio.list_audio(ctx, skip=skip, limit=limit)


async def delete_user_audio(ctx: Context, principal: Principal, user_id: int) -> int:
    """Every audio file of the user: rows and slots in one unit of work, then the bytes."""
    require_admin(principal)
    user = await get_user(ctx, user_id)
    return await audio.delete_owned_audio(ctx, user.id)
