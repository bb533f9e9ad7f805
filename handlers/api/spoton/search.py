"""Spot On search and most-shared-nearby-things.

`GET /api/search?search=&page=&page_size=` is public: one page (default 1, of 10; at most 100)
of catalog contents and of profiles, with the total of each; a bad page or page size, or no
search text, is 400 `{"error"}`. `GET /api/most-shared-nearby-things` needs a signed-in user
(401 "User not authenticated"): links posted within `radius` km (at most 500), most shared
first, one post object per link with its `share_count`; any bad latitude, longitude, radius,
page or size (default page 1 of 10) is 400 with the document's exact message.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api._input import int_param
from handlers.api.by_parameter import share
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.spoton.base import spoton
from handlers.api.spoton.render import post_json
from handlers.errors import Invalid
from handlers.social import search
from store.records import CatalogItem, User

__all__ = ["setup_routes", "content_json", "profile_json"]

DEFAULT_PAGE_SIZE = 10
MAX_NUMBER = 10**12 - 1  # twelve digits
NEARBY_INPUT_ERROR = "Invalid input for latitude, longitude, radius, page, or size."
SONG_KINDS = frozenset({"track", "episode", "video", "audio"})


def _int(value: str | None, field: str, default: int) -> int:
    return int_param(value, Invalid(f"{field} must be a whole number", code=f"invalid_{field}"),
                     default=default, low=-MAX_NUMBER, high=MAX_NUMBER)


def content_json(item: CatalogItem) -> dict[str, Any]:
    return {"id": item.id, "link": item.url, "description": item.description or item.name,
            "content_type": item.kind, "artist_names": item.artist_names,
            "playlist_name": item.playlist_name, "album_name": item.album_name,
            "song_name": item.name if item.kind in SONG_KINDS else "",
            "genres": item.genres, "ai_description": item.ai_description,
            "lyrics": item.lyrics}


def profile_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "user_id": user.id, "name": user.name, "surname": user.surname,
            "labels": [label.strip() for label in user.labels.split(",") if label.strip()],
            "username": user.username or ""}


async def search_posts(request: web.Request) -> web.Response:
    query = request.query
    results = await search.search_contents(
        context(request), query.get("search", ""), _int(query.get("page"), "page", 1),
        _int(query.get("page_size"), "page_size", DEFAULT_PAGE_SIZE))
    return json_response({
        "content_results_count": results.content_total,
        "profile_results_count": results.profile_total,
        "page": results.page, "page_size": results.page_size,
        "contents": [content_json(c) for c in results.contents],
        "profiles": [profile_json(u) for u in results.profiles]})


def _float(value: str | None) -> float:
    if value is None:
        raise Invalid(NEARBY_INPUT_ERROR, code="invalid_nearby_input")
    try:
        return float(value)
    except ValueError as exc:
        raise Invalid(NEARBY_INPUT_ERROR, code="invalid_nearby_input") from exc


async def most_shared_nearby_things(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = request.query
    try:
        found = await search.most_shared_nearby(
            context(request), principal, _float(query.get("latitude")), _float(query.get("longitude")),
            _float(query.get("radius")), _int(query.get("page"), "page", 1),
            _int(query.get("size"), "size", DEFAULT_PAGE_SIZE))
    except Invalid as exc:
        raise Invalid(NEARBY_INPUT_ERROR, code="invalid_nearby_input") from exc
    return json_response({
        "songs": [{**post_json(t.view), "share_count": t.shares} for t in found.things],
        "pagination": {"page": found.page, "size": found.size,
                       "total_pages": found.total_pages, "total_songs": found.total}})


def setup_routes(app: web.Application) -> None:
    # shared with Spotizerr's `/api/search?q=` (handlers.api.by_parameter): `search` is ours
    share(app, "GET", "/api/search", spoton, search_posts, ("search",), default=True)
    spoton.add(app.router, "GET", "/api/most-shared-nearby-things", most_shared_nearby_things)
