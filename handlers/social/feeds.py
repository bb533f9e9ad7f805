"""Lists of posts: a user's stream (the people they follow, and themselves), a user's posts, one
of their playlists, their likes, and a single post with its comments.

Lists are newest first and paged by post id (handlers.paging.Cursor: `after` = older than that
post, `before` = newer), as Openwhyd pages them; a playlist keeps its set order instead.
Posts are public, so only the stream needs a signed-in user, and a private playlist's
owner or collaborators to list it.
"""

from __future__ import annotations

import msgspec

from handlers.context import Context
from handlers.identity.accounts import get_user
from handlers.identity.auth import Principal
from handlers.paging import Cursor
from handlers.social.collection_access import viewer_id
from handlers.social.collections import CollectionRef, get_collection
from handlers.social.posts import get_post
from handlers.social.posts_view import PostView, post_view, post_views
from store.records import Post, User

__all__ = ["Discussion", "stream", "user_posts", "playlist_posts", "user_likes", "post_with_comments",
           "last_artists"]


async def stream(ctx: Context, principal: Principal, page: Cursor) -> list[PostView]:
    """Posts of the people the caller follows and the caller's own, newest first."""
    user_ids = [*await ctx.store.follows.followee_ids(principal.user.id), principal.user.id]
    posts = await ctx.store.posts.page(user_ids=user_ids, after=page.after, before=page.before,
                                       limit=page.limit, viewer_id=principal.user.id)
    return await post_views(ctx, posts)


async def user_posts(ctx: Context, viewer: Principal | None, user_id: int, page: Cursor
                     ) -> list[PostView]:
    """Everything `user_id` posted (playlists included, private ones only for those who may see
    them), newest first, one cursor page at a time."""
    await get_user(ctx, user_id)
    posts = await ctx.store.posts.page(user_ids=[user_id], after=page.after, before=page.before,
                                       limit=page.limit, viewer_id=viewer_id(viewer))
    return await post_views(ctx, posts)


def _slice(posts: list[Post], page: Cursor) -> list[Post]:
    """A page of an ordered list: after the post `after`, or up to the post `before`."""
    ids = [p.id for p in posts]
    if page.after is not None:
        posts = posts[ids.index(page.after) + 1:] if page.after in ids else []
    elif page.before is not None:
        posts = posts[:ids.index(page.before)] if page.before in ids else []
    return posts[:page.limit]


async def playlist_posts(ctx: Context, viewer: Principal | None, user_id: int, number: int,
                         page: Cursor) -> list[PostView]:
    """The tracks of `user_id`'s playlist `number`, in the order set; a private playlist is its
    owner's and collaborators' only (NotFound for anyone else)."""
    await get_user(ctx, user_id)
    view = await get_collection(ctx, viewer, CollectionRef(user_id, number))
    posts = await ctx.store.posts.in_collection(view.collection.id)
    return await post_views(ctx, _slice(posts, page))


async def user_likes(ctx: Context, viewer: Principal | None, user_id: int, page: Cursor
                     ) -> list[PostView]:
    """Posts `user_id` likes that the viewer may see, newest post first."""
    await get_user(ctx, user_id)
    posts = await ctx.store.posts.liked_by(user_id, after=page.after, before=page.before,
                                           limit=page.limit, viewer_id=viewer_id(viewer))
    return await post_views(ctx, posts)


class Discussion(msgspec.Struct, kw_only=True):
    """A post with its comments (in `view.comments`) and everyone who wrote them."""

    view: PostView
    commenters: dict[int, User]


async def post_with_comments(ctx: Context, viewer: Principal | None, post_id: int
                             ) -> Discussion:
    """One post the viewer may see with its comments, oldest comment first."""
    view = await post_view(ctx, await get_post(ctx, post_id, viewer), with_comments=True)
    commenters = await ctx.store.users.many(sorted({c.user_id for c in view.comments}))
    return Discussion(view=view, commenters=commenters)


async def last_artists(ctx: Context, viewer: Principal | None, user_id: int, posts: int = 20,
                       limit: int = 10) -> list[str]:
    """Artist names from the user's last posts the viewer may see, most recent first, each once
    (Openwhyd's lastArtists)."""
    recent = await ctx.store.posts.page(user_ids=[user_id], limit=posts,
                                        viewer_id=viewer_id(viewer))
    items = await ctx.store.catalog.many([p.catalog_id for p in recent if p.catalog_id])
    names: dict[str, None] = {}
    for post in recent:
        item = items.get(post.catalog_id) if post.catalog_id else None
        for name in (item.artist_names if item else []):
            names.setdefault(name, None)
    return list(names)[:limit]
