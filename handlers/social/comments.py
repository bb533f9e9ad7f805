"""Comments on posts: anyone signed in comments; the commenter or the post's author deletes.

A comment tells the post's author (unless they wrote it) and each user it mentions as
`@[Name](user:<id>)`, on their user channel; the post's channel hears every comment.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.errors import Forbidden, Invalid, NotFound, RateLimited
from handlers.identity.auth import Principal
from handlers.social import post_live
from handlers.social.posts import MAX_TEXT, get_post, mentioned_ids
from handlers.social.posts_view import post_view
from store.records import Comment

__all__ = ["add_comment", "delete_comment", "MIN_COMMENT_DELAY"]

MIN_COMMENT_DELAY = 2.0  # seconds between two comments of one user on one post (Openwhyd's)


async def _check_pace(ctx: Context, principal: Principal, post_id: int) -> None:
    """Openwhyd refuses a comment that follows the same user's last one too quickly."""
    comments = (await ctx.store.posts.comments([post_id]))[post_id]
    last = comments[-1] if comments else None
    if last is not None and last.user_id == principal.user.id \
            and ctx.clock() - last.created_at < MIN_COMMENT_DELAY:
        raise RateLimited("You're commenting too quickly! Please try again in a few seconds.",
                          code="comment_too_fast", retry_after=int(MIN_COMMENT_DELAY))


async def add_comment(ctx: Context, principal: Principal, post_id: int, text: str) -> Comment:
    """Comment on any post; notify its author and the users mentioned."""
    text = (text or "").strip()
    if not text:
        raise Invalid("missing field: text", code="text_missing")
    if len(text) > MAX_TEXT:
        raise Invalid(f"text is too long (at most {MAX_TEXT} characters)", code="text_too_long")
    post = await get_post(ctx, post_id, principal)
    await _check_pace(ctx, principal, post_id)
    comment = await ctx.store.posts.add_comment(post.id, principal.user.id, text)
    view = await post_view(ctx, post)
    mentions = [uid for uid in mentioned_ids(text) if uid != principal.user.id]
    for user_id in mentions:
        if await ctx.store.users.get(user_id) is not None:
            await post_live.mentioned(ctx, user_id, view, principal.user, comment)
    notify_author = post.user_id != principal.user.id and post.user_id not in mentions
    await post_live.comment_added(ctx, view, comment, principal.user, notify_author)
    return comment


async def delete_comment(ctx: Context, principal: Principal, comment_id: int) -> Comment:
    """Delete a comment one wrote, or any comment on one's own post."""
    comment = await ctx.store.posts.get_comment(comment_id)
    if comment is None:
        raise NotFound("comment not found", code="comment_not_found")
    post = await get_post(ctx, comment.post_id, principal)
    if principal.user.id not in (comment.user_id, post.user_id):
        raise Forbidden("you are not allowed to delete this comment",
                        code="comment_foreign")
    if not await ctx.store.posts.delete_comment(comment.id):
        raise NotFound("comment not found", code="comment_not_found")
    await post_live.comment_deleted(ctx, post, comment)
    return comment
