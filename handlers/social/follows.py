"""Follows: following and unfollowing people, and who follows whom.

A follow is the caller's own: nobody follows or unfollows on someone else's behalf, and
nobody follows themselves. Following is idempotent (following twice keeps one follow and
pushes once); the followed user hears of a new follower on their `user:#<uid>` channel as
`{"type": "follow", "by": {id, name}, "user_id", "created_at"}`.
"""

from __future__ import annotations

import msgspec

from handlers.context import Context
from handlers.errors import Invalid
from handlers.identity.accounts import get_user
from handlers.identity.auth import Principal
from handlers.paging import Window
from handlers.social.post_live import person
from store.records import User

__all__ = ["FollowLink", "FollowEntry", "follow_user", "unfollow_user", "set_following", "get_follow",
           "followers_of", "following_of", "is_following"]


class FollowLink(msgspec.Struct, kw_only=True):
    """`follower` follows `followee` since `created_at`."""

    follower: User
    followee: User
    created_at: float


class FollowEntry(msgspec.Struct, kw_only=True):
    """A person in a followers/following list; `is_subscribing` (whether the viewer follows
    them) only when asked for."""

    user: User
    is_subscribing: bool | None = None


def _not_self(principal: Principal, user_id: int, verb: str) -> None:
    if user_id == principal.user.id:
        raise Invalid(f"You cannot {verb} yourself", code=f"{verb}_self")


async def follow_user(ctx: Context, principal: Principal, user_id: int) -> FollowLink:
    """Follow `user_id` (NotFound if unknown, Invalid follow_self)."""
    _not_self(principal, user_id, "follow")
    target = await get_user(ctx, user_id)
    if await ctx.store.follows.follow(principal.user.id, target.id):
        await ctx.publisher.publish_to_user(target.id, {
            "type": "follow", "by": person(principal.user), "user_id": target.id,
            "created_at": ctx.clock()})
    found = await ctx.store.follows.get(principal.user.id, target.id)
    return FollowLink(follower=principal.user, followee=target,
                      created_at=found.created_at if found else ctx.clock())


async def unfollow_user(ctx: Context, principal: Principal, user_id: int) -> User:
    """Stop following `user_id` (nothing happens if one did not); returns that user."""
    _not_self(principal, user_id, "unfollow")
    target = await get_user(ctx, user_id)
    await ctx.store.follows.unfollow(principal.user.id, target.id)
    return target


async def set_following(ctx: Context, principal: Principal, user_id: int, follow: bool
                        ) -> User:
    """follow_user or unfollow_user, for clients that send the wanted state."""
    if follow:
        return (await follow_user(ctx, principal, user_id)).followee
    return await unfollow_user(ctx, principal, user_id)


async def get_follow(ctx: Context, principal: Principal, user_id: int) -> FollowLink | None:
    """The caller's follow of `user_id`, if any."""
    found = await ctx.store.follows.get(principal.user.id, user_id)
    if found is None:
        return None
    target = await ctx.store.users.get(user_id)
    if target is None or target.state == "deleted":
        return None
    return FollowLink(follower=principal.user, followee=target, created_at=found.created_at)


async def is_following(ctx: Context, follower_id: int, followee_id: int) -> bool:
    return await ctx.store.follows.get(follower_id, followee_id) is not None


async def _entries(ctx: Context, users: list[User], viewer: Principal | None,
                   flags: bool) -> list[FollowEntry]:
    if not flags or viewer is None:
        return [FollowEntry(user=u) for u in users]
    followed = await ctx.store.follows.following_among(viewer.user.id, [u.id for u in users])
    return [FollowEntry(user=u, is_subscribing=u.id in followed) for u in users]


async def followers_of(ctx: Context, user_id: int, page: Window, *,
                       viewer: Principal | None = None, flags: bool = False
                       ) -> list[FollowEntry]:
    """Who follows `user_id`, newest follow first; with `flags`, whether `viewer` follows
    each of them."""
    await get_user(ctx, user_id)
    users = await ctx.store.follows.followers(user_id, offset=page.skip, limit=page.limit)
    return await _entries(ctx, users, viewer, flags)


async def following_of(ctx: Context, user_id: int, page: Window, *,
                       viewer: Principal | None = None, flags: bool = False
                       ) -> list[FollowEntry]:
    """Whom `user_id` follows, newest follow first (flags as in followers_of)."""
    await get_user(ctx, user_id)
    users = await ctx.store.follows.following(user_id, offset=page.skip, limit=page.limit)
    return await _entries(ctx, users, viewer, flags)
