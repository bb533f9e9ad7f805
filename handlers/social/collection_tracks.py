"""The tracks of a collection: add one (at a place or at the end), add many, remove one, move one.

A track is a catalog item (a Spotify or other link, an uploaded audio file) filed in the
collection as a post by whoever added it, with `ctx` ENTRY_CTX; Openwhyd shows it in the
playlist like any post filed there. Every change runs in one transaction that reads the
collection's order, applies the change and numbers all its posts 1..n again, so orders stay
dense and unique however many requests change the collection at once (the transaction holds
SQLite's one writer, or the collection's row on PostgreSQL; a unique index on (collection,
order) stands behind it).
"""

from __future__ import annotations

from handlers.context import Context
from handlers.errors import Invalid, NotFound
from handlers.identity.auth import Principal
from handlers.media.audio import hidden_uploads
from handlers.social.collection_access import editable_collection
from handlers.social.collection_details import TrackEntry, track_entries
from handlers.social.collections import ENTRY_CTX, announce_change
from store.records import CatalogItem, Collection, Post

__all__ = ["add_track", "add_tracks", "remove_track", "move_track", "PLAYABLE_KINDS",
           "MAX_BULK"]

PLAYABLE_KINDS = frozenset({"track", "audio", "video", "episode"})
MAX_BULK = 50


def _missing_track() -> NotFound:
    return NotFound("Track not found in collection", code="collection_track_not_found")


async def _playable(ctx: Context, principal: Principal, item_ids: list[int]
                    ) -> list[CatalogItem]:
    """The catalog items in the order asked; NotFound names the first unknown one (or an
    uploaded file the principal may not see: someone else's private file), Invalid the first
    that is not one playable item (an album, a playlist, an artist)."""
    items = await ctx.store.catalog.many(sorted(set(item_ids)))
    hidden = await hidden_uploads(ctx, principal.user, list(items))
    for item_id in item_ids:
        item = items.get(item_id)
        if item is None or item_id in hidden:
            raise NotFound(f"Audio file {item_id} not found", code="audio_file_not_found")
        if item.kind not in PLAYABLE_KINDS:
            raise Invalid(f"Item {item_id} is a {item.kind}, not a track",
                          code="audio_file_not_playable")
    return [items[i] for i in item_ids]


async def _file(ctx: Context, principal: Principal, collection: Collection,
                item: CatalogItem) -> Post:
    return await ctx.store.posts.create(
        user_id=principal.user.id, link=item.url, eid=item.eid, catalog_id=item.id,
        name=item.name or item.description, image=item.image, ctx=ENTRY_CTX,
        collection_id=collection.id)


async def _finish(ctx: Context, collection_id: int, order: list[int], changed: list[int]
                  ) -> list[TrackEntry]:
    """Number the collection `order`, then the entries of the `changed` posts."""
    await ctx.store.collections.set_order(collection_id, order)
    posts = await ctx.store.posts.many(changed)
    entries = []
    for post_id in changed:
        entries += await track_entries(ctx, [posts[post_id]], order.index(post_id) + 1)
    return entries


async def _order(ctx: Context, collection_id: int) -> list[int]:
    """The collection's order, the collection held until the transaction ends."""
    return await ctx.store.collections.track_ids(collection_id, for_update=True)


async def _announce(ctx: Context, collection_id: int) -> None:
    await announce_change(ctx, "ordered", await ctx.store.collections.get(collection_id))


async def add_tracks(ctx: Context, principal: Principal, collection_id: int,
                     item_ids: list[int], position: int | None = None) -> list[TrackEntry]:
    """File the items in the collection, in that order, from `position` (from 1; None or past
    the end: at the end). All or nothing."""
    if not item_ids or len(item_ids) > MAX_BULK:
        raise Invalid(f"Give 1 to {MAX_BULK} audio files", code="bulk_size")
    if position is not None and position < 1:
        raise Invalid("track_order must be at least 1", code="track_order_invalid")
    async with ctx.store.transaction():
        collection = (await editable_collection(ctx, principal, collection_id)).collection
        items = await _playable(ctx, principal, item_ids)
        order = await _order(ctx, collection.id)
        at = len(order) if position is None else min(position - 1, len(order))
        added = [(await _file(ctx, principal, collection, item)).id for item in items]
        order[at:at] = added
        entries = await _finish(ctx, collection.id, order, added)
    await _announce(ctx, collection_id)
    return entries


async def add_track(ctx: Context, principal: Principal, collection_id: int, item_id: int,
                    position: int | None = None) -> TrackEntry:
    """File one item in the collection at `position` (None: at the end)."""
    return (await add_tracks(ctx, principal, collection_id, [item_id], position))[0]


async def remove_track(ctx: Context, principal: Principal, collection_id: int, track_id: int
                       ) -> None:
    """Take a track out: an entry added here is deleted, a post made elsewhere goes back to its
    author's profile; the tracks after it move up."""
    async with ctx.store.transaction():
        collection = (await editable_collection(ctx, principal, collection_id)).collection
        order = await _order(ctx, collection.id)
        if track_id not in order:
            raise _missing_track()
        post = await ctx.store.posts.get(track_id)
        if post is not None and post.ctx == ENTRY_CTX:
            await ctx.store.posts.delete(track_id)
        else:
            await ctx.store.posts.update(track_id, collection_id=None, track_order=None)
        order.remove(track_id)
        await ctx.store.collections.set_order(collection.id, order)
    await _announce(ctx, collection_id)


async def move_track(ctx: Context, principal: Principal, collection_id: int, track_id: int,
                     position: int) -> TrackEntry:
    """Move a track to `position` (from 1; past the end: last); the others close up."""
    if position < 1:
        raise Invalid("new_order must be at least 1", code="track_order_invalid")
    async with ctx.store.transaction():
        collection = (await editable_collection(ctx, principal, collection_id)).collection
        order = await _order(ctx, collection.id)
        if track_id not in order:
            raise _missing_track()
        order.remove(track_id)
        order.insert(min(position - 1, len(order)), track_id)
        entries = await _finish(ctx, collection.id, order, [track_id])
    await _announce(ctx, collection_id)
    return entries[0]
