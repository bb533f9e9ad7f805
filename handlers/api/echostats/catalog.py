"""EchoStats' `GET /api/v1/tracks/{track_id}` and `GET /api/v1/artists/{artist_id}`: one item
by its Spotify id, no sign-in needed, through the catalog (handlers.catalog.by_id).

`id` is the local catalog's id for the item (its Spotify id when the catalog has no row for
it); `audio_features` is null: Chorus knows no audio features (Spotify closed its
audio-features endpoint to new apps), and says so rather than inventing them.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from handlers.api.dialect import json_response
from handlers.api.echostats._dialect import echostats
from handlers.api.keys import context
from handlers.catalog.by_id import artist_by_id, track_by_id

__all__ = ["setup_routes", "TRACK_PATH", "ARTIST_PATH"]

# `top` is the top-tracks / top-artists route's, served beside these
TRACK_PATH = "/api/v1/tracks/{track_id:(?!top$)[^/]+}"
ARTIST_PATH = "/api/v1/artists/{artist_id:(?!top$)[^/]+}"


class ArtistRefOut(msgspec.Struct):
    spotify_id: str
    name: str


class AlbumOut(msgspec.Struct, kw_only=True):
    spotify_id: str
    name: str
    image_url: str | None
    release_date: str


class TrackOut(msgspec.Struct, kw_only=True):
    id: str
    spotify_id: str
    name: str
    artists: list[ArtistRefOut]
    album: AlbumOut | None
    duration_ms: int | None
    popularity: int | None
    explicit: bool
    external_url: str
    audio_features: dict[str, Any] | None = None


class ArtistOut(msgspec.Struct, kw_only=True):
    id: str
    spotify_id: str
    name: str
    image_url: str | None
    genres: list[str]
    popularity: int | None
    followers: int | None
    external_url: str


def _id(catalog_id: int | None, spotify_id: str) -> str:
    return str(catalog_id) if catalog_id is not None else spotify_id


async def track(request: web.Request) -> web.Response:
    found = await track_by_id(context(request), request.match_info["track_id"])
    t = found.track
    album = None
    if t.album is not None:
        images = t.album.images or t.images
        album = AlbumOut(spotify_id=t.album.id, name=t.album.name,
                         image_url=images[0].url if images else None,
                         release_date=t.album.release_date)
    return json_response(TrackOut(
        id=_id(found.catalog_id, t.id), spotify_id=t.id, name=t.name,
        artists=[ArtistRefOut(a.id, a.name) for a in t.artists], album=album,
        duration_ms=t.duration_ms, popularity=t.popularity, explicit=t.explicit,
        external_url=t.external_url or f"https://open.spotify.com/track/{t.id}"))


async def artist(request: web.Request) -> web.Response:
    found = await artist_by_id(context(request), request.match_info["artist_id"])
    a = found.artist
    return json_response(ArtistOut(
        id=_id(found.catalog_id, a.id), spotify_id=a.id, name=a.name,
        image_url=a.images[0].url if a.images else None, genres=a.genres,
        popularity=a.popularity, followers=a.followers,
        external_url=a.external_url or f"https://open.spotify.com/artist/{a.id}"))


def setup_routes(app: web.Application) -> None:
    r = app.router
    echostats.add(r, "GET", TRACK_PATH, track)
    echostats.add(r, "GET", ARTIST_PATH, artist)
