"""Live pushes of the social core (DESIGN §3): posts, feed items, reactions, comments, shares.

Channels: `posts:<author>` carries what happens to an author's posts; `user:#<uid>` (through
`publish_to_user`) carries what concerns that user (feed items from followed users, likes,
comments, mentions, reposts and shares of their posts); `nearby:<geohash5>` carries located
public posts, with the place their author published them with. Every payload has a `type`;
posts are in the dialect-neutral shape of `post_payload`.

A post filed in a private collection is heard only by that collection's owner and
collaborators, each on their user channel: nothing about it goes on `posts:<author>`, to
followers, on `nearby:` or into the hot ranking, and a mention tells only members.
"""

from __future__ import annotations

from typing import Any

import msgspec

from handlers.context import Context
from handlers.social import hot
from handlers.social.collection_access import members
from handlers.social.posts_view import PostView
from store.records import Collection, Comment, Post, User

__all__ = ["post_payload", "person", "comment_payload", "post_created", "post_updated",
           "post_deleted", "post_reacted", "comment_added", "comment_deleted", "mentioned",
           "reposted", "shared"]


def person(user: User) -> dict[str, Any]:
    """Who did something, as pushes name them."""
    return {"id": user.id, "name": user.name or user.username or ""}


def post_payload(view: PostView) -> dict[str, Any]:
    """A post as live clients and RPC callers see it, whatever dialect created it."""
    post, playlist = view.post, view.collection
    return {
        "id": post.id, "user_id": post.user_id, "user_name": view.author_name,
        "link": post.link, "eid": post.eid, "name": post.name, "text": post.text,
        "image": post.image, "tags": view.tags, "ctx": post.ctx,
        "src": {"id": post.src_id, "name": post.src_name or ""} if post.src_id else None,
        "playlist": {"number": playlist.number, "name": playlist.title} if playlist else None,
        "repost_of": post.repost_of, "latitude": post.latitude, "longitude": post.longitude,
        "geohash": post.geohash, "like_count": post.like_count,
        "dislike_count": post.dislike_count, "repost_count": post.repost_count,
        "play_count": post.play_count, "created_at": post.created_at,
        "updated_at": post.updated_at,
    }


def comment_payload(comment: Comment, author: User) -> dict[str, Any]:
    return {"id": comment.id, "post_id": comment.post_id, "user": person(author),
            "text": comment.text, "created_at": comment.created_at}


async def _audience(ctx: Context, collection: Collection | None) -> list[int] | None:
    """None for a post anyone may see; for one filed in a private collection, the users who
    may hear of it (its owner and collaborators)."""
    if collection is None or collection.is_public:
        return None
    return await members(ctx, collection)


async def _post_audience(ctx: Context, post: Post) -> list[int] | None:
    if post.collection_id is None:
        return None
    return await _audience(ctx, await ctx.store.collections.get(post.collection_id))


async def _publish_post_event(ctx: Context, user_id: int, audience: list[int] | None,
                              event: dict[str, Any]) -> None:
    """On `posts:<user_id>`, or to each member of the audience of a private post."""
    if audience is None:
        await ctx.publisher.publish(f"posts:{user_id}", event)
        return
    for member_id in audience:
        await ctx.publisher.publish_to_user(member_id, event)


async def post_created(ctx: Context, view: PostView) -> None:
    """To the author's channel, to each follower as a feed item, and to the post's place; a
    private post only to its collection's members."""
    data = post_payload(view)
    audience = await _audience(ctx, view.collection)
    await _publish_post_event(ctx, view.post.user_id, audience,
                              {"type": "post.created", "post": data})
    if audience is not None:
        return
    feed_item = msgspec.json.encode({"type": "feed.item", "post": data})  # once for everyone
    followers = await ctx.store.follows.follower_ids(view.post.user_id)
    await ctx.publisher.publish_to_users(followers, feed_item)  # one broker call for all
    if view.post.geohash:
        await ctx.publisher.publish(f"nearby:{view.post.geohash[:5]}",
                                    {"type": "post.created", "post": data})
    await hot.refresh_hot(ctx)


async def post_updated(ctx: Context, view: PostView) -> None:
    await _publish_post_event(ctx, view.post.user_id, await _audience(ctx, view.collection),
                              {"type": "post.updated", "post": post_payload(view)})
    await hot.refresh_hot(ctx)  # filing a post into (or out of) a private collection moves it


async def post_deleted(ctx: Context, post: Post) -> None:
    await _publish_post_event(ctx, post.user_id, await _post_audience(ctx, post), {
        "type": "post.deleted", "post": {"id": post.id, "user_id": post.user_id}})
    await hot.refresh_hot(ctx)


async def post_reacted(ctx: Context, view: PostView, actor: User, kind: str) -> None:
    """`kind` is liked, disliked or unliked; the author is told of likes by others."""
    event = {"type": f"post.{kind}", "post_id": view.post.id, "by": person(actor),
             "like_count": view.post.like_count, "dislike_count": view.post.dislike_count}
    await _publish_post_event(ctx, view.post.user_id, await _audience(ctx, view.collection),
                              event)
    if kind == "liked" and actor.id != view.post.user_id:
        await ctx.publisher.publish_to_user(view.post.user_id,
                                            {**event, "post": post_payload(view)})
    await hot.refresh_hot(ctx)


async def comment_added(ctx: Context, view: PostView, comment: Comment, author: User,
                        notify_author: bool) -> None:
    event = {"type": "comment", "post_id": view.post.id,
             "comment": comment_payload(comment, author)}
    await _publish_post_event(ctx, view.post.user_id, await _audience(ctx, view.collection),
                              event)
    if notify_author:
        await ctx.publisher.publish_to_user(view.post.user_id,
                                            {**event, "post": post_payload(view)})


async def comment_deleted(ctx: Context, post: Post, comment: Comment) -> None:
    await _publish_post_event(ctx, post.user_id, await _post_audience(ctx, post), {
        "type": "comment.deleted", "post_id": comment.post_id, "comment_id": comment.id})


async def mentioned(ctx: Context, user_id: int, view: PostView, by: User,
                    comment: Comment | None = None) -> None:
    """Tell `user_id` that `by` named them in a comment (or in the post's text), unless the
    post is private and they are not among its collection's members."""
    audience = await _audience(ctx, view.collection)
    if audience is not None and user_id not in audience:
        return
    event: dict[str, Any] = {"type": "mention", "post_id": view.post.id, "by": person(by),
                             "post": post_payload(view)}
    if comment is not None:
        event["comment"] = comment_payload(comment, by)
    await ctx.publisher.publish_to_user(user_id, event)


async def reposted(ctx: Context, original: PostView, repost: PostView, by: User) -> None:
    event = {"type": "repost", "post_id": original.post.id, "by": person(by),
             "repost": post_payload(repost), "repost_count": original.post.repost_count}
    await _publish_post_event(ctx, original.post.user_id,
                              await _audience(ctx, original.collection), event)
    if by.id != original.post.user_id:
        await ctx.publisher.publish_to_user(original.post.user_id, event)


async def shared(ctx: Context, view: PostView, by: User, user_ids: list[int]) -> None:
    event = {"type": "share", "post_id": view.post.id, "by": person(by),
             "post": post_payload(view)}
    await ctx.publisher.publish_to_users(user_ids, msgspec.json.encode(event))
