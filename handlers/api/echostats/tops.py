"""EchoStats' tops: `/api/v1/tracks/top`, `/api/v1/artists/top`, `/api/v1/albums/top` and
`/api/v1/genres/distribution`, over the signed-in user's rollups."""

from __future__ import annotations

from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api.dialect import json_response
from handlers.api.echostats._dialect import echostats
from handlers.api.echostats._query import QueryReader, read_period
from handlers.api.echostats.render import album_body, artist_body, track_body
from handlers.api.keys import context
from handlers.listening import tops

__all__ = ["setup_routes", "DEFAULT_LIMIT", "MAX_LIMIT", "MAX_GENRES"]

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
MAX_GENRES = 1000  # the distribution lists every genre, up to this many


def _query(request: web.Request) -> tuple[str, int]:
    query = QueryReader(request)
    period, limit = query.period(), query.limit(DEFAULT_LIMIT, MAX_LIMIT)
    query.check()
    return period, limit



async def top_tracks(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    period, limit = _query(request)
    rows, total = await tops.top_tracks(context(request), principal.user.id, period, limit)
    return json_response({"items": [track_body(t) for t in rows], "period": period,
                          "total": total})


async def top_artists(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    period, limit = _query(request)
    rows, total = await tops.top_artists(context(request), principal.user.id, period, limit)
    return json_response({"items": [artist_body(a) for a in rows], "period": period,
                          "total": total})


async def top_albums(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    period, limit = _query(request)
    rows, total = await tops.top_albums(context(request), principal.user.id, period, limit)
    return json_response({"items": [album_body(a) for a in rows], "period": period,
                          "total": total})


async def genre_distribution(request: web.Request) -> web.Response:
    """Each genre's share is of the plays counted per genre (a play of a track with two
    genres counts for both)."""
    principal = await require_principal(request)
    period = read_period(request)
    rows, total = await tops.top_genres(context(request), principal.user.id, period, MAX_GENRES)
    counted = sum(r.plays for r in rows) or 1
    return json_response({"genres": [
        {"name": r.key, "play_count": r.plays, "percentage": round(r.plays * 100 / counted, 1)}
        for r in rows], "period": period, "total_genres": total})


def setup_routes(app: web.Application) -> None:
    r = app.router
    echostats.add(r, "GET", "/api/v1/tracks/top", top_tracks)
    echostats.add(r, "GET", "/api/v1/artists/top", top_artists)
    echostats.add(r, "GET", "/api/v1/albums/top", top_albums)
    echostats.add(r, "GET", "/api/v1/genres/distribution", genre_distribution)
