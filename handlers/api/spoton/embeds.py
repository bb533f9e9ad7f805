"""`GET /api/get_pages_of_spot_embeds?id=&link=&start_date=&end_date=&page=&page_size=`:
a JSON list of embeds, each the documented object `{id, link, content_type, artist_names,
playlist_name, album_name, song_name, genres, ai_description, suggestions: [{name, artist,
spotify_url, reason}]}` (plus `post_id`). `id` asks for one post's content, `link` for one
link's, otherwise a page (default 1, of 10, at most 50) of the posts made between the dates
(ISO dates or date-times; all time when absent), newest first. `id` in the answer is the
content's (as in search results); `ai_description` is null unless a chat endpoint is
configured (CHORUS_LLM_URL)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers.api._auth import optional_principal
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.spoton.base import spoton
from handlers.api.spoton.posts import _timestamp
from handlers.api.spoton.search import SONG_KINDS, _int
from handlers.catalog.embeds import SpotEmbed, spot_embeds

__all__ = ["setup_routes", "embed_json"]


def embed_json(embed: SpotEmbed) -> dict[str, Any]:
    item = embed.item
    return {"id": item.id, "post_id": embed.post_id, "link": item.url,
            "content_type": item.kind, "artist_names": item.artist_names,
            "playlist_name": item.playlist_name, "album_name": item.album_name,
            "song_name": item.name if item.kind in SONG_KINDS else "",
            "genres": item.genres, "ai_description": embed.ai_description,
            "suggestions": [{"name": s.name, "artist": s.artist, "spotify_url": s.spotify_url,
                             "reason": s.reason} for s in embed.suggestions]}


async def pages_of_spot_embeds(request: web.Request) -> web.Response:
    principal = await optional_principal(request)
    query = request.query
    post_id = query.get("id")
    start, end = query.get("start_date"), query.get("end_date")
    embeds = await spot_embeds(
        context(request), principal.user.id if principal else None,
        post_id=_int(post_id, "id", 0) if post_id else None, link=query.get("link") or None,
        start=_timestamp(start, "start_date") if start else None,
        end=_timestamp(end, "end_date", end=True) if end else None,
        page=_int(query.get("page"), "page", 1),
        page_size=_int(query.get("page_size"), "page_size", 10))
    return json_response([embed_json(e) for e in embeds])


def setup_routes(app: web.Application) -> None:
    spoton.add(app.router, "GET", "/api/get_pages_of_spot_embeds", pages_of_spot_embeds)
