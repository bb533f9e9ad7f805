"""Making and changing collections by id (Sono): create one with its kind, artist, curator note,
privacy and collaborative switch; change those; set its cover art; delete it. The new
collection is also the owner's next Openwhyd playlist (numbered after their last one).

Only the owner (or an admin) changes or deletes a collection. Deleting it deletes the tracks
that were added to it as collection entries; posts made elsewhere and filed in it go back to
their author's profile (collections.discard_collection, which Openwhyd's delete uses too).
"""

from __future__ import annotations

from typing import Any

import msgspec

from handlers.context import Context
from handlers.errors import FieldError, Invalid
from handlers.identity.auth import Principal
from handlers.media.images import delete_media, save_image
from handlers.social.collection_access import owned_collection
from handlers.social.collection_details import CollectionDetail, collection_detail
from handlers.social.collections import (
    announce_change,
    announce_collection,
    collection_views,
    discard_collection,
)
from store.records import Collection

__all__ = ["NewCollection", "CollectionChanges", "create_collection_as", "update_collection",
           "delete_collection_by_id", "set_cover_art", "COVER_FOLDER",
           "MAX_TITLE", "MAX_TEXT", "MAX_ARTIST", "KINDS"]

COVER_FOLDER = "covers"
MAX_TITLE = 100
MAX_TEXT = 1000
MAX_ARTIST = 100
KINDS = ("album", "playlist", "compilation")
DELETE_REFUSED = "You can only delete your own collections"


class NewCollection(msgspec.Struct, kw_only=True):
    title: str
    kind: str = "playlist"
    description: str = ""
    artist: str = ""
    curator_note: str = ""
    is_public: bool = False
    is_collaborative: bool = False


class CollectionChanges(msgspec.Struct, kw_only=True):
    """What to change; UNSET fields stay as they are."""

    title: str | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType = msgspec.UNSET
    artist: str | msgspec.UnsetType = msgspec.UNSET
    curator_note: str | msgspec.UnsetType = msgspec.UNSET
    is_public: bool | msgspec.UnsetType = msgspec.UNSET
    is_collaborative: bool | msgspec.UnsetType = msgspec.UNSET


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, code=f"collection_{field}_invalid",
                   fields=[FieldError(("body", field), message)])


def _text(field: str, value: str, limit: int, *, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise _invalid(field, f"{field} must not be blank")
    if len(value) > limit:
        raise _invalid(field, f"{field} must have at most {limit} characters")
    return value


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields given, trimmed and within their limits; Invalid names the first that is not."""
    limits = {"title": MAX_TITLE, "description": MAX_TEXT, "artist": MAX_ARTIST,
              "curator_note": MAX_TEXT}
    checked = dict(fields)
    for name, limit in limits.items():
        if name in checked:
            checked[name] = _text(name, checked[name], limit, required=name == "title")
    if "kind" in checked and checked["kind"] not in KINDS:
        raise _invalid("collection_type", "collection_type must be album, playlist or "
                                          "compilation")
    return checked


async def create_collection_as(ctx: Context, principal: Principal, new: NewCollection
                               ) -> CollectionDetail:
    """A new collection of the principal's, pushed live as a new playlist."""
    fields = _checked(msgspec.structs.asdict(new))
    title = fields.pop("title")
    collection = await ctx.store.collections.create(principal.user.id, title, **fields)
    views = await collection_views(ctx, [collection])
    if views:
        await announce_collection(ctx, "created", views[0])
    return await collection_detail(ctx, principal, collection.id)


async def update_collection(ctx: Context, principal: Principal, collection_id: int,
                            changes: CollectionChanges) -> CollectionDetail:
    """Change the given fields of one's collection."""
    fields = _checked({k: v for k, v in msgspec.structs.asdict(changes).items()
                       if v is not msgspec.UNSET})
    access = await owned_collection(ctx, principal, collection_id)
    updated = await ctx.store.collections.update(access.collection.id, **fields)
    await announce_change(ctx, "updated", updated)
    return await collection_detail(ctx, principal, collection_id)


async def delete_collection_by_id(ctx: Context, principal: Principal, collection_id: int
                                  ) -> Collection:
    """Delete one's collection, its entries and its cover art; other posts stay on profiles."""
    access = await owned_collection(ctx, principal, collection_id, DELETE_REFUSED)
    await discard_collection(ctx, access.collection)
    await _drop_cover(ctx, access.collection.image)
    return access.collection


async def _drop_cover(ctx: Context, image: str) -> None:
    """Remove a cover art file this module stored (images chosen elsewhere are left alone)."""
    if image.startswith(f"/media/{COVER_FOLDER}/"):
        await delete_media(ctx, image)


async def set_cover_art(ctx: Context, principal: Principal, collection_id: int, data: bytes
                        ) -> CollectionDetail:
    """A new cover: checked by its bytes, re-encoded (EXIF dropped), stored under the owner's
    name; the previous cover stored here is removed."""
    access = await owned_collection(ctx, principal, collection_id)
    previous = access.collection.image
    url = await save_image(ctx, data, COVER_FOLDER, access.collection.owner_id)
    updated = await ctx.store.collections.update(access.collection.id, image=url)
    if updated is None:  # deleted meanwhile
        await delete_media(ctx, url)
    await announce_change(ctx, "updated", updated)
    if previous != url:
        await _drop_cover(ctx, previous)
    return await collection_detail(ctx, principal, collection_id)
