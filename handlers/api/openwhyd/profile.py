"""`GET /api/user` and `POST /api/user`: reading and updating Openwhyd user data.

Private fields (email, provider ids and tokens, apTok) are shown to the user alone, and only
without `id`: a user asked for by `id` (`?id=`, `/api/user/<id or handle>`) gets the public
profile, as in Openwhyd, whoever asks (private playlists left out too). Updates are
POST only: Openwhyd also applied them on GET, which a cross-site link could trigger.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import msgspec
from aiohttp import web

from handlers.api._auth import get_principal, require_principal
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.openwhyd.common import (
    AJAX_ERRORS,
    LOGIN_FIRST,
    MAX_ID,
    ajax_error,
    flag,
    openwhyd,
    read_request,
    user_counts,
)
from handlers.api.openwhyd.render import playlist_entry
from handlers.context import Context
from handlers.errors import Invalid, NotFound, Unauthorized
from handlers.identity import accounts, sso
from handlers.identity.auth import Principal
from handlers.media.images import is_owned_media
from handlers.social import collections
from handlers.social.feeds import last_artists
from handlers.social.follows import is_following
from store.records import User

__all__ = ["check_handle", "find_user", "render_user", "setup_routes"]

LINK_FIELDS = ("home", "fb", "tw", "sc", "yt", "igrm")
LINK_MAX = 500
AP_TOKEN_RE = re.compile(r"[0-9a-fA-F]{64}")
# Openwhyd's wording for errors of a field update (over the dialect's defaults)
UPDATE_MESSAGES = {
    "wrong_password": "Your current password is incorrect",
    "current_password_missing": "Your current password is incorrect",
}


class GetUserParams(msgspec.Struct):
    id: str | None = None
    isSubscr: str | None = None
    countPosts: str | None = None
    countLikes: str | None = None
    includeSubscr: str | None = None
    includeTags: str | None = None


class SetUserParams(msgspec.Struct):
    """Every field Openwhyd's `POST /api/user` documents; absent means unchanged."""

    name: str | None = None
    img: str | None = None
    cvrImg: str | None = None
    pwd: str | None = None
    oldPwd: str | None = None
    handle: str | None = None
    email: str | None = None
    fbId: str | None = None
    fbTok: str | None = None
    twId: str | None = None
    twTok: str | None = None
    twSec: str | None = None
    apTok: str | None = None
    bio: str | None = None
    loc: str | None = None
    lnk_home: str | None = None
    lnk_fb: str | None = None
    lnk_tw: str | None = None
    lnk_sc: str | None = None
    lnk_yt: str | None = None
    lnk_igrm: str | None = None


async def render_user(ctx: Context, user: User, viewer: Principal | None, *,
                      public: bool = False) -> dict[str, Any]:
    """The user as Openwhyd's `/api/user` shows it; private fields only to the user, and not
    even to them when `public` (a user asked for by `id`: Openwhyd's public profile)."""
    data: dict[str, Any] = {"_id": str(user.id), "id": str(user.id),
                            "name": user.name or user.username or ""}
    if user.username:
        data["handle"] = user.username
    own = viewer is not None and viewer.user.id == user.id and not public
    if own and user.email:
        data["email"] = user.email
    data.update(bio=user.bio, loc=user.location, img=user.avatar_url, cvrImg=user.cover_url,
                lnk=dict(user.links),
                pl=[playlist_entry(v) for v in await collections.user_collections(
                    ctx, None if public else viewer, user.id)])
    if own and viewer is not None:
        for link in await sso.linked_accounts(ctx, viewer):
            if link.provider == "facebook":
                data.update(fbId=link.subject, fbTok=link.access_token)
            elif link.provider == "twitter":
                data.update(twId=link.subject, twTok=link.access_token, twSec=link.secret)
        if user.extra.get("apTok"):
            data["apTok"] = user.extra["apTok"]
    return data


async def find_user(ctx: Context, uid_or_handle: str) -> User:
    """Openwhyd's `id`: a user id, or a handle."""
    value = uid_or_handle.strip()
    if value.isdigit():
        if int(value) > MAX_ID:
            raise NotFound("User not found", code="user_not_found")
        return await accounts.get_user(ctx, int(value))
    return await accounts.get_user_by_handle(ctx, value)


async def get_user(request: web.Request) -> web.Response:
    """`GET /api/user[?id=]` and `GET /api/user/<id or handle>`: the user, or the caller."""
    params = await read_request(request, GetUserParams)
    params.id = request.match_info.get("id") or params.id
    ctx = context(request)
    principal = await get_principal(request)
    if params.id:
        user = await find_user(ctx, params.id)
    elif principal is not None:
        user = principal.user
    else:
        raise Unauthorized(LOGIN_FIRST, code="not_authenticated")
    data = await render_user(ctx, user, principal, public=bool(params.id))
    counts = await user_counts(ctx, principal, user)
    if flag(params.isSubscr) and principal is not None:
        data["isSubscribing"] = await is_following(ctx, principal.user.id, user.id)
    if flag(params.includeSubscr):
        data.update(nbSubscribers=counts["nbSubscribers"],
                    nbSubscriptions=counts["nbSubscriptions"])
    if flag(params.countPosts) and params.id:
        data["nbPosts"] = counts["nbPosts"]
    if flag(params.countLikes) and params.id:
        data["nbLikes"] = counts["nbLikes"]
    if flag(params.includeTags):
        data["lastArtists"] = await last_artists(ctx, principal, user.id)
    return json_response(data)


