"""`GET /1/user/<name>/playing-now`, `/listens` and `/listen-count`."""

from __future__ import annotations

import msgspec
from aiohttp import web

from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.listenbrainz._dialect import listenbrainz, viewer_id
from handlers.errors import Invalid
from handlers.listening.listenbrainz_reads import DEFAULT_COUNT, listen_count_of, listens_of
from handlers.listening.playing_now import playing_now_of

__all__ = ["setup_routes"]


async def playing_now(request: web.Request) -> web.Response:
    user_name = request.match_info["user_name"]
    listens = await playing_now_of(context(request), await viewer_id(request), user_name)
    return json_response({"payload": {"count": len(listens), "user_id": user_name,
                                      "playing_now": True,
                                      "listens": msgspec.to_builtins(listens)}})


def _int_arg(request: web.Request, name: str) -> int | None:
    """An integer query argument as ListenBrainz's `_parse_int_arg` reads it (empty: absent)."""
    value = request.query.get(name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise Invalid(f"Invalid {name} argument: {value}", code="lb_bad_argument") from None


def _count(request: web.Request) -> int:
    """`count` as ListenBrainz's `get_non_negative_param` reads it."""
    value = request.query.get("count")
    if value is None:
        return DEFAULT_COUNT
    try:
        return int(value)
    except ValueError:
        raise Invalid("'count' should be a non-negative integer", code="lb_bad_count") from None


async def listens(request: web.Request) -> web.Response:
    page = await listens_of(context(request), await viewer_id(request),
                            request.match_info["user_name"], min_ts=_int_arg(request, "min_ts"),
                            max_ts=_int_arg(request, "max_ts"), count=_count(request))
    return json_response({"payload": msgspec.to_builtins(page)})


async def listen_count(request: web.Request) -> web.Response:
    count = await listen_count_of(context(request), await viewer_id(request),
                                  request.match_info["user_name"])
    return json_response({"payload": {"count": count}})


def setup_routes(app: web.Application) -> None:
    listenbrainz.add(app.router, "GET", "/1/user/{user_name}/playing-now", playing_now)
    listenbrainz.add(app.router, "GET", "/1/user/{user_name}/listens", listens)
    listenbrainz.add(app.router, "GET", "/1/user/{user_name}/listen-count", listen_count)
