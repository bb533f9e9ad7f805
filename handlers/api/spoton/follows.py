"""Spot On follows: `POST api/follow/<user_id>` and `POST api/unfollow/<user_id>`.

Signed in only (401 "User not authenticated"); an unknown user is 404 "User not found";
following or unfollowing oneself is 400. Both are idempotent: following twice, or unfollowing
someone one does not follow, answers the same message and changes nothing more.
"""

from __future__ import annotations

from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.spoton.base import spoton
from handlers.social import follows
from store.records import User

__all__ = ["setup_routes"]


def _username(user: User) -> str:
    return user.username or user.name


async def follow(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    link = await follows.follow_user(context(request), principal,
                                     int(request.match_info["user_id"]))
    return json_response({"message": f"You are now following {_username(link.followee)}"})


async def unfollow(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    user = await follows.unfollow_user(context(request), principal,
                                       int(request.match_info["user_id"]))
    return json_response({"message": f"You have unfollowed {_username(user)}"})


def setup_routes(app: web.Application) -> None:
    r = app.router
    spoton.add(r, "POST", r"/api/follow/{user_id:\d{1,18}}", follow)
    spoton.add(r, "POST", r"/api/unfollow/{user_id:\d{1,18}}", unfollow)
