"""`/api/v1/users/me/listen-token`: the user's ListenBrainz listen token (GET shows it, made on
first read; POST replaces it), for the scrobblers that speak `/1/` (handlers/api/listenbrainz)."""

from __future__ import annotations

import msgspec
from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api.dialect import json_response
from handlers.api.echostats._dialect import echostats
from handlers.api.keys import context
from handlers.listening.tokens import listen_token, rotate_listen_token

__all__ = ["setup_routes", "PATH"]

PATH = "/api/v1/users/me/listen-token"


class ListenTokenOut(msgspec.Struct):
    token: str


async def show(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    token = await listen_token(context(request), principal.user)
    return json_response(ListenTokenOut(token), headers={"Cache-Control": "no-store"})


async def rotate(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    token = await rotate_listen_token(context(request), principal.user)
    return json_response(ListenTokenOut(token), headers={"Cache-Control": "no-store"})


def setup_routes(app: web.Application) -> None:
    echostats.add(app.router, "GET", PATH, show)
    echostats.add(app.router, "POST", PATH, rotate)
