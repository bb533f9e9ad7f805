"""Spotizerr's metadata routes: track/album/playlist/artist info and `GET /api/search/`,
answered from the music catalog (Spotify when configured, else Chorus's local catalog) in
the Spotify Web API object shapes Spotizerr's UI reads."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api.by_parameter import share
from handlers.api.dialect import Handler, json_response
from handlers.api.keys import context
from handlers.api.spotizerr.base import spotizerr
from handlers.api.spotizerr.objects import (
    album_json,
    artist_json,
    playlist_item,
    playlist_json,
    track_json,
)
from handlers.api.spotizerr.params import query_flag, query_int
from handlers.catalog.browse import search_catalog
from handlers.catalog.factory import catalog_for
from handlers.errors import FieldError, Invalid

__all__ = ["setup_catalog_routes"]

MAX_LIMIT = 50
MAX_OFFSET = 10_000


def _required_id(request: web.Request) -> str:
    value = request.query.get("id", "").strip()
    if not value:
        raise Invalid("Missing parameter: id", code="validation",
                      fields=[FieldError(("query", "id"), "field required", "missing")])
    return value


async def track_info(request: web.Request) -> web.Response:
    await require_principal(request)
    track = await catalog_for(context(request)).track(_required_id(request))
    return json_response(track_json(track))


def _page(request: web.Request, default_limit: int) -> tuple[int, int]:
    """`limit` and `offset` within the Spotify Web API's bounds, which refuses values past them."""
    return (query_int(request, "limit", default_limit, 1, MAX_LIMIT, cap=False),
            query_int(request, "offset", 0, 0, MAX_OFFSET, cap=False))


async def album_info(request: web.Request) -> web.Response:
    await require_principal(request)
    album_id = _required_id(request)
    limit, offset = _page(request, 50)
    album = await catalog_for(context(request)).album(album_id, limit, offset)
    return json_response(album_json(album))


async def playlist_info(request: web.Request) -> web.Response:
    await require_principal(request)
    playlist = await catalog_for(context(request)).playlist(
        _required_id(request), include_tracks=query_flag(request, "include_tracks"))
    return json_response(playlist_json(playlist))


async def playlist_metadata(request: web.Request) -> web.Response:
    await require_principal(request)
    playlist = await catalog_for(context(request)).playlist(_required_id(request),
                                                                 include_tracks=True)
    return json_response(playlist_json(playlist))


async def playlist_tracks(request: web.Request) -> web.Response:
    await require_principal(request)
    tracks = await catalog_for(context(request)).playlist_tracks(_required_id(request))
    return json_response({"items": [playlist_item(t) for t in tracks],
                          "total": len(tracks), "limit": len(tracks), "offset": 0})


async def artist_info(request: web.Request) -> web.Response:
    await require_principal(request)
    artist_id = _required_id(request)
    limit, offset = _page(request, 10)
    catalog = catalog_for(context(request))
    artist = await catalog.artist(artist_id)
    albums = await catalog.artist_albums(artist_id, limit=limit, offset=offset)
    return json_response({**artist_json(artist), "albums": {
        "items": [album_json(a) for a in albums.items], "total": albums.total,
        "limit": albums.limit, "offset": albums.offset}})


async def search(request: web.Request) -> web.Response:
    """`GET /api/search/?q=&search_type=|type=&limit=` -> {"items": [...]} of one type."""
    await require_principal(request)
    kind = (request.query.get("search_type") or request.query.get("type") or "track").lower()
    result = await search_catalog(context(request), request.query.get("q", ""), [kind],
                                  query_int(request, "limit", 20, 1, MAX_LIMIT, cap=False))
    render: dict[str, Any] = {"track": (result.tracks, track_json),
                              "album": (result.albums, album_json),
                              "artist": (result.artists, artist_json),
                              "playlist": (result.playlists, playlist_json)}
    page, to_json = render.get(kind, (None, None))
    items = [to_json(item) for item in page.items] if page is not None and to_json else []
    return json_response({"items": items})


ROUTES: tuple[tuple[str, Handler], ...] = (
    ("/api/track/info", track_info),
    ("/api/album/info", album_info),
    ("/api/playlist/info", playlist_info),
    ("/api/playlist/metadata", playlist_metadata),
    ("/api/playlist/tracks", playlist_tracks),
    ("/api/artist/info", artist_info),
    ("/api/search/", search),
)


def setup_catalog_routes(app: web.Application) -> None:
    for path, handler in ROUTES:
        spotizerr.add(app.router, "GET", path, handler)
    # the web UI calls `/api/search?q=...` without the slash: Spot On's path, told apart by `q`
    share(app, "GET", "/api/search", spotizerr, search, ("q",))