def check_handle(handle: str) -> str:
    """A handle Openwhyd accepts: a valid, unreserved username that is not a number (ids are)."""
    if handle.strip().isdigit():
        raise Invalid("Numbers are not allowed", code="numeric_handle")
    return accounts.validate_username(handle, field="handle")


def _check_link(name: str, value: str) -> str:
    """Shown as a link on the profile: http(s) URLs or bare handles, nothing a browser runs."""
    value = value.strip()
    scheme = urlsplit(value).scheme.lower() if ":" in value else ""
    if len(value) > LINK_MAX or (scheme and scheme not in ("http", "https")) or any(
            ord(c) < 0x20 for c in value):
        raise Invalid(f"Invalid link: lnk_{name}", code="invalid_link")
    return value


def _check_image(ctx: Context, user: User, field: str, value: str, current: str) -> str:
    """An image the user uploaded, or "" (also Openwhyd's `blank...` placeholders) to clear."""
    value = value.strip()
    if not value or "blank" in value.rsplit("/", 1)[-1]:
        return ""
    if value != current and not is_owned_media(ctx, value, user.id):
        raise Invalid(f"{field} must be the URL of an image you uploaded", code="invalid_image")
    return value


def _plan(ctx: Context, user: User, p: SetUserParams) -> accounts.AccountChanges:
    """Check every field, in Openwhyd's order and words, before anything changes."""
    changes: dict[str, Any] = {}
    plan = accounts.AccountChanges(password_rules="openwhyd")
    if p.name is not None:
        if not p.name.strip():
            raise Invalid("Please enter your name", code="name_missing")
        changes["name"] = p.name.strip()
    for field, attr in (("img", "avatar_url"), ("cvrImg", "cover_url")):
        value = getattr(p, field)
        if value is not None:
            changes[attr] = _check_image(ctx, user, field, value, getattr(user, attr))
    if p.pwd is not None:
        if not p.oldPwd:
            raise Invalid("Your current password is incorrect", code="current_password_missing")
        plan.new_password, plan.current_password = p.pwd, p.oldPwd
    if p.handle is not None:
        changes["username"] = check_handle(p.handle)
    if p.email is not None:
        changes["email"] = accounts.validate_email(p.email)
    if p.fbId is not None:
        if p.fbId and not p.fbTok:
            raise Invalid("invalid parameters: fbTok is required with fbId", code="fbtok_missing")
        plan.facebook = accounts.ClientTokens(p.fbId.strip(), p.fbTok or "")
    if p.twId is not None:
        if p.twId and not (p.twTok and p.twSec):
            raise Invalid("invalid parameters: twTok and twSec are required with twId",
                          code="twitter_tokens_missing")
        plan.twitter = accounts.ClientTokens(p.twId.strip(), p.twTok, p.twSec)
    if p.apTok is not None:
        if p.apTok and not AP_TOKEN_RE.fullmatch(p.apTok):
            raise Invalid("apTok must be 64 hexadecimal characters", code="invalid_aptok")
        changes["extra"] = {"apTok": p.apTok or None}
    if p.bio is not None:
        changes["bio"] = p.bio
    if p.loc is not None:
        changes["location"] = p.loc
    links = {name: getattr(p, f"lnk_{name}") for name in LINK_FIELDS}
    if any(v is not None for v in links.values()):
        merged = dict(user.links)
        for name, value in links.items():
            if value is not None:
                checked = _check_link(name, value)
                if checked:
                    merged[name] = checked
                else:
                    merged.pop(name, None)
        changes["links"] = merged
    plan.profile = accounts.ProfileChanges(**changes)
    return plan


async def set_user(request: web.Request) -> web.Response:
    principal = await require_principal(request, LOGIN_FIRST)
    ctx = context(request)
    try:
        params = await read_request(request, SetUserParams)
        user = await accounts.update_account(ctx, principal, _plan(ctx, principal.user, params))
    except AJAX_ERRORS as err:
        return ajax_error(err, UPDATE_MESSAGES)
    return json_response(await render_user(ctx, user, principal))


def setup_routes(app: web.Application) -> None:
    openwhyd.add(app.router, "GET", "/api/user", get_user)
    openwhyd.add(app.router, "GET", "/api/user/{id}", get_user)
    openwhyd.add(app.router, "POST", "/api/user", set_user)
