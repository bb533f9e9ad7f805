"""EchoStats' `GET /api/v1/history`: the signed-in user's listens, paged, newest first; and
`POST /api/v1/history/import`: a Spotify export uploaded (multipart `file`), imported by a job."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api._upload import save_file_field
from handlers.api.dialect import json_response, mark_slow
from handlers.api.echostats._dialect import echostats, iso
from handlers.api.echostats._query import QueryReader
from handlers.api.echostats.render import spotify_id
from handlers.api.keys import context
from handlers.listening.history import HistoryEntry, history
from handlers.listening.imports import new_upload_path, start_import

__all__ = ["setup_routes", "DEFAULT_LIMIT", "MAX_LIMIT"]

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


def _entry(e: HistoryEntry) -> dict[str, Any]:
    x, t = e.listen, e.track
    return {
        "id": str(x.id), "user_id": str(x.user_id),
        "track": None if t is None else {
            "spotify_id": spotify_id(t), "name": t.name,
            "artist_name": t.artist_names[0] if t.artist_names else "",
            "album_name": t.album_name, "album_image_url": t.image or None,
            "duration_ms": t.duration_ms},
        "played_at": iso(x.played_at), "ms_played": x.ms_played, "source": x.source,
        "context_type": x.context_type or None, "context_uri": x.context_uri or None}


async def list_history(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = QueryReader(request)
    page, limit = query.page(), query.limit(DEFAULT_LIMIT, MAX_LIMIT)
    start, end = query.date("start_date"), query.date("end_date", end=True)
    query.check()
    entries, total = await history(
        context(request), principal.user.id, artist=request.query.get("artist", ""),
        track=request.query.get("track", ""), start=start, end=end, offset=(page - 1) * limit,
        limit=limit)
    return json_response({"items": [_entry(e) for e in entries], "total": total, "page": page,
                          "limit": limit, "pages": (total + limit - 1) // limit})


@mark_slow
async def import_history(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    ctx = context(request)
    limit = ctx.config.import_max_bytes
    upload = new_upload_path(ctx)
    filename = await save_file_field(request, "file", upload, limit,
                                     f"File too large. Maximum size is {limit} bytes")
    started = await start_import(ctx, principal.user.id, upload, filename)
    return json_response(started)


def setup_routes(app: web.Application) -> None:
    echostats.add(app.router, "GET", "/api/v1/history", list_history)
    echostats.add(app.router, "POST", "/api/v1/history/import", import_history)
