"""Openwhyd posts: `GET|POST /api/post?action=...` (also `/api/post/<pId>/<action>`), including
`POST /api/post/<pId>/sendToUsers`.

Parameters come as query, form or JSON, nested ones (`pl`, `src`) as objects, JSON strings or
jQuery brackets. As in Openwhyd, every `{"error": ...}` answer is HTTP 400, except "Please login
first" (401) and a change another site started with the session cookie (403); `lovers` and
`reposts` are public; a love toggled on a missing post answers `{loved: false, lovers: 0}`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from handlers.api._auth import optional_principal, require_principal
from handlers.api._input import read_params
from handlers.api._origin import CROSS_SITE_CODE
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.openwhyd.common import nested, openwhyd, read_list
from handlers.api.openwhyd.render import comment_json, post_json
from handlers.context import Context
from handlers.errors import DomainError, Invalid, NotFound, Unauthorized
from handlers.identity.auth import Principal
from handlers.paging import parse_whole_number
from handlers.social import comments, posts, reactions

__all__ = ["setup_routes"]

MESSAGES = {"deleting_foreign_post": "can't delete another user's post"}
DELETED = {"acknowledged": True, "deletedCount": 1}
Params = Mapping[str, Any]
Action = Callable[[Context, Principal, Params], Awaitable[Any]]
PublicAction = Callable[[Context, Principal | None, Params], Awaitable[Any]]


def _text(params: Params, key: str) -> str | None:
    """A scalar parameter as text (JSON numbers and booleans too); None when absent."""
    value = params.get(key)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value if isinstance(value, str) else None


def _id(params: Params, key: str, message: str | None = None) -> int:
    """An id parameter; Invalid `invalid parameter: <key>` (or `message`) otherwise."""
    number = parse_whole_number(_text(params, key))
    if number is None:
        raise Invalid(message or f"invalid parameter: {key}", code="invalid_parameter")
    return number


def _playlist(params: Params) -> posts.PlaylistRef | None | bool:
    """`pl` as a PlaylistRef; None when it names no playlist; False when it is absent."""
    pl = nested(params, "pl")
    if pl is None:
        return False
    raw_id, name = (_text(pl, "id") or "").strip(), _text(pl, "name") or ""
    if raw_id == "create":
        return posts.PlaylistRef(create=True, name=name)
    number = parse_whole_number(raw_id)
    return None if number is None else posts.PlaylistRef(number=number, name=name)


def _source(params: Params) -> posts.Source | None:
    src = nested(params, "src")
    if not src or not str(src.get("id") or "").strip():
        return None
    return posts.Source(id=str(src["id"]), name=str(src.get("name") or ""))


def _image(params: Params) -> str | None:
    img = _text(params, "img")
    return None if img in (None, "null") else img


def _rendered(view: Any, is_new: bool) -> dict[str, Any]:
    return {**post_json(view), "isNew": is_new}


async def _insert_new(ctx: Context, principal: Principal, params: Params) -> dict[str, Any]:
    playlist = _playlist(params)
    new = posts.NewPost(
        eid=_text(params, "eId"), name=_text(params, "name") or "",
        text=_text(params, "text") or "", image=_image(params) or "",
        ctx=_text(params, "ctx"), src=_source(params),
        playlist=playlist if isinstance(playlist, posts.PlaylistRef) else None)
    return _rendered(await posts.create_post(ctx, principal, new), True)


async def _edit(ctx: Context, principal: Principal, params: Params) -> dict[str, Any]:
    """Fields sent change; fields left out stay (a `pl` without a valid id unfiles the post)."""
    changes = posts.PostChanges()
    for key, field in (("name", "name"), ("eId", "eid"), ("text", "text"), ("ctx", "ctx")):
        value = _text(params, key)
        if value is not None and (value or field in ("text", "ctx")):
            setattr(changes, field, value)
    if _image(params) is not None:
        changes.image = _image(params) or ""
    if nested(params, "src") is not None:
        changes.src = _source(params)
    playlist = _playlist(params)
    if playlist is not False:
        changes.playlist = playlist if isinstance(playlist, posts.PlaylistRef) else None
    return _rendered(await posts.edit_post(ctx, principal, _id(params, "_id"), changes), False)


async def insert(ctx: Context, principal: Principal, params: Params) -> dict[str, Any]:
    """New post (`eId`), edit (`_id`) or repost (`pId`)."""
    if _text(params, "_id"):
        return await _edit(ctx, principal, params)
    if _text(params, "pId"):
        playlist = _playlist(params)
        view = await posts.repost(
            ctx, principal, _id(params, "pId"), text=_text(params, "text") or "",
            ctx_name=_text(params, "ctx"),
            playlist=playlist if isinstance(playlist, posts.PlaylistRef) else None)
        return _rendered(view, True)
    if not _text(params, "eId"):
        raise Invalid("invalid parameter: eId or pId", code="invalid_parameter")
    return await _insert_new(ctx, principal, params)


async def delete(ctx: Context, principal: Principal, params: Params) -> dict[str, Any]:
    await posts.delete_post(ctx, principal, _id(params, "_id"))
    return DELETED


async def toggle_love(ctx: Context, principal: Principal, params: Params) -> dict[str, Any]:
    try:
        toggled = await reactions.toggle_love(ctx, principal, _id(params, "pId"))
    except NotFound:
        return {"loved": False, "lovers": 0}  # Openwhyd's answer for a missing post
    body: dict[str, Any] = {"loved": toggled.loved, "lovers": toggled.lovers}
    if toggled.view is not None:
        body["post"] = post_json(toggled.view)
    return body


def _people(people: list[reactions.Person]) -> list[dict[str, Any]]:
    return [{"id": str(p.id), "name": p.name, "subscribed": p.subscribed} for p in people]


async def lovers(ctx: Context, viewer: Principal | None, params: Params) -> list[Any]:
    return _people(await reactions.lovers(ctx, viewer, _id(params, "pId")))


async def reposts(ctx: Context, viewer: Principal | None, params: Params) -> list[Any]:
    return _people(await reactions.reposters(ctx, viewer, _id(params, "pId")))


async def incr_play_counter(ctx: Context, principal: Principal, params: Params
                            ) -> dict[str, Any]:
    view = await reactions.count_play(ctx, principal, _id(params, "pId", "invalid pId"))
    return {"result": post_json(view)}


async def scrobble(ctx: Context, principal: Principal, params: Params) -> dict[str, Any]:
    try:
        await reactions.scrobble(ctx, principal, _id(params, "pId"))
    except NotFound as err:
        raise NotFound("missing track", code="missing_track") from err
    return {}  # not reached: scrobble raises until Last.fm accounts can be linked


async def add_comment(ctx: Context, principal: Principal, params: Params) -> dict[str, Any]:
    if not _text(params, "pId"):
        raise Invalid("missing field: pId", code="invalid_parameter")
    comment = await comments.add_comment(ctx, principal, _id(params, "pId"),
                                         _text(params, "text") or "")
    return comment_json(comment, {principal.user.id: principal.user})


async def delete_comment(ctx: Context, principal: Principal, params: Params
                         ) -> dict[str, Any]:
    await comments.delete_comment(ctx, principal, _id(params, "_id"))
    return DELETED


async def send_to_users(ctx: Context, principal: Principal, params: Params,
                        uid_list: list[str]) -> dict[str, Any]:
    user_ids = [parse_whole_number(u) for u in uid_list]
    if None in user_ids:
        raise Invalid("mistyped field: uidList", code="invalid_parameter")
    await reactions.send_to_users(ctx, principal, _id(params, "pId"),
                                  [u for u in user_ids if u is not None])
    return {"ok": 1}


ACTIONS: dict[str, Action] = {
    "insert": insert, "delete": delete, "toggleLovePost": toggle_love,
    "incrPlayCounter": incr_play_counter, "scrobble": scrobble, "addComment": add_comment,
    "deleteComment": delete_comment,
}
PUBLIC_ACTIONS: dict[str, PublicAction] = {"lovers": lovers, "reposts": reposts}


def _error(err: DomainError) -> web.Response:
    status = 401 if isinstance(err, Unauthorized) else 403 if err.code == CROSS_SITE_CODE else 400
    return json_response({"error": MESSAGES.get(err.code) or openwhyd.message(err)},
                         status=status)


async def _run(request: web.Request, params: dict[str, Any]) -> Any:
    ctx, action = context(request), _text(params, "action") or ""
    if action in PUBLIC_ACTIONS:
        return await PUBLIC_ACTIONS[action](ctx, await optional_principal(request), params)
    # every other action changes something, whichever method asks (Openwhyd's clients use GET)
    principal = await require_principal(request, changes_state=True)
    if action == "sendToUsers":
        return await send_to_users(ctx, principal, params,
                                   await read_list(request, params, "uidList"))
    if action not in ACTIONS:
        raise Invalid("invalid parameter: action", code="invalid_parameter")
    return await ACTIONS[action](ctx, principal, params)


async def post_api(request: web.Request) -> web.Response:
    """`/api/post`, `/api/post/<pId>` and `/api/post/<pId>/<action>`."""
    params = await read_params(request)
    params.update({k: v for k, v in request.match_info.items() if v})
    try:
        return json_response(await _run(request, params))
    except DomainError as err:
        return _error(err)


def setup_routes(app: web.Application) -> None:
    r = app.router
    for path in ("/api/post", "/api/post/{pId}", "/api/post/{pId}/{action}"):
        for method in ("GET", "POST"):
            openwhyd.add(r, method, path, post_api)
