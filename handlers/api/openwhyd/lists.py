"""Openwhyd lists: a user's tracks (`/u/<id>`, `/<handle>`), one playlist
(`.../playlist/<n>`), likes (`.../likes`), the stream (`/`, `/stream`), hot tracks (`/hot`),
one track with its comments (`/c/<postId>`), and the subscriptions API (follow.py).

Every list speaks the Data Export API (export.py): `format=json|links`, JSONP `callback`,
`limit` (default 20, at most 200), `after`/`before` post-id cursors; public, no sign-in, except
the stream ("Please login first", 401, also to any JSONP request: JSONP is public data only).
Without `format` a browser gets a small HTML page. Unknown users, playlists and posts are 404
`{"error"}`; bad paging values 400.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiohttp import web

from handlers import paging
from handlers.api._input import int_param
from handlers.api.dialect import Handler
from handlers.api.keys import context
from handlers.api.openwhyd import follow
from handlers.api.openwhyd.common import LOGIN_FIRST, MAX_ID, openwhyd
from handlers.api.openwhyd.export import (
    Format,
    html_errors,
    html_list_page,
    read_format,
    render_data,
    render_html,
    render_links,
    viewer,
)
from handlers.api.openwhyd.render import comment_json, post_json
from handlers.context import Context
from handlers.errors import NotFound, Unauthorized
from handlers.identity import accounts
from handlers.identity.auth import Principal
from handlers.social import feeds, hot
from handlers.social.posts_view import PostView
from store.records import User

__all__ = ["setup_routes", "setup_late_routes", "owner_of"]

# feeds.user_posts or feeds.user_likes: (ctx, viewer, user id, cursor) -> a page of posts
UserFeed = Callable[[Context, Principal | None, int, paging.Cursor], Awaitable[list[PostView]]]

WELCOME = """<h1>Openwhyd on Chorus</h1>
<p><a href="/login">Sign in</a> to see the tracks of the people you follow, or browse the
<a href="/hot">hot tracks</a>.</p>"""


def _number(value: str, what: str) -> int:
    """A path id; anything else names nothing (404)."""
    return int_param(value, NotFound(f"{what} not found", code=f"{what.replace(' ', '_')}_not_found"),
                     high=MAX_ID)


async def owner_of(ctx: Context, request: web.Request) -> User:
    """The user a list page is about: `/u/<uid>/...` names an id; `/<handle>/...` names a
    handle, or, when no user has that handle and it is all digits, an id (`/5/likes` is the
    likes of the user with handle "5" if there is one, else of user 5)."""
    info = request.match_info
    if "uid" in info:
        return await accounts.get_user(ctx, _number(info["uid"], "user"))
    handle = info["handle"]
    try:
        return await accounts.get_user_by_handle(ctx, handle)
    except NotFound:
        if not handle.isdigit():
            raise
    return await accounts.get_user(ctx, _number(handle, "user"))


def _cursor(request: web.Request) -> paging.Cursor:
    query = request.query
    return paging.cursor(query.get("limit"), query.get("after"), query.get("before"))


def _answer(fmt: Format, views: list[PostView], title: str, *, noindex: bool = True
            ) -> web.Response:
    if fmt.kind == "links":
        return render_links(v.post for v in views)
    if fmt.kind == "json":
        return render_data([post_json(v) for v in views], fmt)
    return html_list_page(title, views, noindex=noindex)


def _title(user: User, what: str) -> str:
    return f"{user.name or user.username or 'Someone'}'s {what}"


async def _open_user_list(request: web.Request) -> tuple[Format, Context, paging.Cursor, User]:
    """What a user's list reads first, in this order: format, paging, then the owner."""
    fmt, ctx = read_format(request), context(request)
    page = _cursor(request)
    return fmt, ctx, page, await owner_of(ctx, request)


def _user_feed(name: str, feed: UserFeed, what: str) -> Handler:
    """The handler `name`, listing one user's `feed` under the title "<user>'s <what>"."""

    async def user_feed(request: web.Request) -> web.Response:
        fmt, ctx, page, user = await _open_user_list(request)
        posts = await feed(ctx, await viewer(request, fmt), user.id, page)
        return _answer(fmt, posts, _title(user, what))

    user_feed.__name__ = name
    return html_errors(user_feed)


profile = _user_feed("profile", feeds.user_posts, "tracks")  # tracks, playlists included, newest first
likes = _user_feed("likes", feeds.user_likes, "likes")  # the tracks a user likes


