"""Openwhyd subscriptions: `/api/follow?action=insert|delete|get&tId=` (signed in; always the
caller's own follows, whatever else is sent) and the public `/api/follow/fetchFollowers/<id>`
and `/api/follow/fetchFollowing/<id>` (skip, limit default 50, isSubscr).

`insert` answers the stored subscription `{_id, uId, uNm, tId, tNm}`; `get` answers it, or `{}`
when there is none; `delete` answers `{}` (there is none any more). `_id` is
`<uId>_<tId>`: a subscription is the pair.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers import paging
from handlers.api._auth import get_principal, require_principal
from handlers.api._input import int_param, read_params
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.openwhyd.common import LOGIN_FIRST, MAX_ID, flag, openwhyd
from handlers.api.openwhyd.profile import find_user
from handlers.errors import Invalid
from handlers.social import follows
from store.records import User

__all__ = ["setup_routes", "follow_doc"]


def _name(user: User) -> str:
    return user.name or user.username or ""


def follow_doc(link: follows.FollowLink) -> dict[str, Any]:
    """A subscription as Openwhyd stores it."""
    follower, followee = link.follower, link.followee
    return {"_id": f"{follower.id}_{followee.id}", "uId": str(follower.id),
            "uNm": _name(follower), "tId": str(followee.id), "tNm": _name(followee)}


def _target_id(value: Any) -> int:
    text = str(value if value is not None else "")
    return int_param(text, Invalid("invalid parameter: tId", code="invalid_parameter"),
                     high=MAX_ID)


async def follow_api(request: web.Request) -> web.Response:
    """`GET|POST /api/follow`: action insert (subscribe), delete (unsubscribe) or get."""
    params = await read_params(request)
    action = str(params.get("action") or "").strip()
    principal = await require_principal(request, LOGIN_FIRST, changes_state=action != "get")
    if action not in ("insert", "delete", "get"):
        raise Invalid("invalid parameter: action", code="invalid_parameter")
    target_id = _target_id(params.get("tId"))
    ctx = context(request)
    if action == "insert":
        return json_response(follow_doc(await follows.follow_user(ctx, principal, target_id)))
    if action == "delete":
        await follows.unfollow_user(ctx, principal, target_id)
        return json_response({})
    link = await follows.get_follow(ctx, principal, target_id)
    return json_response(follow_doc(link) if link is not None else {})


def _entry(entry: follows.FollowEntry, id_key: str, name_key: str) -> dict[str, Any]:
    data: dict[str, Any] = {id_key: str(entry.user.id), name_key: _name(entry.user)}
    if entry.is_subscribing is not None:
        data["isSubscribing"] = entry.is_subscribing
    return data


def _lister(direction: str):  # type: ignore[no-untyped-def]
    """fetchFollowers (`uId`, `uNm`) or fetchFollowing (`tId`, `tNm`)."""
    list_of = follows.followers_of if direction == "followers" else follows.following_of
    id_key, name_key = ("uId", "uNm") if direction == "followers" else ("tId", "tNm")

    async def fetch(request: web.Request) -> web.Response:
        ctx, query = context(request), request.query
        page = paging.window(query.get("skip"), query.get("limit"), default_limit=50)
        user = await find_user(ctx, request.match_info["id"])
        entries = await list_of(ctx, user.id, page, viewer=await get_principal(request),
                                flags=flag(query.get("isSubscr")))
        return json_response([_entry(e, id_key, name_key) for e in entries])

    fetch.__name__ = f"fetch_{direction}"
    return fetch


def setup_routes(app: web.Application) -> None:
    r = app.router
    for method in ("GET", "POST"):
        openwhyd.add(r, method, "/api/follow", follow_api)
    openwhyd.add(r, "GET", "/api/follow/fetchFollowers/{id}", _lister("followers"))
    openwhyd.add(r, "GET", "/api/follow/fetchFollowing/{id}", _lister("following"))
