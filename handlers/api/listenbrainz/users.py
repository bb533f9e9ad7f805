"""`GET /1/user/<name>/playing-now`. (`/listens` and `/listen-count` come with the listens
store.)"""

from __future__ import annotations

import msgspec
from aiohttp import web

from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.listenbrainz._dialect import listenbrainz, viewer_id
from handlers.listening.playing_now import playing_now_of

__all__ = ["setup_routes"]


async def playing_now(request: web.Request) -> web.Response:
    user_name = request.match_info["user_name"]
    listens = await playing_now_of(context(request), await viewer_id(request), user_name)
    return json_response({"payload": {"count": len(listens), "user_id": user_name,
                                      "playing_now": True,
                                      "listens": msgspec.to_builtins(listens)}})


def setup_routes(app: web.Application) -> None:
    listenbrainz.add(app.router, "GET", "/1/user/{user_name}/playing-now", playing_now)
