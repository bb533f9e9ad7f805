"""A post with what every dialect shows beside it (author, lovers, tags, catalog item,
playlist, original of a repost), fetched in a few batched reads for a whole page."""

from __future__ import annotations

import msgspec

from handlers.context import Context
from store.records import CatalogItem, Collection, Comment, Post, User

__all__ = ["RepostOf", "PostView", "post_views", "post_view"]


class RepostOf(msgspec.Struct, frozen=True):
    post_id: int
    user_id: int
    user_name: str


class PostView(msgspec.Struct, kw_only=True):
    post: Post
    author: User | None
    lovers: list[int]
    tags: list[str]
    catalog: CatalogItem | None = None
    collection: Collection | None = None
    repost_of: RepostOf | None = None
    comments: list[Comment] = []

    @property
    def author_name(self) -> str:
        if self.author is None:
            return ""
        return self.author.name or self.author.username or ""


async def _users(ctx: Context, user_ids: set[int]) -> dict[int, User]:
    return await ctx.store.users.many(sorted(user_ids))  # one query: a stream page names ~20


async def post_views(ctx: Context, posts: list[Post], *, with_comments: bool = False
                     ) -> list[PostView]:
    """Views of `posts`, in the same order."""
    ids = [p.id for p in posts]
    lovers = await ctx.store.posts.lovers(ids)
    tags = await ctx.store.posts.tags(ids)
    comments = await ctx.store.posts.comments(ids) if with_comments else {}
    catalog = await ctx.store.catalog.many([p.catalog_id for p in posts if p.catalog_id])
    originals = await ctx.store.posts.many([p.repost_of for p in posts if p.repost_of])
    user_ids = {p.user_id for p in posts} | {o.user_id for o in originals.values()}
    user_ids |= {c.user_id for cs in comments.values() for c in cs}
    users = await _users(ctx, user_ids)
    collections: dict[int, Collection] = {}
    for cid in {p.collection_id for p in posts if p.collection_id}:
        collection = await ctx.store.collections.get(cid)
        if collection is not None:
            collections[cid] = collection
    views = []
    for post in posts:
        original = originals.get(post.repost_of) if post.repost_of else None
        repost = None
        if original is not None:
            owner = users.get(original.user_id)
            repost = RepostOf(post_id=original.id, user_id=original.user_id,
                              user_name=(owner.name or owner.username or "") if owner else "")
        views.append(PostView(
            post=post, author=users.get(post.user_id), lovers=lovers.get(post.id, []),
            tags=tags.get(post.id, []),
            catalog=catalog.get(post.catalog_id) if post.catalog_id else None,
            collection=collections.get(post.collection_id) if post.collection_id else None,
            repost_of=repost, comments=comments.get(post.id, [])))
    return views


async def post_view(ctx: Context, post: Post, *, with_comments: bool = False) -> PostView:
    return (await post_views(ctx, [post], with_comments=with_comments))[0]
