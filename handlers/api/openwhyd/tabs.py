"""The other tabs of an Openwhyd profile: `/me` (the signed-in user's own page), a user's
playlists (`/u/<id>/playlists`, `/<handle>/playlists`) and subscribers and subscriptions
(`.../subscribers`, `.../subscriptions`).

`/me` answers 307 to `/<handle>` (or `/u/<id>` for a user without one), keeping the list
parameters, as Openwhyd does; signed out, it is 401 "Please login first".

Playlists come as `format=json` (an array of `{id, name, url, nbTracks, img}`, the first made
first), JSONP with `callback`, `format=list` (an HTML fragment of links, one per playlist) or,
by default, a page. A private playlist is listed to its owner only.

Subscribers and subscriptions page by `after` (how many to skip, as in Openwhyd: a bad value
starts at 0) and `limit` (50 by default, a bad value too); JSON is an array of
`{id, name, handle?, img, url, subscribed?}` (`subscribed`: the signed-in viewer follows them).
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from handlers import paging
from handlers.api._auth import optional_principal
from handlers.api.keys import context
from handlers.api.openwhyd.common import LOGIN_FIRST, openwhyd
from handlers.api.openwhyd.export import html_errors, read_format, render_data, render_html
from handlers.api.openwhyd.lists import owner_of
from handlers.api.openwhyd.render import playlist_entry
from handlers.errors import Unauthorized
from handlers.social import collections, follows
from store.records import User

__all__ = ["setup_routes", "setup_late_routes"]

# what `/me` passes on to the page it sends to (Openwhyd's list)
KEPT_PARAMS = ("after", "before", "embedW", "format", "limit", "wholePage", "callback")
SUBSCRIPTIONS_PAGE = 50


def _user_url(user: User) -> str:
    return f"/{user.username}" if user.username else f"/u/{user.id}"


def _display_name(user: User) -> str:
    return user.name or user.username or "Someone"


@html_errors
async def me(request: web.Request) -> web.Response:
    """`/me`: 307 to the signed-in user's own page, with the list parameters."""
    read_format(request)
    principal = await optional_principal(request)
    if principal is None:
        raise Unauthorized(LOGIN_FIRST, code="not_authenticated")
    kept = {k: v for k in KEPT_PARAMS if (v := request.query.get(k))}
    target = _user_url(principal.user) + (f"?{urlencode(kept)}" if kept else "")
    return web.Response(status=307, headers={"Location": target})


def _list_fragment(entries: list[dict[str, Any]]) -> str:
    items = [f'<li><a href="{escape(e["url"])}">{escape(e["name"])}</a> '
             f'({e["nbTracks"]} tracks)</li>' for e in entries]
    return "<ul>\n" + "\n".join(items) + "\n</ul>" if items else "<p>No playlists yet.</p>"


@html_errors
async def playlists(request: web.Request) -> web.Response:
    """A user's playlists as JSON, JSONP, `format=list` or a page."""
    fmt, ctx = read_format(request), context(request)
    user = await owner_of(ctx, request)
    viewer = None if fmt.callback is not None else await optional_principal(request)
    entries = [playlist_entry(v) for v in
               await collections.user_collections(ctx, viewer, user.id)]
    if fmt.kind == "json":
        return render_data(entries, fmt)
    if request.query.get("format", "").strip().lower() == "list":
        return web.Response(text=_list_fragment(entries), content_type="text/html",
                            charset="utf-8")
    title = f"Playlists by {_display_name(user)}"
    return render_html(title, f"<h1>{escape(title)}</h1>\n{_list_fragment(entries)}",
                       noindex=True)


def _person(entry: follows.FollowEntry) -> dict[str, Any]:
    user = entry.user
    data: dict[str, Any] = {"id": str(user.id), "name": user.name or user.username or ""}
    if user.username:
        data["handle"] = user.username
    data.update(img=user.avatar_url or f"/uAvatarImg/{user.id}", url=f"/u/{user.id}")
    if entry.is_subscribing is not None:
        data["subscribed"] = entry.is_subscribing
    return data


def _people_page(title: str, people: list[dict[str, Any]], more: str | None) -> web.Response:
    items = [f'<li><a href="{escape(p["url"])}">{escape(p["name"])}</a></li>' for p in people]
    listing = "<ul>\n" + "\n".join(items) + "\n</ul>" if items else "<p>Nobody yet.</p>"
    link = f'\n<p><a href="{escape(more)}">More</a></p>' if more else ""
    return render_html(title, f"<h1>{escape(title)}</h1>\n{listing}{link}", noindex=True)


def _people(direction: str):  # type: ignore[no-untyped-def]
    """The subscribers (`followers`) or subscriptions (`following`) tab."""
    list_of = follows.followers_of if direction == "followers" else follows.following_of
    what = "followers" if direction == "followers" else "following"

    @html_errors
    async def people(request: web.Request) -> web.Response:
        fmt, ctx, query = read_format(request), context(request), request.query
        page = paging.lenient_window(query.get("after"), query.get("limit"),
                                     default_limit=SUBSCRIPTIONS_PAGE)
        user = await owner_of(ctx, request)
        viewer = None if fmt.callback is not None else await optional_principal(request)
        entries = await list_of(ctx, user.id, page, viewer=viewer, flags=viewer is not None)
        found = [_person(e) for e in entries]
        if fmt.kind == "json":
            return render_data(found, fmt)
        more = (f"{request.path}?{urlencode({'after': page.skip + page.limit})}"
                if len(found) == page.limit else None)
        return _people_page(f"{_display_name(user)}'s {what}", found, more)

    people.__name__ = f"{direction}_tab"
    return people


subscribers = _people("followers")
subscriptions = _people("following")


def setup_routes(app: web.Application) -> None:
    r = app.router
    openwhyd.add(r, "GET", "/me", me)
    openwhyd.add(r, "GET", "/u/{uid}/playlists", playlists)
    openwhyd.add(r, "GET", "/u/{uid}/subscribers", subscribers)
    openwhyd.add(r, "GET", "/u/{uid}/subscriptions", subscriptions)


def setup_late_routes(app: web.Application) -> None:
    """`/<handle>/...` tabs, after every other route (DESIGN §9)."""
    r = app.router
    openwhyd.add(r, "GET", "/{handle}/playlists", playlists)
    openwhyd.add(r, "GET", "/{handle}/subscribers", subscribers)
    openwhyd.add(r, "GET", "/{handle}/subscriptions", subscriptions)
