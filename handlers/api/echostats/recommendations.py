"""EchoStats' `GET /api/v1/recommendations` (handlers.listening.recommendations: Chorus's own
recommender; each item says why in `reason`). `{"items": [], "seed_info": {}}` for a user
with no listening history."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api.dialect import json_response
from handlers.api.echostats._dialect import echostats
from handlers.api.echostats._query import QueryReader
from handlers.api.echostats.render import external_url, spotify_id
from handlers.api.keys import context
from handlers.listening.recommendations import SEED_TYPES, Recommendation, recommend

__all__ = ["setup_routes", "PATH"]

PATH = "/api/v1/recommendations"
MAX_LIMIT = 50


def _item(r: Recommendation) -> dict[str, Any]:
    track = r.track
    return {"id": spotify_id(track) or str(track.id), "name": track.name,
            "artists": list(track.artist_names),
            "artist": track.artist_names[0] if track.artist_names else None,
            "album": track.album_name or None, "album_image": track.image or None,
            "duration_ms": track.duration_ms, "popularity": None, "audio_features": None,
            "external_url": external_url(track), "reason": r.reason}


async def recommendations(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = QueryReader(request)
    limit = query.limit(20, MAX_LIMIT)
    seed_type = query.choice("seed_type", SEED_TYPES, "mixed") or "mixed"
    query.check()
    found = await recommend(context(request), principal.user.id, limit=limit,
                            seed_type=seed_type)
    if not found.seeded:
        return json_response({"items": [], "seed_info": {}})
    return json_response({
        "items": [_item(r) for r in found.items], "total": len(found.items),
        "seed_info": {"type": found.seed_type, "top_artist": found.top_artist,
                      "top_genre": found.top_genre}})


def setup_routes(app: web.Application) -> None:
    echostats.add(app.router, "GET", PATH, recommendations)
