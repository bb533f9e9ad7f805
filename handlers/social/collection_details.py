"""Collections addressed by id with everything Sono shows beside them: the owner, the tracks in
their order (each a post filed in the collection, numbered 1..n as they show), the
collaborators, and whether the asker may edit; one collection or a page of them."""

from __future__ import annotations

import msgspec

from handlers.context import Context
from handlers.identity.auth import Principal
from handlers.paging import Window
from handlers.social.collection_access import EDITORS, role_among, visible_collection
from store.records import CatalogItem, Collection, CollectionCollaborator, Post, User

__all__ = ["TrackEntry", "CollaboratorEntry", "CollectionDetail", "CollectionPage",
           "collection_detail", "collection_details", "track_entries", "collaborator_entries",
           "browse_collections", "my_collections"]


class TrackEntry(msgspec.Struct, kw_only=True):
    """One track of a collection: the post filed in it, its place (from 1), its catalog item
    and who added it."""

    post: Post
    position: int
    item: CatalogItem | None
    added_by: User | None


class CollaboratorEntry(msgspec.Struct, kw_only=True):
    collaborator: CollectionCollaborator
    user: User | None
    added_by: User | None


class CollectionDetail(msgspec.Struct, kw_only=True):
    collection: Collection
    owner: User
    tracks: list[TrackEntry]
    collaborators: list[CollaboratorEntry]
    can_edit: bool


class CollectionPage(msgspec.Struct, kw_only=True):
    details: list[CollectionDetail]
    total: int
    has_more: bool


def _entries(posts: list[Post], first: int, items: dict[int, CatalogItem],
             users: dict[int, User]) -> list[TrackEntry]:
    return [TrackEntry(post=p, position=first + i,
                       item=items.get(p.catalog_id) if p.catalog_id else None,
                       added_by=users.get(p.user_id)) for i, p in enumerate(posts)]


def _members(members: list[CollectionCollaborator], users: dict[int, User]
             ) -> list[CollaboratorEntry]:
    return [CollaboratorEntry(collaborator=m, user=users.get(m.user_id),
                              added_by=users.get(m.added_by_id) if m.added_by_id else None)
            for m in members]


def _people(posts: list[Post], members: list[CollectionCollaborator]) -> list[int]:
    """Everyone an entry names: who added each track, each collaborator and who added them."""
    ids = {p.user_id for p in posts} | {m.user_id for m in members}
    return sorted(ids | {m.added_by_id for m in members if m.added_by_id})


async def track_entries(ctx: Context, posts: list[Post], first: int = 1) -> list[TrackEntry]:
    """Entries of `posts` (a collection's, in order), numbered from `first`."""
    items = await ctx.store.catalog.many([p.catalog_id for p in posts if p.catalog_id])
    return _entries(posts, first, items, await ctx.store.users.many(_people(posts, [])))


async def collaborator_entries(ctx: Context, members: list[CollectionCollaborator]
                               ) -> list[CollaboratorEntry]:
    return _members(members, await ctx.store.users.many(_people([], members)))


async def collection_details(ctx: Context, viewer: Principal | None,
                             collections: list[Collection]) -> list[CollectionDetail]:
    """Details of collections already known to be visible (those of vanished owners left out),
    read in a handful of queries whatever their number."""
    ids = [c.id for c in collections]
    members = await ctx.store.collections.collaborators(ids)
    posts = await ctx.store.posts.in_collections(ids)
    every_post = [p for ps in posts.values() for p in ps]
    every_member = [m for ms in members.values() for m in ms]
    items = await ctx.store.catalog.many([p.catalog_id for p in every_post if p.catalog_id])
    users = await ctx.store.users.many(sorted(
        {*_people(every_post, every_member), *(c.owner_id for c in collections)}))
    details = []
    for c in collections:
        owner = users.get(c.owner_id)
        if owner is not None:
            details.append(CollectionDetail(
                collection=c, owner=owner, tracks=_entries(posts[c.id], 1, items, users),
                collaborators=_members(members[c.id], users),
                can_edit=role_among(viewer, c, members[c.id]) in EDITORS))
    return details


async def collection_detail(ctx: Context, viewer: Principal | None, collection_id: int
                            ) -> CollectionDetail:
    """One collection the viewer may see, in full; NotFound otherwise."""
    access = await visible_collection(ctx, viewer, collection_id)
    return (await collection_details(ctx, viewer, [access.collection]))[0]


async def _page(ctx: Context, viewer: Principal | None, found: list[Collection], total: int,
                window: Window) -> CollectionPage:
    return CollectionPage(details=await collection_details(ctx, viewer, found), total=total,
                          has_more=window.skip + len(found) < total)


async def browse_collections(ctx: Context, viewer: Principal | None, window: Window, *,
                             kind: str | None = None, public_only: bool = False
                             ) -> CollectionPage:
    """Public collections, newest first; unless `public_only`, with the viewer's own and
    those they collaborate on, private ones included."""
    found, total = await ctx.store.collections.page(
        kind=kind, public_only=public_only, viewer_id=viewer.user.id if viewer else None,
        offset=window.skip, limit=window.limit)
    return await _page(ctx, viewer, found, total, window)


async def my_collections(ctx: Context, principal: Principal, window: Window, *,
                         kind: str | None = None) -> CollectionPage:
    """The principal's own collections (Openwhyd playlists included), newest first."""
    found, total = await ctx.store.collections.page(
        owner_id=principal.user.id, kind=kind, offset=window.skip, limit=window.limit)
    return await _page(ctx, principal, found, total, window)
