"""The site admin's counts over collections (Sono collections and Openwhyd playlists are one
table): site-wide, one user's, the newest, a summary, and removing a user's collections the
way their owner would (see delete_user_collections)."""

from __future__ import annotations

import msgspec

from handlers.context import Context
from handlers.identity.accounts import get_user, require_admin
from handlers.identity.auth import Principal
from handlers.social.collections import discard_collection
from store.records import Collection, CollectionTotals, User

__all__ = ["CollectionSummary", "collection_stats", "user_collection_stats",
           "delete_user_collections", "recent_collections", "collection_summary",
           "RECENT_DAYS"]

RECENT_DAYS = 7
TOP_CURATORS = 10


class CollectionSummary(msgspec.Struct, kw_only=True):
    totals: CollectionTotals
    created_last_week: int
    top_curators: list[tuple[User, int]]


async def collection_stats(ctx: Context, principal: Principal) -> CollectionTotals:
    require_admin(principal)
    return await ctx.store.collection_stats.totals()


async def user_collection_stats(ctx: Context, principal: Principal, user_id: int
                                ) -> tuple[User, CollectionTotals]:
    require_admin(principal)
    user = await get_user(ctx, user_id)
    return user, await ctx.store.collection_stats.totals(user.id)


async def delete_user_collections(ctx: Context, principal: Principal, user_id: int) -> int:
    """Delete each of the user's collections as its owner would (collections.discard_collection:
    the tracks added as entries go, posts made elsewhere go back to their authors' profiles,
    members are told); how many."""
    require_admin(principal)
    user = await get_user(ctx, user_id)
    owned = await ctx.store.collections.of_owner(user.id)
    for collection in owned:
        await discard_collection(ctx, collection)
    return len(owned)


async def recent_collections(ctx: Context, principal: Principal, limit: int
                             ) -> list[tuple[Collection, User | None, int]]:
    """The newest collections with their owner and track count."""
    require_admin(principal)
    found = await ctx.store.collection_stats.recent(limit)
    owners = await ctx.store.users.many(list({c.owner_id for c in found}))
    counts = await ctx.store.collections.track_counts([c.id for c in found])
    return [(c, owners.get(c.owner_id), counts.get(c.id, 0)) for c in found]


async def collection_summary(ctx: Context, principal: Principal) -> CollectionSummary:
    require_admin(principal)
    stats = ctx.store.collection_stats
    top = await stats.top_owners(TOP_CURATORS)
    owners = await ctx.store.users.many([owner for owner, _ in top])
    return CollectionSummary(
        totals=await stats.totals(),
        created_last_week=await stats.created_since(ctx.clock() - RECENT_DAYS * 86400),
        top_curators=[(owners[o], n) for o, n in top if o in owners])
