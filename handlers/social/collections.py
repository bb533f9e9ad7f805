"""Collections of tracks as Openwhyd names them: a user's playlists by number. Sono's playlists,
albums and compilations are the same rows, addressed by id (collection_access and its
neighbours).

A collection is addressed by its owner and its `number` (Openwhyd's playlist id, from 0); its
tracks are posts filed in it. Only the owner creates, renames, reorders, re-images or deletes
one (deleting it puts its posts back on the owner's profile). Anyone may read and share a public
collection; a private one is the owner's and its collaborators' alone, and other people are told
it does not exist.
A cover image must be a file the owner uploaded to /media/ (the URL /upload or an avatar upload
answered), or "" (Openwhyd's `blank` placeholders too) to remove it: an outside URL would make
every visitor's browser fetch from a host the owner picked, so it is refused. Changes go live on
`posts:<owner>`; a share reaches each recipient's `user:#<id>` channel.
"""

from __future__ import annotations

from typing import Any

import msgspec

from handlers.context import Context
from handlers.errors import Forbidden, Invalid, NotFound
from handlers.identity.auth import Principal
from handlers.media.images import is_owned_media
from handlers.social.recipients import check_recipients
from store.records import Collection, User

__all__ = ["CollectionRef", "CollectionView", "collection_payload", "collection_views",
           "get_collection", "get_collections", "user_collections", "create_collection", "rename_collection",
           "delete_collection", "set_collection_order", "set_collection_image",
           "share_collection", "discard_collection", "announce_collection", "announce_change",
           "ENTRY_CTX", "HIDDEN_STATES", "MAX_TITLE", "MAX_REFS", "members"]

MAX_TITLE = 500
ENTRY_CTX = "collection"  # the `ctx` of a post made by adding a track to a collection by id
MAX_REFS = 100
MAX_ORDER = 10_000
HIDDEN_STATES = frozenset({"deleted", "disabled"})


class CollectionRef(msgspec.Struct, frozen=True):
    """A collection as other people name it: its owner and its number (`<uid>_<n>`)."""

    owner_id: int
    number: int


class CollectionView(msgspec.Struct, kw_only=True):
    """A collection with its owner and how many tracks it holds."""

    collection: Collection
    owner: User
    track_count: int

    @property
    def owner_name(self) -> str:
        return self.owner.name or self.owner.username or ""


def collection_payload(view: CollectionView) -> dict[str, Any]:
    """A collection as live clients see it."""
    c = view.collection
    return {"id": c.id, "owner_id": c.owner_id, "owner_name": view.owner_name,
            "number": c.number, "name": c.title, "image": c.image, "kind": c.kind,
            "track_count": view.track_count}


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise Invalid("playlist name is required", code="playlist_name_missing")
    if len(title) > MAX_TITLE:
        raise Invalid(f"playlist name is too long (at most {MAX_TITLE} characters)",
                      code="playlist_name_too_long")
    return title


def _not_found() -> NotFound:
    return NotFound("playlist not found", code="playlist_not_found")


async def collection_views(ctx: Context, collections: list[Collection]) -> list[CollectionView]:
    """Views of `collections` in the same order (those of vanished owners left out)."""
    counts = await ctx.store.collections.track_counts([c.id for c in collections])
    owners: dict[int, User | None] = {}
    views = []
    for collection in collections:
        if collection.owner_id not in owners:
            owners[collection.owner_id] = await ctx.store.users.get(collection.owner_id)
        owner = owners[collection.owner_id]
        if owner is not None:
            views.append(CollectionView(collection=collection, owner=owner,
                                        track_count=counts.get(collection.id, 0)))
    return views


async def _view(ctx: Context, collection: Collection) -> CollectionView:
    views = await collection_views(ctx, [collection])
    if not views:
        raise _not_found()
    return views[0]


async def _member(ctx: Context, viewer: Principal | None, collection: Collection) -> bool:
    """True for its owner and its collaborators (who see it even when it is private)."""
    if viewer is None:
        return False
    return viewer.user.id == collection.owner_id or \
        await ctx.store.collections.collaborator(collection.id, viewer.user.id) is not None


