"""The fake Spotify's wire plumbing, shared by its modules: the request's user, Spotify's error
object, its whole-number arguments and paging objects."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from yarl import URL

__all__ = ["USER", "error", "base", "int_arg", "paging", "page_args"]

USER: web.RequestKey[str] = web.RequestKey("fake_spotify_user", str)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": {"status": status, "message": message}}, status=status,
                             headers=headers)


def base(request: web.Request) -> str:
    return f"{request.url.origin()}/v1"


def int_arg(request: web.Request, name: str, default: int, top: int) -> int | web.Response:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > top or (name == "limit" and int(raw) < 1):
        return error(400, f"Invalid {name}")
    return int(raw)


def paging(url: URL, items: list[Any], offset: int, limit: int) -> dict[str, Any]:
    total = len(items)
    here = url.update_query(offset=offset, limit=limit)
    nxt = url.update_query(offset=offset + limit, limit=limit) if offset + limit < total else None
    prev = url.update_query(offset=max(0, offset - limit), limit=limit) if offset else None
    return {"href": str(here), "items": items[offset:offset + limit], "limit": limit,
            "next": str(nxt) if nxt else None, "offset": offset,
            "previous": str(prev) if prev else None, "total": total}


def page_args(request: web.Request, default: int, top: int) -> tuple[int, int] | web.Response:
    limit = int_arg(request, "limit", default, top)
    offset = int_arg(request, "offset", 0, 100_000)
    if isinstance(limit, web.Response):
        return limit
    if isinstance(offset, web.Response):
        return offset
    return offset, limit
