"""Openwhyd playlists: `POST /api/playlist` (action create, rename, delete, setOrder, update,
sendToUsers), `GET /api/playlist/<uid>_<n>` and `GET /api/playlist?id=<uid>_<n>&id=...`.

Parameters come as query, form or JSON; `order` and `uidList` as arrays in any of the spellings
common.read_list accepts. As Openwhyd's own controller does, an action that fails answers HTTP
200 with `{"error": ...}` (its ajax clients read the body); signed out is 401 "Please login
first" and an unknown action 400. A playlist id that names no playlist the caller may see
answers 404 by path and is left out of a `?id=` list. The path route only matches
`<digits>_<digits>`, so Spotizerr's `/api/playlist/info|metadata|tracks|...` never reach it
(DESIGN §9).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from handlers.api._auth import optional_principal, require_principal
from handlers.api._input import int_param, read_params
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.openwhyd.common import AJAX_ERRORS, MAX_ID, ajax_error, openwhyd, read_list
from handlers.context import Context
from handlers.errors import Invalid, NotFound, Unauthorized
from handlers.identity.auth import Principal
from handlers.social import collections
from handlers.social.collections import CollectionRef, CollectionView

__all__ = ["setup_routes", "playlist_json", "parse_playlist_id"]

PLAYLIST_ID = re.compile(r"^(\d{1,18})_(\d{1,18})$")
Params = Mapping[str, Any]
Action = Callable[[web.Request, Context, Principal, Params], Awaitable[Any]]


def parse_playlist_id(value: str) -> CollectionRef | None:
    """`<uid>_<n>` as a CollectionRef; None when it is not one."""
    match = PLAYLIST_ID.match(value.strip())
    return CollectionRef(int(match[1]), int(match[2])) if match else None


def playlist_json(view: CollectionView) -> dict[str, Any]:
    c = view.collection
    return {"id": f"{c.owner_id}_{c.number}", "plId": str(c.number), "uId": str(c.owner_id),
            "uNm": view.owner_name, "name": c.title, "nbTracks": view.track_count}


def _text(params: Params, key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value if isinstance(value, str) else None


def _number(params: Params) -> int:
    """The `id` parameter: the number of one of the caller's playlists."""
    return int_param(_text(params, "id"), Invalid("invalid playlist id", code="invalid_playlist_id"),
                     high=MAX_ID)


def _ids(values: list[str], message: str) -> list[int]:
    return [int_param(v, Invalid(message, code="invalid_parameter"), high=MAX_ID)
            for v in values]


def _named(view: CollectionView) -> dict[str, Any]:
    return {"id": view.collection.number, "name": view.collection.title}


async def create(request: web.Request, ctx: Context, principal: Principal, p: Params) -> Any:
    return _named(await collections.create_collection(ctx, principal, _text(p, "name") or ""))


async def rename(request: web.Request, ctx: Context, principal: Principal, p: Params) -> Any:
    return _named(await collections.rename_collection(ctx, principal, _number(p),
                                                      _text(p, "name") or ""))


async def delete(request: web.Request, ctx: Context, principal: Principal, p: Params) -> Any:
    return (await collections.delete_collection(ctx, principal, _number(p))).number


async def set_order(request: web.Request, ctx: Context, principal: Principal, p: Params
                    ) -> Any:
    number = _number(p)
    order = _ids(await read_list(request, p, "order"), "invalid order")
    if not order:
        raise Invalid("missing parameters", code="order_missing")
    await collections.set_collection_order(ctx, principal, number, order)
    return {"ok": 1}


async def update(request: web.Request, ctx: Context, principal: Principal, p: Params) -> Any:
    image = _text(p, "img")
    if image is None:
        raise Invalid("invalid img parameter", code="invalid_image")
    return _named(await collections.set_collection_image(ctx, principal, _number(p), image))


async def send_to_users(request: web.Request, ctx: Context, principal: Principal, p: Params
                        ) -> Any:
    ref = parse_playlist_id(_text(p, "plId") or "")
    if ref is None:
        raise Invalid("mistyped field: plId", code="invalid_parameter")
    users = _ids(await read_list(request, p, "uidList"), "mistyped field: uidList")
    await collections.share_collection(ctx, principal, ref, users)
    return {"ok": 1}


ACTIONS: dict[str, Action] = {"create": create, "rename": rename, "delete": delete,
                              "setOrder": set_order, "update": update,
                              "sendToUsers": send_to_users}


async def playlist_api(request: web.Request) -> web.Response:
    """POST `/api/playlist` (also `/api/playlist/<uid>_<n>[/sendToUsers]`, naming plId)."""
    params = await read_params(request)
    for key in ("plId", "action"):
        if request.match_info.get(key) and not _text(params, key):
            params[key] = request.match_info[key]
    try:
        principal = await require_principal(request)
    except Unauthorized as err:
        return json_response({"error": openwhyd.message(err)}, status=401)
    action = ACTIONS.get(_text(params, "action") or "")
    if action is None:
        return json_response({"error": "invalid parameter: action"}, status=400)
    try:
        return json_response(await action(request, context(request), principal, params))
    except AJAX_ERRORS as err:
        return ajax_error(err)


async def get_playlist(request: web.Request) -> web.Response:
    """GET `/api/playlist/<uid>_<n>`: a one-playlist array, or 404."""
    ref = parse_playlist_id(request.match_info["plId"])
    if ref is None:  # <digits>_<digits>, but beyond any user id or playlist number
        raise NotFound("playlist not found", code="playlist_not_found")
    view = await collections.get_collection(context(request), await optional_principal(request), ref)
    return json_response([playlist_json(view)])


async def get_playlists(request: web.Request) -> web.Response:
    """GET `/api/playlist?id=<uid>_<n>&id=...`: those the caller may see, in that order."""
    ids = await read_list(request, dict(request.query), "id")
    if not ids:
        raise Invalid("missing id parameter", code="playlist_id_missing")
    refs = [r for r in (parse_playlist_id(i) for i in ids) if r is not None]
    views = await collections.get_collections(context(request), await optional_principal(request),
                                              refs)
    return json_response([playlist_json(v) for v in views])


def setup_routes(app: web.Application) -> None:
    r = app.router
    one = r"/api/playlist/{plId:\d+_\d+}"
    openwhyd.add(r, "GET", "/api/playlist", get_playlists)
    openwhyd.add(r, "POST", "/api/playlist", playlist_api)
    openwhyd.add(r, "GET", one, get_playlist)
    openwhyd.add(r, "POST", one, playlist_api)
    openwhyd.add(r, "POST", one + "/{action:sendToUsers}", playlist_api)
