"""Openwhyd subscriptions: `/api/follow?action=insert|delete|get&tId=` (signed in; always the
caller's own follows, whatever else is sent) and the public lists, by path
(`/api/follow/fetchFollowers/<id>`, `/api/follow/fetchFollowing/<id>`) or by query
(`/api/follow?action=fetchFollowers|fetchFollowing&id=`): skip, limit (default 50), isSubscr.
As in Openwhyd, a skip or limit that is not a usable number falls back to its default (0, 50)
rather than failing: its clients send `NaN`, `-1` and `Infinity`.

`insert` answers the stored subscription `{_id, uId, uNm, tId, tNm}`; `get` answers it, or `{}`
when there is none; `delete` answers `{}` (there is none any more). `_id` is
`<uId>_<tId>`: a subscription is the pair.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    """`GET|POST /api/follow`: action insert (subscribe), delete (unsubscribe) or get; the
    public fetchFollowers and fetchFollowing need no sign-in."""
    params = await read_params(request)
    action = str(params.get("action") or "").strip()
    if action in PUBLIC_ACTIONS:
        return await _list(request, action, str(params.get("id") or ""), params)
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


PUBLIC_ACTIONS = ("fetchFollowers", "fetchFollowing")


async def _list(request: web.Request, action: str, user_ref: str,
                params: Mapping[str, Any]) -> web.Response:
    """fetchFollowers (`uId`, `uNm`) or fetchFollowing (`tId`, `tNm`) of `user_ref`."""
    followers = action == "fetchFollowers"
    list_of = follows.followers_of if followers else follows.following_of
    id_key, name_key = ("uId", "uNm") if followers else ("tId", "tNm")
    ctx = context(request)
    page = paging.lenient_window(params.get("skip"), params.get("limit"), default_limit=50)
    user = await find_user(ctx, user_ref)
    entries = await list_of(ctx, user.id, page, viewer=await get_principal(request),
                            flags=flag(_text(params.get("isSubscr"))))
    return json_response([_entry(e, id_key, name_key) for e in entries])


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


async def fetch_followers(request: web.Request) -> web.Response:
    """`GET /api/follow/fetchFollowers/<id>`."""
    return await _list(request, "fetchFollowers", request.match_info["id"], request.query)


async def fetch_following(request: web.Request) -> web.Response:
    """`GET /api/follow/fetchFollowing/<id>`."""
    return await _list(request, "fetchFollowing", request.match_info["id"], request.query)


def setup_routes(app: web.Application) -> None:
    r = app.router
    for method in ("GET", "POST"):
        openwhyd.add(r, method, "/api/follow", follow_api)
    openwhyd.add(r, "GET", "/api/follow/fetchFollowers/{id}", fetch_followers)
    openwhyd.add(r, "GET", "/api/follow/fetchFollowing/{id}", fetch_following)
