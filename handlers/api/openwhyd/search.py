"""Openwhyd search: `GET /search?q=` with `context=addTrack` (5 tracks other people posted, one
per track, those of people you follow first, `score` 10), `context=quick` (signed in only: your
own tracks, then others'), or the search page: with `format=json` `{q, results: {tracks, posts,
users, playlists}}` (tracks: yours, then those of people you follow, then others'; `posts` is
the same list, as Openwhyd's clients also read it; playlists without tracks are left out, as
Openwhyd does), else a small HTML page with every value escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiohttp import web

from handlers.api._auth import optional_principal
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.openwhyd.common import openwhyd
from handlers.api.openwhyd.playlists import playlist_json
from handlers.api.openwhyd.render import post_json
from handlers.errors import Unauthorized
from handlers.identity.auth import Principal
from handlers.social import search

__all__ = ["setup_routes"]

LOGIN_REQUIRED = "you must be logged in to use that feature"
MAX_QUERY = 200


def _hit_json(hit: search.TrackHit) -> dict[str, Any]:
    """A track as the add-track dialog lists it."""
    post = hit.view.post
    return {"id": str(post.id), "eId": post.eid, "url": post.link, "img": post.image,
            "name": post.name, "uId": str(post.user_id), "uNm": hit.view.author_name,
            "score": 10 if hit.followed else 0}


def _track_json(hit: search.TrackHit, viewer: Principal | None) -> dict[str, Any]:
    mine = viewer is not None and hit.view.post.user_id == viewer.user.id
    return {**post_json(hit.view), "isSubscribed": hit.followed,
            "score": 2 * mine + hit.followed}


def _user_json(hit: search.UserHit) -> dict[str, Any]:
    data: dict[str, Any] = {"_id": str(hit.user.id), "id": str(hit.user.id),
                            "name": hit.user.name or hit.user.username or "",
                            "handle": hit.user.username or "", "img": hit.user.avatar_url,
                            "isSubscribed": hit.followed}
    if hit.last_post is not None:
        data["lastTrack"] = post_json(hit.last_post)
    return data


def _page_json(q: str, found: search.PageResults | None, viewer: Principal | None
               ) -> dict[str, Any]:
    tracks = [_track_json(h, viewer) for h in found.tracks] if found else []
    return {"q": q, "results": {
        "tracks": tracks, "posts": tracks,
        "users": [_user_json(h) for h in found.users] if found else [],
        "playlists": [{**playlist_json(h.view), "isSubscribed": h.followed}
                      for h in found.playlists] if found else []}}


def _items(title: str, rows: list[str]) -> str:
    body = "\n".join(f"<li>{row}</li>" for row in rows) or "<li>No results</li>"
    return f"<h2>{title}</h2>\n<ul>\n{body}\n</ul>"


def _html(q: str, found: search.PageResults | None) -> web.Response:
    sections = ""
    if found is not None:
        tracks = [f'<a href="/c/{h.view.post.id}">{escape(h.view.post.name)}</a> '
                  f"by {escape(h.view.author_name)}" for h in found.tracks]
        users = [f'<a href="/u/{h.user.id}">{escape(h.user.name or h.user.username or "")}</a>'
                 for h in found.users]
        lists = [f'<a href="/u/{h.view.collection.owner_id}/playlist/{h.view.collection.number}">'
                 f"{escape(h.view.collection.title)}</a> by {escape(h.view.owner_name)} "
                 f"({h.view.track_count} tracks)" for h in found.playlists]
        sections = "\n".join((_items("Tracks", tracks), _items("People", users),
                              _items("Playlists", lists)))
    html = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>Search - Openwhyd</title></head>\n<body>\n<h1>Search</h1>\n"
            f'<form method="get" action="/search"><input type="search" name="q" '
            f'value="{escape(q)}"><button type="submit">Search</button></form>\n'
            f"{sections}\n</body></html>\n")
    return web.Response(text=html, content_type="text/html", charset="utf-8")


async def search_page(request: web.Request) -> web.Response:
    """GET /search: the add-track list, the quick list or the search page."""
    ctx, query = context(request), request.query
    q = query.get("q", "").strip()[:MAX_QUERY]
    kind, viewer = query.get("context", ""), await optional_principal(request)
    if kind == "addTrack":
        hits = await search.tracks_to_add(ctx, viewer, q) if q else []
        return json_response([_hit_json(h) for h in hits])
    if kind == "quick":
        if viewer is None:
            raise Unauthorized(LOGIN_REQUIRED, code="login_required")
        quick = await search.quick_search(ctx, viewer, q) if q else None
        return json_response({"q": q, "results": {
            "myPosts": [_hit_json(h) for h in quick.mine] if quick else [],
            "theirPosts": [_hit_json(h) for h in quick.theirs] if quick else []}})
    found = await search.search_page(ctx, viewer, q) if q else None
    if query.get("format") == "json":
        return json_response(_page_json(q, found, viewer))
    return _html(q, found)


def setup_routes(app: web.Application) -> None:
    openwhyd.add(app.router, "GET", "/search", search_page)
