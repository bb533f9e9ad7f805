"""Openwhyd's sign-in routes: `/login` (login, logout, forgot), `/register`, `/facebookLogin`.

Ajax calls (`ajax=true`) get JSON, and every outcome, failures included, is HTTP 200 as in
Openwhyd; other calls get a small HTML page: the form again with its error, or on success a
200 page that sends the browser to `redirect` (`window.location.href = '<url>'`, the absolute
URL on this site), as Openwhyd's clients read it. `redirect` must stay on this site
(common.redirect_target). A sign-in sets the session cookie under both its names,
`chorus_session` and Openwhyd's `whydSid` (one session: the same token).
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from aiohttp import web

from handlers.api._auth import (
    SESSION_COOKIE_ALIASES,
    clear_session_cookie,
    client_address,
    get_principal,
    set_session_cookie,
)
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.openwhyd.common import (
    AJAX_ERRORS,
    absolute_url,
    ajax_error,
    flag,
    openwhyd,
    read_request,
    redirect_target,
    user_counts,
)
from handlers.api.openwhyd.pages import login_page, redirect_page, register_page
from handlers.api.openwhyd.profile import check_handle, render_user
from handlers.errors import DomainError, Invalid
from handlers.identity import accounts, auth, reset, sso
from handlers.identity.auth import Principal
from store.records import User

__all__ = ["setup_routes"]

log = logging.getLogger("chorus.openwhyd")

FORGOT_OK = "We just sent you an email to reset your password, wait for it!"
INVITE_FIELDS = ("iBy", "iPg", "iRf")
INVITE_MAX = 500
REGISTER_MESSAGES = {
    "email_taken": "This email address is already registered on whyd",
    "invalid_md5": "Invalid password hash",
}


class LoginParams(msgspec.Struct):
    action: str | None = None
    ajax: str | None = None
    email: str | None = None
    md5: str | None = None
    password: str | None = None
    redirect: str | None = None
    includeUser: str | None = None
    fbUid: str | None = None
    fbTok: str | None = None
    fbAccessToken: str | None = None


class RegisterParams(msgspec.Struct):
    name: str | None = None
    email: str | None = None
    password: str | None = None
    md5: str | None = None
    handle: str | None = None
    username: str | None = None
    redirect: str | None = None
    ajax: str | None = None
    includeUser: str | None = None
    fbUid: str | None = None
    fbTok: str | None = None
    iBy: str | None = None
    iPg: str | None = None
    iRf: str | None = None


class FacebookParams(msgspec.Struct):
    action: str | None = None
    fbUid: str | None = None
    fbAccessToken: str | None = None
    fbTok: str | None = None
    includeUser: str | None = None


async def _signed_in(request: web.Request, user: User, body: dict[str, Any], *,
                     ajax: bool, include_user: bool, redirect: str,
                     facebook: tuple[str | None, str | None] = (None, None)) -> web.Response:
    """Open a cookie session for `user` and answer the success (JSON or 302)."""
    ctx = context(request)
    cookie = await auth.start_cookie_session(ctx, user)
    principal = await auth.principal_from_cookie(ctx, cookie)
    fb_uid, fb_token = facebook
    if fb_uid and fb_token:
        await _link_facebook(request, principal, fb_uid, fb_token)
    if include_user:
        body["user"] = {**await render_user(ctx, principal.user, principal),
                        **await user_counts(ctx, principal, principal.user)}
    response = json_response(body) if ajax else redirect_page(absolute_url(request, redirect))
    set_session_cookie(request, response, cookie, also=SESSION_COOKIE_ALIASES)
    return response


async def _link_facebook(request: web.Request, principal: Principal, fb_uid: str,
                         fb_token: str) -> None:
    """Openwhyd stores the Facebook id and token sent with a login or sign-up; Chorus links
    them only once the Graph API vouches for the token, and a failure does not undo the login."""
    try:
        await sso.facebook_sign_in(context(request), fb_uid, fb_token, link_to=principal)
    except DomainError as err:
        log.info("facebook link at sign-in skipped: %s", err.code)


# --- /login ---------------------------------------------------------------------------------


async def login_route(request: web.Request) -> web.Response:
    """`GET|POST /login`: `action` = login (default), logout or forgot."""
    params = await read_request(request, LoginParams)
    ajax = flag(params.ajax)
    action = (params.action or "").strip()
    if action == "logout":
        return await _logout(request, ajax)
    try:
        if action == "forgot":
            return await _forgot(request, params, ajax)
        if action not in ("", "login"):
            raise Invalid("Unknown action", code="unknown_action")
        if not action and not params.email and not ajax:
            return login_page()  # a visit to /login
        return await _login(request, params, ajax)
    except AJAX_ERRORS as err:
        wrong = err.code in ("wrong_password", "bad_credentials")
        if ajax:
            return ajax_error(err, None, **({"wrongPassword": 1} if wrong else {}))
        return login_page(error=openwhyd.message(err), email=params.email or "")


async def _login(request: web.Request, params: LoginParams, ajax: bool) -> web.Response:
    redirect = redirect_target(request, params.redirect)
    login = (params.email or "").strip()
    if not login:
        raise Invalid("Please enter your email", code="email_missing")
    ctx = context(request)
    if params.md5:
        user = await auth.authenticate(ctx, login, md5=params.md5.strip().lower(),
                                       source=client_address(request))
    else:
        user = await auth.authenticate(ctx, login, password=params.password,
                                       source=client_address(request))
    return await _signed_in(request, user, {"redirect": redirect}, ajax=ajax,
                            include_user=flag(params.includeUser), redirect=redirect,
                            facebook=(params.fbUid, params.fbTok or params.fbAccessToken))


async def _logout(request: web.Request, ajax: bool) -> web.Response:
    try:
        principal = await get_principal(request)
    except DomainError:
        principal = None  # an invalid credential: nothing to revoke
    if principal is not None:
        await auth.end_session(context(request), principal.session_id)
    response = json_response({"action": "logout"}) if ajax else login_page()
    clear_session_cookie(response)
    return response


async def _forgot(request: web.Request, params: LoginParams, ajax: bool) -> web.Response:
    redirect_target(request, params.redirect)
    login = (params.email or "").strip()
    if not login:
        raise Invalid("Please enter your email", code="email_missing")
    await reset.forgot_password(context(request), login)
    return json_response({"ok": FORGOT_OK}) if ajax else login_page(ok=FORGOT_OK, email=login)


# --- /register ------------------------------------------------------------------------------


async def register_form(request: web.Request) -> web.Response:
    """`GET /register`: the sign-up form."""
    return register_page()


async def register_route(request: web.Request) -> web.Response:
    """`POST /register`: create the account and sign it in."""
    params = await read_request(request, RegisterParams)
    ajax = flag(params.ajax)
    try:
        user, redirect = await _register(request, params)
    except AJAX_ERRORS as err:
        if ajax:
            return ajax_error(err, REGISTER_MESSAGES)
        return register_page(error=REGISTER_MESSAGES.get(err.code) or openwhyd.message(err),
                             name=params.name or "", email=params.email or "")
    return await _signed_in(request, user, {"uId": str(user.id), "redirect": redirect},
                            ajax=ajax, include_user=flag(params.includeUser),
                            redirect=redirect, facebook=(params.fbUid, params.fbTok))


async def _register(request: web.Request, p: RegisterParams) -> tuple[User, str]:
    redirect = redirect_target(request, p.redirect)
    name = (p.name or "").strip()
    if not name:
        raise Invalid("Please enter your name", code="name_missing")
    if not p.password and not p.md5:
        raise Invalid("Please enter a password", code="password_required")
    email = (p.email or "").strip()
    if not email:
        raise Invalid("Please enter your email", code="email_missing")
    handle = (p.handle or p.username or "").strip()
    # iBy (inviter), iPg, iRf are kept for analytics as Openwhyd does. Openwhyd also makes the
    # new user and the inviter follow each other: ignored until follows exist.
    invite = {f: v[:INVITE_MAX] for f in INVITE_FIELDS if (v := getattr(p, f))}
    user = await accounts.register(
        context(request), password=p.password or None,
        password_md5=None if p.password else (p.md5 or "").strip().lower(),
        username=check_handle(handle) if handle else None, email=email, name=name,
        extra=invite, password_rules="openwhyd")
    return user, redirect


# --- /facebookLogin -------------------------------------------------------------------------


async def facebook_login(request: web.Request) -> web.Response:
    """`GET|POST /facebookLogin`: sign in with a Facebook token, or link one (action=link)."""
    params = await read_request(request, FacebookParams)
    try:
        return await _facebook(request, params)
    except AJAX_ERRORS as err:
        return ajax_error(err)


async def _facebook(request: web.Request, params: FacebookParams) -> web.Response:
    ctx = context(request)
    fb_uid, token = params.fbUid, params.fbAccessToken or params.fbTok
    if not fb_uid or not token:
        raise Invalid("invalid facebook login request", code="facebook_request_invalid")
    principal = await get_principal(request) if params.action == "link" else None
    if principal is not None:
        if request.method != "POST":  # a cross-site link must not attach someone's account
            raise Invalid("Please use POST to link a Facebook account", code="method_post")
        await sso.facebook_sign_in(ctx, fb_uid, token, link_to=principal)
        return json_response({"ok": 1, "fbId": fb_uid})
    user, identity = await sso.facebook_sign_in(ctx, fb_uid, token)
    if user is None:
        fb_user = {"id": identity.subject, "name": identity.name}
        if identity.email:
            fb_user["email"] = identity.email
        return json_response({"fbUser": fb_user})
    return await _signed_in(request, user, {"redirect": "/"}, ajax=True,
                            include_user=flag(params.includeUser), redirect="/")


def setup_routes(app: web.Application) -> None:
    r = app.router
    for method in ("GET", "POST"):
        openwhyd.add(r, method, "/login", login_route)
        openwhyd.add(r, method, "/facebookLogin", facebook_login)
    openwhyd.add(r, "GET", "/register", register_form)
    openwhyd.add(r, "POST", "/register", register_route)