@html_errors
async def playlist(request: web.Request) -> web.Response:
    """One playlist's tracks in their set order."""
    fmt, ctx, page, user = await _open_user_list(request)
    number = _number(request.match_info["number"], "playlist")
    views = await feeds.playlist_posts(ctx, await viewer(request, fmt), user.id, number, page)
    return _answer(fmt, views, _title(user, f"playlist {number}"))


@html_errors
async def stream(request: web.Request) -> web.Response:
    """`/` and `/stream`: the signed-in user's stream; a welcome page for signed-out browsers."""
    fmt, ctx = read_format(request), context(request)
    page = _cursor(request)
    principal = await viewer(request, fmt)
    if principal is None:
        if fmt.kind == "html":
            return render_html("Welcome", WELCOME)
        raise Unauthorized(LOGIN_FIRST, code="not_authenticated")
    return _answer(fmt, await feeds.stream(ctx, principal, page), "Your stream", noindex=False)


def _hot_json(track: hot.HotTrack, viewer: int | None) -> dict[str, Any]:
    """A hot track as Openwhyd's `/hot?format=json` lists it (uId/uNm: the first poster)."""
    post, score = track.first.post, track.score
    data: dict[str, Any] = {
        "_id": str(post.id), "pId": str(post.id), "eId": score.eid, "name": post.name,
        "img": post.image, "uId": str(post.user_id), "uNm": track.first.author_name,
        "nbR": score.posts + score.reposts, "nbL": score.likes,
        "score": round(score.score, 4), "trackUrl": f"/c/{post.id}"}
    if track.first.collection is not None:
        data["pl"] = {"id": track.first.collection.number, "name": track.first.collection.title}
    if viewer is not None:
        data["isLoved"] = viewer in track.first.lovers
    return data


@html_errors
async def hot_tracks(request: web.Request) -> web.Response:
    """`/hot`: `{hasMore: {skip} | false, tracks}`; `limit` (20), `skip`, `sinceId`."""
    fmt, ctx, query = read_format(request), context(request), request.query
    page = paging.window(query.get("skip"), query.get("limit"), default_limit=20)
    since = paging.whole_number(query.get("sinceId"), "sinceId")
    result = await hot.hot_tracks(ctx, page, since_post_id=since)
    if fmt.kind == "links":
        return render_links(t.first.post for t in result.tracks)
    if fmt.kind == "html":
        return html_list_page("Hot tracks", [t.first for t in result.tracks])
    principal = await viewer(request, fmt)
    viewer_id = principal.user.id if principal is not None else None
    more = {"skip": page.skip + len(result.tracks)} if result.has_more else False
    return render_data({"hasMore": more,
                        "tracks": [_hot_json(t, viewer_id) for t in result.tracks]}, fmt)


@html_errors
async def post_page(request: web.Request) -> web.Response:
    """`/c/<postId>`: one track with its comments, as `{"data": post}`."""
    fmt, ctx = read_format(request), context(request)
    post_id = _number(request.match_info["post_id"], "post")
    discussion = await feeds.post_with_comments(ctx, await viewer(request, fmt), post_id)
    view = discussion.view
    if fmt.kind == "links":
        return render_links([view.post])
    data = post_json(view)
    if view.comments:
        data["comments"] = [comment_json(c, discussion.commenters) for c in view.comments]
    if fmt.kind == "json":
        return render_data({"data": data}, fmt)
    return html_list_page(view.post.name or "Track", [view],
                          _comments_html(data.get("comments", [])), noindex=True)


def _comments_html(comments: list[dict[str, Any]]) -> str:
    items = [f"<li>{escape(c['uNm'])}: {escape(c['text'])}</li>" for c in comments]
    return "<h2>Comments</h2>\n<ul>\n" + "\n".join(items) + "\n</ul>" if items else ""


def setup_routes(app: web.Application) -> None:
    r = app.router
    follow.setup_routes(app)
    for path in ("/", "/stream"):
        openwhyd.add(r, "GET", path, stream)
    openwhyd.add(r, "GET", "/hot", hot_tracks)
    openwhyd.add(r, "GET", "/c/{post_id}", post_page)
    openwhyd.add(r, "GET", "/u/{uid}", profile)
    openwhyd.add(r, "GET", "/u/{uid}/playlist/{number}", playlist)
    openwhyd.add(r, "GET", "/u/{uid}/likes", likes)


def setup_late_routes(app: web.Application) -> None:
    """Routes that must come after every other (`/<handle>`), registered last by hub.app."""
    r = app.router
    openwhyd.add(r, "GET", "/{handle}", profile)
    openwhyd.add(r, "GET", "/{handle}/playlist/{number}", playlist)
    openwhyd.add(r, "GET", "/{handle}/likes", likes)
