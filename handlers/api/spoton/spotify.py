"""Spot On's Spotify endpoints: search_spotify, random-songs and the Spotify connection.

- `GET /api/search_spotify?q=&type=track,album,artist&limit=1..50` (public): the catalog
  (Spotify when configured, else the local catalog) in the document's shapes; `results`
  always holds the three lists, empty for types not asked for; `type` defaults to all three,
  `limit` to 20 (Spotify's default). A missing `q`, an unknown type or a bad limit is 400.
- `GET /api/random-songs?limit=&genre=&q=` (public): up to `limit` (default 10, 1..50)
  random tracks, `artist` being the artists' names joined by ", ".
- `GET /api/spotify/auth/`: the Spotify consent URL for connecting the signed-in user's
  account. The document says it needs no authentication, but the callback ties the account
  to "the currently authenticated user", so Chorus asks for the session up front (401
  "User not authenticated" without one) and binds the flow to the browser with a cookie.
- `GET /api/spotify/status/`: `{"connected": true}` when the signed-in user has a Spotify
  account linked with tokens; false otherwise, signed out included.
- `GET /api/spotify/callback/?code=&state=`: links the account (tokens encrypted at rest)
  and redirects to CHORUS_FRONTEND_URL (else the public URL) + `/view-playlist?connected=true`;
  a refusal, a bad or replayed state, or a failed exchange is `{"error": "..."}`.
`preview_url` and `image_url` are null when Spotify has none, as Spotify's own fields are.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers.api._auth import (
    OAUTH_STATE_COOKIE,
    get_principal,
    oauth_state_cookie,
    require_principal,
    set_oauth_state_cookie,
)
from handlers.api._input import int_param
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.spoton.base import spoton
from handlers.catalog.browse import random_tracks, search_catalog
from handlers.catalog.interface import Album, Artist, Track
from handlers.errors import FieldError, Invalid, NotFound, Unauthorized, Unavailable
from handlers.identity import sso

__all__ = ["setup_routes", "track_json", "album_json", "artist_json"]

SPOTON_TYPES = ("track", "album", "artist")
DEFAULT_LIMIT = 20
DEFAULT_RANDOM_LIMIT = 10
CONNECTED_PATH = "/view-playlist?connected=true"


def _limit(raw: str | None, default: int) -> int:
    return int_param(raw, Invalid("limit must be a whole number between 1 and 50",
                                  code="invalid_limit",
                                  fields=[FieldError(("query", "limit"), "between 1 and 50")]),
                     default=default, low=1, high=50)


def _types(raw: str | None) -> list[str]:
    types = [t.strip().lower() for t in (raw or "").split(",") if t.strip()]
    unknown = [t for t in types if t not in SPOTON_TYPES]
    if unknown:
        raise Invalid(f"Invalid type '{unknown[0]}': use track, album or artist",
                      code="invalid_type", fields=[FieldError(("query", "type"), "unknown type")])
    return list(dict.fromkeys(types)) or list(SPOTON_TYPES)


def _image(images: list[Any]) -> str | None:
    return images[0].url if images else None


def track_json(track: Track) -> dict[str, Any]:
    return {"id": track.id, "name": track.name, "artists": [a.name for a in track.artists],
            "album": track.album.name if track.album else "", "preview_url": track.preview_url,
            "external_url": track.external_url, "image_url": _image(track.images)}


def album_json(album: Album) -> dict[str, Any]:
    return {"id": album.id, "name": album.name, "artists": [a.name for a in album.artists],
            "release_date": album.release_date, "external_url": album.external_url,
            "image_url": _image(album.images)}


def artist_json(artist: Artist) -> dict[str, Any]:
    return {"id": artist.id, "name": artist.name, "genres": artist.genres,
            "external_url": artist.external_url, "image_url": _image(artist.images)}


async def search_spotify(request: web.Request) -> web.Response:
    query = request.query
    q = query.get("q", "")
    found = await search_catalog(context(request), q, _types(query.get("type")),
                                 _limit(query.get("limit"), DEFAULT_LIMIT))
    return json_response({"results": {
        "tracks": [track_json(t) for t in (found.tracks.items if found.tracks else [])],
        "albums": [album_json(a) for a in (found.albums.items if found.albums else [])],
        "artists": [artist_json(a) for a in (found.artists.items if found.artists else [])],
    }, "query": q})


async def random_songs(request: web.Request) -> web.Response:
    query = request.query
    tracks = await random_tracks(context(request),
                                 _limit(query.get("limit"), DEFAULT_RANDOM_LIMIT),
                                 genre=query.get("genre", ""), query=query.get("q", ""))
    songs = [{"link": t.external_url, "name": t.name,
              "artist": ", ".join(a.name for a in t.artists)} for t in tracks]
    return json_response({"songs": songs, "count": len(songs)})


def _callback_uri(request: web.Request) -> str:
    """Where Spotify sends the browser back (register it with the Spotify app)."""
    config = context(request).config
    origin = config.public_url.rstrip("/") or f"{request.scheme}://{request.host}"
    return f"{origin}/api/spotify/callback/"


async def spotify_auth(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    try:
        url, state = await sso.begin_oauth(context(request), "spotify", "connect",
                                           _callback_uri(request), user_id=principal.user.id)
    except NotFound as exc:
        raise Unavailable("Spotify is not configured on this server",
                          code="spotify_not_configured") from exc
    response = json_response({"auth_url": url}, headers={"Cache-Control": "no-store"})
    set_oauth_state_cookie(request, response, state)
    return response


async def spotify_status(request: web.Request) -> web.Response:
    try:
        principal = await get_principal(request)
    except Unauthorized:
        principal = None
    connected = False
    if principal is not None:
        link = await sso.provider_link(context(request), principal.user.id, "spotify")
        connected = link is not None and link.access_token_enc is not None
    return json_response({"connected": connected})


async def spotify_callback(request: web.Request) -> web.Response:
    query = request.query
    if "error" in query:
        reason = (query.get("error_description") or query["error"])[:200]
        raise Invalid(f"Spotify refused the connection: {reason}", code="spotify_denied")
    await sso.complete_oauth(context(request), "spotify", query.get("code", ""),
                             query.get("state", ""), _callback_uri(request),
                             oauth_state_cookie(request))
    config = context(request).config
    target = (config.frontend_url or config.base_url).rstrip("/") + CONNECTED_PATH
    response = web.Response(status=302, headers={"Location": target,
                                                 "Cache-Control": "no-store",
                                                 "Referrer-Policy": "no-referrer"})
    response.del_cookie(OAUTH_STATE_COOKIE, path="/")
    return response


def setup_routes(app: web.Application) -> None:
    add = spoton.add
    add(app.router, "GET", "/api/search_spotify", search_spotify)
    add(app.router, "GET", "/api/random-songs", random_songs)
    add(app.router, "GET", "/api/spotify/auth/", spotify_auth)
    add(app.router, "GET", "/api/spotify/status/", spotify_status)
    add(app.router, "GET", "/api/spotify/callback/", spotify_callback)
