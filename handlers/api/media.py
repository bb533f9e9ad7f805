"""Serving stored media files, with Range and caching headers (aiohttp's FileResponse)."""

from __future__ import annotations

from aiohttp import web

from handlers.api.dialect import Dialect
from handlers.api.keys import context
from handlers.errors import NotFound
from handlers.media.images import media_root

__all__ = ["setup_media_routes"]

media_dialect = Dialect()


async def get_media(request: web.Request) -> web.StreamResponse:
    name = request.match_info["path"]
    if "\x00" in name:  # no file has it; the OS refuses such a path (ValueError)
        raise NotFound("File not found", code="media_not_found")
    root = media_root(context(request)).resolve()
    target = (root / name).resolve()
    if root not in target.parents or not target.is_file() or target.suffix == ".part":
        raise NotFound("File not found", code="media_not_found")
    return web.FileResponse(target, headers={"Cache-Control": "public, max-age=86400"})


def setup_media_routes(app: web.Application) -> None:
    media_dialect.add(app.router, "GET", "/media/{path:.+}", get_media)
