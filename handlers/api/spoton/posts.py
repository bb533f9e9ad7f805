"""Spot On posts: create-post, get-user-posts, get-posts, posts/<id>/like and /dislike.

Every route needs a signed-in user (401 "User not authenticated"). Like and dislike answer
HTTP 200 with `"status": "success"` whatever the outcome, "Post not found" included, as the
document shows them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import msgspec
from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api._input import read_struct
from handlers.api.dialect import Handler, json_response
from handlers.api.keys import context
from handlers.api.spoton.base import spoton
from handlers.api.spoton.render import post_json
from handlers.errors import Invalid, NotFound
from handlers.geo import parse_coordinates
from handlers.identity.auth import Principal
from handlers.paging import whole_number
from handlers.social import post_queries, posts, reactions

__all__ = ["setup_routes"]

DESCRIPTION_FAILED = "Failed to fetch content description"
DEFAULT_PAGE_SIZE = 10
GET_POSTS_USAGE = ("Provide post_id, post_link, or start_date and end_date with page_number "
                   "and page_size")


class CreateBody(msgspec.Struct):
    link: str = ""
    image: str | None = None
    comment: str | None = None
    latitude: float | str | None = None
    longitude: float | str | None = None
    tags: list[str] | str | None = None  # labels beside the comment's #hashtags (extension)


class GetPostsBody(msgspec.Struct):
    post_id: int | str | None = None
    post_link: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    page_number: int | str | None = None
    page_size: int | str | None = None


def _labels(tags: list[str] | str | None) -> list[str]:
    if tags is None:
        return []
    return tags.split(",") if isinstance(tags, str) else [str(t) for t in tags]


async def create_post(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await read_struct(request, CreateBody)
    if not body.link.strip():
        raise Invalid("link is required", code="link_missing")
    new = posts.NewPost(link=body.link, text=body.comment or "", image=body.image or "",
                        coordinates=parse_coordinates(body.latitude, body.longitude),
                        labels=_labels(body.tags))
    try:
        view = await posts.create_post(context(request), principal, new)
    except Invalid as err:
        if err.code != "not_music_link":
            raise
        raise Invalid(DESCRIPTION_FAILED, code="content_description_failed") from err
    return json_response({"message": "Post created successfully", "post_id": view.post.id},
                         status=201)


def _int(value: Any, field: str, default: int | None = None) -> int:
    """A whole number from JSON or the query string (`default` when absent)."""
    number = whole_number(value, field, default=default)
    if number is None:
        raise Invalid(f"{field} is required", code="invalid_parameter")
    return number


def _page_json(page: post_queries.PostPage) -> dict[str, Any]:
    return {"posts": [post_json(v, with_content=False) for v in page.views],
            "current_page": page.page, "total_pages": page.pages, "total_posts": page.total}


async def get_user_posts(request: web.Request) -> web.Response:
    """`?user_id=&page_number=&page_size=`; user_id defaults to the caller."""
    principal = await require_principal(request)
    query = request.query
    page = await post_queries.user_posts_page(
        context(request), principal, _int(query.get("user_id"), "user_id", principal.user.id),
        _int(query.get("page_number"), "page_number", 1),
        _int(query.get("page_size"), "page_size", DEFAULT_PAGE_SIZE))
    return json_response(_page_json(page))


def _timestamp(value: str, field: str, *, end: bool = False) -> float:
    """An ISO date (a whole day: its start, or its end for `end_date`) or date-time (UTC
    unless it says otherwise)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment.timestamp() + (86400 - 1e-6 if end else 0)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Invalid(f"{field} must be an ISO date (YYYY-MM-DD) or date-time",
                      code="invalid_date") from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


async def _posts_between(request: web.Request, principal: Principal, body: GetPostsBody
                         ) -> web.Response:
    if body.page_number in (None, "") or body.page_size in (None, ""):
        raise Invalid("page_number and page_size are required with start_date and end_date",
                      code="page_missing")
    page = await post_queries.posts_between(
        context(request), principal, _timestamp(body.start_date or "", "start_date"),
        _timestamp(body.end_date or "", "end_date", end=True),
        _int(body.page_number, "page_number"), _int(body.page_size, "page_size"))
    return json_response({"posts": [post_json(v) for v in page.views]})


async def get_posts(request: web.Request) -> web.Response:
    """One of: post_id (a post), post_link (its posts), or a date range (a page of posts)."""
    principal = await require_principal(request)
    body = await read_struct(request, GetPostsBody)
    ctx = context(request)
    dates = (body.start_date not in (None, ""), body.end_date not in (None, ""))
    given = [body.post_id not in (None, ""), bool(body.post_link), any(dates)]
    if sum(given) != 1 or (any(dates) and not all(dates)):
        raise Invalid(GET_POSTS_USAGE, code="invalid_get_posts")
    if given[0]:
        post_id = _int(body.post_id, "post_id")
        try:
            return json_response(post_json(await post_queries.one_post(ctx, principal, post_id)))
        except NotFound as exc:
            raise NotFound("Post not found", code="post_not_found") from exc
    if given[1]:
        views = await post_queries.posts_of_link(ctx, principal, body.post_link or "")
        return json_response({"posts": [post_json(v) for v in views]})
    return await _posts_between(request, principal, body)


def _reaction_handler(kind: reactions.Kind) -> Handler:
    """The like or dislike route: every outcome is a 200 `{"status": "success", ...}`."""
    answers = {"added": f"Post {kind}d", "changed": f"Post {kind}d",
               "already": f"Post already {kind}d"}

    async def react(request: web.Request) -> web.Response:
        principal = await require_principal(request)
        try:
            post_id = _int(request.match_info["post_id"], "post_id")
            outcome = await reactions.react(context(request), principal, post_id, kind)
        except (Invalid, NotFound):
            return json_response({"status": "success", "message": "Post not found"})
        return json_response({"status": "success", "message": answers[outcome]})

    react.__name__ = f"{kind}_post"
    return react


def setup_routes(app: web.Application) -> None:
    r = app.router
    spoton.add(r, "POST", "/api/create-post", create_post)
    spoton.add(r, "GET", "/api/get-user-posts", get_user_posts)
    spoton.add(r, "POST", "/api/get-posts", get_posts)
    spoton.add(r, "POST", r"/api/posts/{post_id:\d+}/like", _reaction_handler("like"))
    spoton.add(r, "POST", r"/api/posts/{post_id:\d+}/dislike", _reaction_handler("dislike"))
