"""Posts: create, repost, edit and delete, with their tags, place and playlist, pushed live.

Every posted link goes through the catalog (handlers/catalog/items.py), so the post carries the
canonical URL, the Openwhyd eId and the catalog item every dialect describes it with. Tags are
the `#hashtags` of the text plus labels the client gives (Spot On); only a post's author edits
or deletes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from handlers.catalog import items
from handlers.context import Context
from handlers.errors import Forbidden, Invalid, NotFound
from handlers.geo import geohash
from handlers.identity.auth import Principal
from handlers.social import post_live
from handlers.social.collection_access import sees_posts_in
from handlers.social.posts_view import PostView, post_view
from store.records import CatalogItem, Post

__all__ = ["PlaylistRef", "Source", "NewPost", "PostChanges", "get_post", "post_not_found",
           "create_post",
           "repost", "edit_post", "delete_post", "hashtags", "mentioned_ids",
           "MAX_TEXT", "MAX_NAME"]

MAX_TEXT = 10_000
MAX_NAME = 500
MAX_URL = 2048
MAX_CTX = 50
MAX_TAGS = 30
MAX_MENTIONS = 10
HASHTAG_RE = re.compile(r"(?<![\w&/#])#(\w[\w-]{0,49})")
MENTION_RE = re.compile(r"@\[([^\]]*)\]\(user:(\d{1,18})\)")


class PlaylistRef(msgspec.Struct, frozen=True):
    """Where a post is filed: the author's playlist `number`, or a new one named `name`."""

    number: int | None = None
    create: bool = False
    name: str = ""


class Source(msgspec.Struct, frozen=True):
    """The page a track was found on (Openwhyd's `src`)."""

    id: str
    name: str = ""


class NewPost(msgspec.Struct, kw_only=True):
    """A new post: a music `link` or an Openwhyd `eid` (with the track's `name`)."""

    link: str | None = None
    eid: str | None = None
    name: str = ""
    text: str = ""
    image: str = ""
    coordinates: tuple[float, float] | None = None
    ctx: str | None = None
    src: Source | None = None
    playlist: PlaylistRef | None = None
    labels: list[str] = []


class PostChanges(msgspec.Struct, kw_only=True):
    """An edit: UNSET fields stay as they are; `playlist=None` takes the post out of any."""

    link: str | UnsetType = UNSET
    eid: str | UnsetType = UNSET
    name: str | UnsetType = UNSET
    text: str | UnsetType = UNSET
    image: str | UnsetType = UNSET
    ctx: str | None | UnsetType = UNSET
    src: Source | None | UnsetType = UNSET
    playlist: PlaylistRef | None | UnsetType = UNSET
    coordinates: tuple[float, float] | None | UnsetType = UNSET


def hashtags(text: str) -> list[str]:
    """`#word` tags of a text, lower-cased, first occurrence first."""
    return list(dict.fromkeys(m.lower() for m in HASHTAG_RE.findall(text or "")))


def mentioned_ids(text: str) -> list[int]:
    """User ids named as `@[Name](user:<id>)`, in order, at most MAX_MENTIONS."""
    return list(dict.fromkeys(int(uid) for _, uid in MENTION_RE.findall(text or "")))[
        :MAX_MENTIONS]


def _tags(text: str, labels: Iterable[str]) -> list[str]:
    cleaned = [label.strip().lstrip("#").lower() for label in labels]
    return list(dict.fromkeys([*hashtags(text), *(c for c in cleaned if c)]))[:MAX_TAGS]


def _check_length(value: str, limit: int, field: str) -> str:
    if len(value) > limit:
        raise Invalid(f"{field} is too long (at most {limit} characters)",
                      code=f"{field.replace(' ', '_')}_too_long")
    return value


def _check_image(image: str) -> str:
    image = image.strip()
    _check_length(image, MAX_URL, "image")
    if image and not (image.startswith(("http://", "https://", "//", "/"))):
        raise Invalid("image must be an http(s) URL", code="invalid_image")
    return image