async def _visible(ctx: Context, viewer: Principal | None, ref: CollectionRef
                   ) -> Collection | None:
    collection = await ctx.store.collections.by_number(ref.owner_id, ref.number)
    if collection is None:
        return None
    if not (collection.is_public or await _member(ctx, viewer, collection)):
        return None
    owner = await ctx.store.users.get(collection.owner_id)
    return collection if owner is not None and owner.state not in HIDDEN_STATES else None


async def get_collection(ctx: Context, viewer: Principal | None, ref: CollectionRef
                         ) -> CollectionView:
    """One collection the viewer may see; NotFound otherwise."""
    collection = await _visible(ctx, viewer, ref)
    if collection is None:
        raise _not_found()
    return await _view(ctx, collection)


async def get_collections(ctx: Context, viewer: Principal | None, refs: list[CollectionRef]
                          ) -> list[CollectionView]:
    """The collections named that the viewer may see, in the order asked (the others left
    out, each at most once)."""
    refs = list(dict.fromkeys(refs))
    if len(refs) > MAX_REFS:
        raise Invalid(f"at most {MAX_REFS} playlists at once", code="too_many_playlists")
    found = [c for c in [await _visible(ctx, viewer, ref) for ref in refs] if c is not None]
    return await collection_views(ctx, found)


async def user_collections(ctx: Context, viewer: Principal | None, owner_id: int
                           ) -> list[CollectionView]:
    """The collections of `owner_id` the viewer may see (a private one only by its owner), by
    number, the first made first; NotFound for an unknown or hidden owner."""
    owner = await ctx.store.users.get(owner_id)
    if owner is None or owner.state in HIDDEN_STATES:
        raise NotFound("user not found", code="user_not_found")
    mine = viewer is not None and viewer.user.id == owner_id
    found = [c for c in await ctx.store.collections.of_owner(owner_id) if c.is_public or mine]
    return await collection_views(ctx, found)


async def _own(ctx: Context, principal: Principal, number: int) -> Collection:
    """The principal's collection `number`; NotFound (also for anyone else's)."""
    collection = await ctx.store.collections.by_number(principal.user.id, number)
    if collection is None:
        raise _not_found()
    return collection


async def members(ctx: Context, collection: Collection) -> list[int]:
    """The owner and the collaborators of a collection: who hears of it while it is private."""
    found = (await ctx.store.collections.collaborators([collection.id])).get(collection.id, [])
    return list(dict.fromkeys([collection.owner_id, *(m.user_id for m in found)]))


async def announce_collection(ctx: Context, kind: str, view: CollectionView) -> None:
    """On `posts:<owner>`; a private collection's news only to its members' user channels."""
    event = {"type": f"playlist.{kind}", "playlist": collection_payload(view)}
    if view.collection.is_public:
        await ctx.publisher.publish(f"posts:{view.collection.owner_id}", event)
        return
    for user_id in await members(ctx, view.collection):
        await ctx.publisher.publish_to_user(user_id, event)


async def create_collection(ctx: Context, principal: Principal, title: str) -> CollectionView:
    """A new playlist of the principal's, numbered after their last one (the first is 0)."""
    collection = await ctx.store.collections.create(principal.user.id, _title(title))
    view = await _view(ctx, collection)
    await announce_collection(ctx, "created", view)
    return view


async def announce_change(ctx: Context, kind: str, collection: Collection | None
                          ) -> CollectionView:
    """Push `playlist.<kind>` about the collection on its owner's channel; its view."""
    if collection is None:
        raise _not_found()
    view = await _view(ctx, collection)
    await announce_collection(ctx, kind, view)
    return view


async def rename_collection(ctx: Context, principal: Principal, number: int, title: str
                            ) -> CollectionView:
    """Rename one's playlist; its posts show the new name (they refer to the collection)."""
    title = _title(title)
    collection = await _own(ctx, principal, number)
    return await announce_change(ctx, "renamed",
                          await ctx.store.collections.update(collection.id, title=title))


