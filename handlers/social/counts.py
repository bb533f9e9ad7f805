"""How much a user has done: posts, likes given, followers and followings."""

from __future__ import annotations

import msgspec

from handlers.context import Context

__all__ = ["UserCounts", "user_counts"]


class UserCounts(msgspec.Struct, frozen=True, kw_only=True):
    likes: int  # posts this user liked
    posts: int
    followers: int
    following: int


async def user_counts(ctx: Context, user_id: int) -> UserCounts:
    followers, following = await ctx.store.follows.counts(user_id)
    return UserCounts(likes=await ctx.store.posts.count_liked_by(user_id),
                      posts=await ctx.store.posts.count_by_user(user_id),
                      followers=followers, following=following)