def post_not_found() -> NotFound:
    return NotFound("post not found", code="post_not_found")


async def get_post(ctx: Context, post_id: int, viewer: Principal | None) -> Post:
    """The post if `viewer` (None: signed out) may see it; one filed in a private collection is
    NotFound to all but its owner, collaborators and admins (collection_access.sees_posts_in)."""
    post = await ctx.store.posts.get(post_id)
    if post is None or not await sees_posts_in(ctx, viewer.user if viewer else None,
                                               post.collection_id):
        raise post_not_found()
    return post


async def _own_post(ctx: Context, principal: Principal, post_id: int, verb: str) -> Post:
    """The post if `principal` wrote it; Forbidden `<verb>_foreign_post` otherwise."""
    post = await get_post(ctx, post_id, principal)
    if post.user_id != principal.user.id:
        raise Forbidden(f"{verb} another user's post is not allowed",
                        code=f"{verb}_foreign_post")
    return post


async def _item(ctx: Context, link: str | None, eid: str | None, name: str) -> CatalogItem:
    """The catalog item of the link (or eId); Invalid when neither is given."""
    if link and link.strip():
        return await items.catalog_item_for(ctx, _check_length(link.strip(), MAX_URL, "link"))
    if eid and eid.strip():
        return await items.catalog_item_for_eid(ctx, eid.strip(), name=name)
    raise Invalid("link is required", code="link_missing")


async def _collection_id(ctx: Context, owner_id: int, ref: PlaylistRef | None) -> int | None:
    """The collection a post goes into, creating it for `create` (checked before anything)."""
    if ref is None:
        return None
    if ref.create:
        title = _check_length(ref.name.strip(), MAX_NAME, "playlist name")
        if not title:
            raise Invalid("playlist name is required", code="playlist_name_missing")
        return (await ctx.store.collections.create(owner_id, title)).id
    if ref.number is None or ref.number < 0:
        return None
    found = await ctx.store.collections.by_number(owner_id, ref.number)
    if found is None:
        raise NotFound("playlist not found", code="playlist_not_found")
    return found.id


def _place(coordinates: tuple[float, float] | None) -> dict[str, Any]:
    if coordinates is None:
        return {"latitude": None, "longitude": None, "geohash": None}
    lat, lon = coordinates
    return {"latitude": lat, "longitude": lon, "geohash": geohash(lat, lon, 5)}


def _source(src: Source | None) -> dict[str, Any]:
    if src is None or not src.id.strip():
        return {"src_id": None, "src_name": None}
    return {"src_id": _check_length(src.id.strip(), MAX_URL, "src"),
            "src_name": _check_length(src.name.strip(), MAX_NAME, "src")}


async def _notify_mentions(ctx: Context, view: PostView, principal: Principal,
                           text: str, skip: Iterable[int] = ()) -> None:
    for user_id in mentioned_ids(text):
        if user_id != principal.user.id and user_id not in skip \
                and await ctx.store.users.get(user_id) is not None:
            await post_live.mentioned(ctx, user_id, view, principal.user)


async def create_post(ctx: Context, principal: Principal, new: NewPost) -> PostView:
    """Post a link (or eId): catalogued, tagged, placed, filed, then pushed live."""
    text = _check_length(new.text.strip(), MAX_TEXT, "text")
    name = _check_length(new.name.strip(), MAX_NAME, "name")
    image = _check_image(new.image)
    source = _source(new.src)
    context = _check_length((new.ctx or "").strip(), MAX_CTX, "ctx") or None
    item = await _item(ctx, new.link, new.eid, name)
    async with ctx.store.transaction():  # a playlist created for the post goes with it
        collection_id = await _collection_id(ctx, principal.user.id, new.playlist)
        post = await ctx.store.posts.create(
            user_id=principal.user.id, link=item.url, eid=item.eid,
            tags=_tags(text, new.labels), catalog_id=item.id,
            name=name or item.name or item.description, text=text, image=image or item.image,
            ctx=context, collection_id=collection_id, **source, **_place(new.coordinates))
    view = await post_view(ctx, post)
    await post_live.post_created(ctx, view)
    await _notify_mentions(ctx, view, principal, text)
    return view