async def discard_collection(ctx: Context, collection: Collection) -> None:
    """Delete `collection` and the tracks added to it as entries (ENTRY_CTX); posts made
    elsewhere stay, back on their author's profile. One transaction; announced after it."""
    async with ctx.store.transaction():
        view = await _view(ctx, collection)
        for post in await ctx.store.posts.in_collection(collection.id):
            if post.ctx == ENTRY_CTX:
                await ctx.store.posts.delete(post.id)
        if not await ctx.store.collections.delete(collection.id):
            raise _not_found()
    await announce_collection(ctx, "deleted", view)


async def delete_collection(ctx: Context, principal: Principal, number: int) -> Collection:
    """Delete one's playlist (see discard_collection)."""
    collection = await _own(ctx, principal, number)
    await discard_collection(ctx, collection)
    return collection


def _checked_order(post_ids: list[int], current: list[int]) -> list[int]:
    """`post_ids` (each once, each in the playlist) followed by the playlist's other posts."""
    if not post_ids:
        raise Invalid("order is required", code="order_missing")
    if len(post_ids) > MAX_ORDER:
        raise Invalid(f"order lists more than {MAX_ORDER} posts", code="order_too_long")
    if len(set(post_ids)) != len(post_ids):
        raise Invalid("order lists a post more than once", code="order_duplicate")
    members = set(current)
    strangers = [pid for pid in post_ids if pid not in members]
    if strangers:
        raise Invalid(f"post {strangers[0]} is not in this playlist", code="order_foreign_post")
    listed = set(post_ids)
    return [*post_ids, *(pid for pid in current if pid not in listed)]


async def set_collection_order(ctx: Context, principal: Principal, number: int,
                               post_ids: list[int]) -> CollectionView:
    """Number one's playlist's posts 1..n in the given order (posts it does not list follow,
    in their previous order), in one transaction; a post from elsewhere changes nothing."""
    async with ctx.store.transaction():
        collection = await _own(ctx, principal, number)
        # the collection held until the order is written: concurrent reorders (and track
        # edits) read the order one after the other
        current = await ctx.store.collections.track_ids(collection.id, for_update=True)
        await ctx.store.collections.set_order(collection.id, _checked_order(post_ids, current))
    return await announce_change(ctx, "ordered", await ctx.store.collections.get(collection.id))


def _image(ctx: Context, principal: Principal, image: str, current: str) -> str:
    image = (image or "").strip()
    if not image or "blank" in image.rsplit("/", 1)[-1]:
        return ""
    if image != current and not is_owned_media(ctx, image, principal.user.id):
        raise Invalid("img must be the URL of an image you uploaded", code="invalid_image")
    return image


async def set_collection_image(ctx: Context, principal: Principal, number: int, image: str
                               ) -> CollectionView:
    """Set (or with "" remove) one's playlist's cover: an image the principal uploaded."""
    collection = await _own(ctx, principal, number)
    image = _image(ctx, principal, image, collection.image)
    return await announce_change(ctx, "updated",
                          await ctx.store.collections.update(collection.id, image=image))


async def _is_admin(ctx: Context, user_id: int) -> bool:
    user = await ctx.store.users.get(user_id)
    return user is not None and user.is_admin


async def share_collection(ctx: Context, principal: Principal, ref: CollectionRef,
                           user_ids: list[int]) -> int:
    """Tell each listed user about a playlist the principal may see; returns how many. A
    private playlist goes to its members only (Forbidden `private_collection_recipient`
    names the first other recipient, and nobody is told)."""
    recipients = await check_recipients(ctx, user_ids)
    view = await get_collection(ctx, principal, ref)
    allowed = set() if view.collection.is_public else set(await members(ctx, view.collection))
    for user_id in recipients:
        if allowed and user_id not in allowed and not await _is_admin(ctx, user_id):
            raise Forbidden(f"user {user_id} may not see this playlist: it is private",
                            code="private_collection_recipient")
    event = {"type": "share", "playlist": collection_payload(view),
             "by": {"id": principal.user.id,
                    "name": principal.user.name or principal.user.username or ""}}
    for user_id in recipients:
        await ctx.publisher.publish_to_user(user_id, event)
    return len(recipients)
