"""Spot On now playing: save-now-playing and most-listened-nearby."""

from __future__ import annotations

import msgspec
from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api._input import read_struct
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.spoton.base import spoton
from handlers.errors import DomainError, Invalid
from handlers.geo import parse_coordinates
from handlers.social import nowplaying

__all__ = ["setup_routes"]


class NowPlayingBody(msgspec.Struct):
    link: str = ""
    latitude: float | str | None = None
    longitude: float | str | None = None


async def save_now_playing(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await read_struct(request, NowPlayingBody)
    entry = await nowplaying.set_now_playing(
        context(request), principal, body.link,
        parse_coordinates(body.latitude, body.longitude))
    return json_response({"message": "Now playing data saved successfully.", "id": entry.id})


NEARBY_INPUT_ERROR = "Invalid input for latitude, longitude, or radius."


async def most_listened_nearby(request: web.Request) -> web.Response:
    await require_principal(request)
    query = request.query
    try:
        coordinates = parse_coordinates(query.get("latitude"), query.get("longitude"))
        radius = float(query.get("radius", ""))
        if coordinates is None:
            raise Invalid(NEARBY_INPUT_ERROR)
        tracks = await nowplaying.most_listened_nearby(context(request), *coordinates, radius)
    except (DomainError, ValueError) as exc:
        raise Invalid(NEARBY_INPUT_ERROR, code="invalid_nearby_input") from exc
    return json_response({"tracks": [msgspec.to_builtins(t) for t in tracks]})


def setup_routes(app: web.Application) -> None:
    spoton.add(app.router, "POST", "/api/save-now-playing", save_now_playing)
    spoton.add(app.router, "GET", "/api/most-listened-nearby", most_listened_nearby)
