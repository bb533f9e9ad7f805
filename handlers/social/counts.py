"""How much a user has done: posts, likes given, followers and followings (posts and likes as
the viewer sees them: none filed in a collection private to others)."""

from __future__ import annotations

import msgspec

from handlers.context import Context
from handlers.identity.auth import Principal
from handlers.social.collection_access import viewer_id

__all__ = ["UserCounts", "user_counts"]


class UserCounts(msgspec.Struct, frozen=True, kw_only=True):
    likes: int  # posts this user liked
    posts: int
    followers: int
    following: int


async def user_counts(ctx: Context, viewer: Principal | None, user_id: int) -> UserCounts:
    followers, following = await ctx.store.follows.counts(user_id)
    seen = viewer_id(viewer)
    return UserCounts(likes=await ctx.store.posts.count_liked_by(user_id, viewer_id=seen),
                      posts=await ctx.store.posts.count_by_user(user_id, viewer_id=seen),
                      followers=followers, following=following)
