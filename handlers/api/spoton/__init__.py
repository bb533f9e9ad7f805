"""Spot On's API (shared/seeds/000): errors are `{"error": "..."}`; sessions are cookies.
One submodule per area; `setup_routes` registers them all."""

from __future__ import annotations

from aiohttp import web

from handlers.api.keys import fallback_dialects_key
from handlers.api.spoton import (
    accounts,
    embeds,
    follows,
    listening,
    lyrics,
    posts,
    search,
    spotify,
)
from handlers.api.spoton.base import spoton

__all__ = ["spoton", "setup_routes"]


def setup_routes(app: web.Application) -> None:
    for area in (accounts, listening, posts, follows, search, spotify, lyrics, embeds):
        area.setup_routes(app)
    app[fallback_dialects_key].append(("/api/", spoton))
