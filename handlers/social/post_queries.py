"""Reading posts by numbered pages: one user's posts, posts of a link, posts between dates."""

from __future__ import annotations

import math

import msgspec

from handlers.catalog import links
from handlers.context import Context
from handlers.errors import Invalid, NotFound
from handlers.identity.auth import Principal
from handlers.social.collection_access import viewer_id
from handlers.social.posts import get_post
from handlers.social.posts_view import PostView, post_view, post_views

__all__ = ["PostPage", "check_page", "one_post", "user_posts_page", "posts_of_link",
           "posts_between", "MAX_PAGE_SIZE"]

MAX_PAGE_SIZE = 100
MAX_LINK_POSTS = 100


class PostPage(msgspec.Struct, kw_only=True):
    views: list[PostView]
    page: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.size) if self.total else 0


def check_page(page: int, size: int) -> tuple[int, int]:
    """Pages count from 1; a page holds 1 to MAX_PAGE_SIZE posts."""
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise Invalid(f"page_number must be at least 1 and page_size between 1 and "
                      f"{MAX_PAGE_SIZE}", code="invalid_page")
    return page, size


async def one_post(ctx: Context, viewer: Principal | None, post_id: int) -> PostView:
    return await post_view(ctx, await get_post(ctx, post_id, viewer))


async def user_posts_page(ctx: Context, viewer: Principal | None, user_id: int, page: int,
                          size: int) -> PostPage:
    """A user's posts that the viewer may see, newest first, as numbered page `page` of `size`
    posts with their total."""
    page, size = check_page(page, size)
    user = await ctx.store.users.get(user_id)
    if user is None or user.state == "deleted":
        raise NotFound("User not found", code="user_not_found")
    seen = viewer_id(viewer)
    posts = await ctx.store.posts.by_user(user_id, offset=(page - 1) * size, limit=size,
                                          viewer_id=seen)
    return PostPage(views=await post_views(ctx, posts), page=page, size=size,
                    total=await ctx.store.posts.count_by_user(user_id, viewer_id=seen))


def _canonical(link: str) -> str | None:
    """The URL the catalog files the link under, or None when it is not a music link."""
    try:
        return links.parse_link(link).url
    except Invalid:
        return None


async def posts_of_link(ctx: Context, viewer: Principal | None, link: str) -> list[PostView]:
    """Every post of a music link (however the link is spelled) that the viewer may see,
    newest first."""
    link = link.strip()
    if not link:
        raise Invalid("post_link is required", code="link_missing")
    seen = viewer_id(viewer)
    found = {p.id: p for p in await ctx.store.posts.by_link(link, MAX_LINK_POSTS,
                                                            viewer_id=seen)}
    canonical = _canonical(link)
    if canonical and canonical != link:
        found.update({p.id: p for p in await ctx.store.posts.by_link(
            canonical, MAX_LINK_POSTS, viewer_id=seen)})
    posts = sorted(found.values(), key=lambda p: p.id, reverse=True)[:MAX_LINK_POSTS]
    return await post_views(ctx, posts)


async def posts_between(ctx: Context, viewer: Principal | None, start: float, end: float,
                        page: int, size: int) -> PostPage:
    """Posts created in [start, end] that the viewer may see, newest first, page `page` of
    `size`."""
    page, size = check_page(page, size)
    if end < start:
        raise Invalid("end_date must not be before start_date", code="invalid_date_range")
    posts, total = await ctx.store.posts.by_date(start, end, offset=(page - 1) * size,
                                                 limit=size, viewer_id=viewer_id(viewer))
    return PostPage(views=await post_views(ctx, posts), page=page, size=size, total=total)