async def repost(ctx: Context, principal: Principal, post_id: int, *, text: str = "",
                 ctx_name: str | None = None, playlist: PlaylistRef | None = None) -> PostView:
    """Re-add someone's (or one's own) post: its track, name and image, none of its counters;
    the original gains a repost when the reposter is someone else."""
    original = await get_post(ctx, post_id, principal)
    text = _check_length(text.strip(), MAX_TEXT, "text")
    context = _check_length((ctx_name or "").strip(), MAX_CTX, "ctx") or None
    async with ctx.store.transaction():
        collection_id = await _collection_id(ctx, principal.user.id, playlist)
        post = await ctx.store.posts.create(
            user_id=principal.user.id, link=original.link, eid=original.eid,
            tags=hashtags(text), count_repost=original.user_id != principal.user.id,
            catalog_id=original.catalog_id, name=original.name, text=text,
            image=original.image, ctx=context, collection_id=collection_id,
            repost_of=original.id)
    view = await post_view(ctx, post)
    await post_live.post_created(ctx, view)
    await post_live.reposted(ctx, await post_view(ctx, await get_post(ctx, original.id, principal)),
                             view,
                             principal.user)
    await _notify_mentions(ctx, view, principal, text)
    return view


async def _edited_fields(ctx: Context, post: Post, changes: PostChanges) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if changes.name is not UNSET:
        fields["name"] = _check_length(changes.name.strip(), MAX_NAME, "name") or post.name
    if changes.text is not UNSET:
        fields["text"] = _check_length(changes.text.strip(), MAX_TEXT, "text")
    if changes.image is not UNSET:
        fields["image"] = _check_image(changes.image)
    if changes.ctx is not UNSET:
        fields["ctx"] = _check_length((changes.ctx or "").strip(), MAX_CTX, "ctx") or None
    if changes.src is not UNSET:
        fields.update(_source(changes.src))
    if changes.coordinates is not UNSET:
        fields.update(_place(changes.coordinates))
    link = changes.link if changes.link is not UNSET else None
    eid = changes.eid if changes.eid is not UNSET else None
    if (link and link.strip() != post.link) or (eid and eid.strip() != post.eid):
        item = await _item(ctx, link, eid, fields.get("name", post.name))
        fields.update(link=item.url, eid=item.eid, catalog_id=item.id)
    return fields


async def edit_post(ctx: Context, principal: Principal, post_id: int,
                    changes: PostChanges) -> PostView:
    """Change one's own post; the tags follow a new text (labels stay)."""
    post = await _own_post(ctx, principal, post_id, "updating")
    fields = await _edited_fields(ctx, post, changes)
    tags = None
    if "text" in fields:
        old_tags = (await ctx.store.posts.tags([post.id]))[post.id]
        labels = [t for t in old_tags if t.lower() not in hashtags(post.text)]
        tags = _tags(fields["text"], labels)
    async with ctx.store.transaction():
        if changes.playlist is not UNSET:
            fields["collection_id"] = await _collection_id(ctx, principal.user.id,
                                                           changes.playlist)
            if fields["collection_id"] != post.collection_id:
                fields["track_order"] = None
        updated = await ctx.store.posts.update(post.id, tags=tags, **fields)
    if updated is None:
        raise NotFound("post not found", code="post_not_found")
    view = await post_view(ctx, updated)
    await post_live.post_updated(ctx, view)
    if "text" in fields:
        await _notify_mentions(ctx, view, principal, fields["text"],
                               skip=mentioned_ids(post.text))
    return view


async def delete_post(ctx: Context, principal: Principal, post_id: int) -> Post:
    """Delete one's own post (its reactions, comments and tags go with it)."""
    post = await _own_post(ctx, principal, post_id, "deleting")
    await ctx.store.posts.delete(post.id)
    await post_live.post_deleted(ctx, post)
    return post
