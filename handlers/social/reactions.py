"""Reactions to posts: likes and dislikes, Openwhyd's love toggle, who loved or re-added a
post, play counts, scrobbling and sharing a post with other users, pushed live."""

from __future__ import annotations

from typing import Literal, cast

import msgspec

from handlers.context import Context
from handlers.errors import Conflict, Forbidden, Invalid, NotFound
from handlers.identity.auth import Principal
from handlers.social import post_live
from handlers.social.collection_access import sees_posts_in
from handlers.social.posts import get_post
from handlers.social.posts_view import PostView, post_view
from handlers.social.recipients import check_recipients

__all__ = ["Kind", "Outcome", "LoveToggle", "Person", "react", "unreact", "toggle_love", "lovers",
           "reposters", "count_play", "scrobble", "send_to_users"]

Kind = Literal["like", "dislike"]
# the store's answer to react(): "added", "changed" (the other kind was replaced), "already"
Outcome = Literal["added", "changed", "already"]
_PAST = {"like": "liked", "dislike": "disliked"}


class LoveToggle(msgspec.Struct, kw_only=True):
    loved: bool
    lovers: int
    view: PostView | None = None


class Person(msgspec.Struct, kw_only=True):
    """A user listed beside a post, and whether the viewer follows them."""

    id: int
    name: str
    subscribed: bool


async def react(ctx: Context, principal: Principal, post_id: int, kind: Kind) -> Outcome:
    """Like or dislike a post (replacing the other reaction)."""
    if kind not in _PAST:
        raise Invalid("kind must be like or dislike", code="invalid_reaction")
    await get_post(ctx, post_id, principal)
    outcome = cast(Outcome, await ctx.store.posts.react(post_id, principal.user.id, kind))
    if outcome != "already":
        view = await post_view(ctx, await get_post(ctx, post_id, principal))
        await post_live.post_reacted(ctx, view, principal.user, _PAST[kind])
    return outcome


async def unreact(ctx: Context, principal: Principal, post_id: int) -> str | None:
    """Take back one's like or dislike; the kind removed, or None."""
    await get_post(ctx, post_id, principal)
    removed = await ctx.store.posts.unreact(post_id, principal.user.id)
    if removed is not None:
        view = await post_view(ctx, await get_post(ctx, post_id, principal))
        await post_live.post_reacted(ctx, view, principal.user, f"un{_PAST[removed]}")
    return removed


async def toggle_love(ctx: Context, principal: Principal, post_id: int) -> LoveToggle:
    """Openwhyd's love button: like the post, or take the like back if it was liked."""
    await get_post(ctx, post_id, principal)
    if await ctx.store.posts.reaction(post_id, principal.user.id) == "like":
        await unreact(ctx, principal, post_id)
        post = await get_post(ctx, post_id, principal)
        return LoveToggle(loved=False, lovers=post.like_count)
    await react(ctx, principal, post_id, "like")
    view = await post_view(ctx, await get_post(ctx, post_id, principal))
    return LoveToggle(loved=True, lovers=view.post.like_count, view=view)


async def _people(ctx: Context, viewer: Principal | None, user_ids: list[int]) -> list[Person]:
    user_ids = list(dict.fromkeys(user_ids))
    followed = (await ctx.store.follows.following_among(viewer.user.id, user_ids)
                if viewer is not None else set())
    people = []
    for user_id in user_ids:
        user = await ctx.store.users.get(user_id)
        if user is not None and user.state != "deleted":
            people.append(Person(id=user.id, name=user.name or user.username or "",
                                 subscribed=user.id in followed))
    return people


async def _sees(ctx: Context, viewer: Principal | None, post_id: int) -> bool:
    try:
        await get_post(ctx, post_id, viewer)
    except NotFound:
        return False
    return True


async def lovers(ctx: Context, viewer: Principal | None, post_id: int) -> list[Person]:
    """Who likes the post, in the order they did (empty for a post the viewer may not see)."""
    if not await _sees(ctx, viewer, post_id):
        return []
    return await _people(ctx, viewer, (await ctx.store.posts.lovers([post_id]))[post_id])


async def reposters(ctx: Context, viewer: Principal | None, post_id: int) -> list[Person]:
    """Who re-added the post, first one first (empty as for `lovers`)."""
    if not await _sees(ctx, viewer, post_id):
        return []
    return await _people(ctx, viewer,
                         [p.user_id for p in await ctx.store.posts.reposts_of(post_id)])


async def count_play(ctx: Context, principal: Principal, post_id: int) -> PostView:
    """One more play of the post."""
    await get_post(ctx, post_id, principal)
    post = await ctx.store.posts.incr_play(post_id)
    if post is None:
        raise NotFound("post not found", code="post_not_found")
    return await post_view(ctx, post)


async def scrobble(ctx: Context, principal: Principal, post_id: int,
                   timestamp: float | None = None) -> None:
    """Scrobble a play to Last.fm. Chorus cannot link a Last.fm account yet, so this always
    answers Conflict `lastfm_not_linked` (after checking the post exists)."""
    await get_post(ctx, post_id, principal)
    raise Conflict("no Last.fm account is linked to this account: connect one to scrobble",
                   code="lastfm_not_linked")


async def send_to_users(ctx: Context, principal: Principal, post_id: int,
                        user_ids: list[int]) -> int:
    """Share a post: each listed user is told on their user channel; returns how many."""
    recipients = await check_recipients(ctx, user_ids)
    view = await post_view(ctx, await get_post(ctx, post_id, principal))
    for user_id in recipients:
        if not await sees_posts_in(ctx, await ctx.store.users.get(user_id),
                                   view.post.collection_id):
            raise Forbidden(f"user {user_id} may not see this post: it is in a private "
                            "collection", code="private_post_recipient")
    await post_live.shared(ctx, view, principal.user, recipients)
    return len(recipients)
