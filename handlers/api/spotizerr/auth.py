"""Spotizerr's /api/auth/...: sign-in, registration, profile, admin user management and SSO.

Differences from Spotizerr itself, on purpose:
- authentication is always on (`auth_enabled` is true): Chorus has one user base and never
  hands out Spotizerr's implicit "system" admin;
- a registered account is a plain user (Spotizerr made the first one admin; Chorus's admin
  comes from CHORUS_ADMIN_*); duplicates answer 409, as the document's status list allows;
- the access token is Chorus's access JWT, valid on every dialect and the websocket, and
  logout revokes its session server-side (Spotizerr only asked the client to forget it).
"""

from __future__ import annotations

import msgspec
from aiohttp import web
from yarl import URL

from handlers.api._auth import (
    client_address,
    oauth_state_cookie,
    optional_principal,
    require_principal,
    set_oauth_state_cookie,
)
from handlers.api._input import read_struct
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.spotizerr.base import (
    SSO_PROVIDERS,
    UserOut,
    message,
    spotizerr,
    user_out,
)
from handlers.context import Context
from handlers.errors import BadGateway, FieldError, Invalid, Unauthorized
from handlers.identity import accounts, auth, sso
from handlers.identity.auth import Principal
from store.records import User

__all__ = ["setup_auth_routes"]

USERS_PAGE = 1000
DISPLAY_NAMES = {"google": "Google", "github": "GitHub"}
PROVIDER_PATTERN = "{provider:" + "|".join(SSO_PROVIDERS) + "}"


class LoginBody(msgspec.Struct):
    username: str  # a username or an e-mail
    password: str


class RegisterBody(msgspec.Struct):
    username: str
    password: str
    email: str | None = None


class CreateUserBody(msgspec.Struct):
    username: str
    password: str
    email: str | None = None
    role: str = "user"


class RoleBody(msgspec.Struct):
    role: str


class PasswordChangeBody(msgspec.Struct):
    current_password: str
    new_password: str


class AdminPasswordBody(msgspec.Struct):
    new_password: str


class LoginOut(msgspec.Struct):
    access_token: str
    user: UserOut
    token_type: str = "bearer"


class StatusOut(msgspec.Struct):
    auth_enabled: bool
    authenticated: bool
    user: UserOut | None
    registration_enabled: bool
    sso_enabled: bool
    sso_providers: list[str]


class SSOProviderOut(msgspec.Struct):
    name: str
    display_name: str
    enabled: bool
    login_url: str


class SSOStatusOut(msgspec.Struct):
    sso_enabled: bool
    providers: list[SSOProviderOut]
    registration_enabled: bool


def _ctx(request: web.Request) -> Context:
    return context(request)


def _require_username(username: str) -> str:
    if not username.strip():
        raise Invalid("Username is required", code="validation",
                      fields=[FieldError(("body", "username"), "Field required", "missing")])
    return username


async def _admin(request: web.Request) -> Principal:
    """401 without a valid token, 403 for non-admins: checked before any lookup."""
    principal = await require_principal(request)
    accounts.require_admin(principal)
    return principal


async def _target_user(request: web.Request) -> User:
    """The user an admin route names in its path (`{username}`); 404 when there is none."""
    return await accounts.find_user(_ctx(request), request.match_info["username"])


# -- status, login, registration, logout ----------------------------------------------------


async def status(request: web.Request) -> web.Response:
    ctx = _ctx(request)
    principal = await optional_principal(request)
    providers = sso.configured_providers(ctx, SSO_PROVIDERS)
    return json_response(StatusOut(
        auth_enabled=True, authenticated=principal is not None,
        user=await user_out(ctx, principal.user) if principal else None,
        registration_enabled=True, sso_enabled=bool(providers), sso_providers=providers))


async def login(request: web.Request) -> web.Response:
    body = await read_struct(request, LoginBody)
    ctx = _ctx(request)
    try:
        user = await auth.authenticate(ctx, body.username, password=body.password,
                                       source=client_address(request))
    except Unauthorized as exc:  # never tell which part was wrong, legacy errors or not
        raise Unauthorized("Invalid username or password", code="bad_credentials") from exc
    tokens = await auth.start_token_session(ctx, user)
    user = await accounts.get_user(ctx, user.id)  # with this login's last_login
    return json_response(LoginOut(access_token=tokens.access_token,
                                  user=await user_out(ctx, user)))


async def register(request: web.Request) -> web.Response:
    body = await read_struct(request, RegisterBody)
    await accounts.register(_ctx(request), username=_require_username(body.username),
                            email=body.email or None, password=body.password,
                            password_rules="spotizerr")
    return message("User created successfully")


async def logout(request: web.Request) -> web.Response:
    principal = await optional_principal(request)
    if principal is not None:
        await auth.end_session(_ctx(request), principal.session_id)
    return message("Logged out successfully")


# -- profile ---------------------------------------------------------------------------------


async def profile(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response(await user_out(_ctx(request), principal.user))


async def change_password(request: web.Request) -> web.Response:
    """Own password; every other session of the user ends, this one stays signed in."""
    principal = await require_principal(request)
    body = await read_struct(request, PasswordChangeBody)
    await auth.change_password(_ctx(request), principal, body.current_password,
                               body.new_password, password_rules="spotizerr")
    return message("Password changed successfully")


# -- admin user management -------------------------------------------------------------------


async def list_users(request: web.Request) -> web.Response:
    principal = await _admin(request)
    ctx = _ctx(request)
    users, offset = [], 0
    while True:
        page = await accounts.list_users(ctx, principal, offset=offset, limit=USERS_PAGE)
        users.extend(page)
        if len(page) < USERS_PAGE:
            break
        offset += USERS_PAGE
    return json_response([await user_out(ctx, user) for user in users])


async def create_user(request: web.Request) -> web.Response:
    principal = await _admin(request)
    body = await read_struct(request, CreateUserBody)
    await accounts.admin_create_user(
        _ctx(request), principal, username=_require_username(body.username),
        email=body.email or None, password=body.password, role=body.role,
        password_rules="spotizerr")
    return message("User created successfully")


async def delete_user(request: web.Request) -> web.Response:
    principal = await _admin(request)
    await accounts.delete_user(_ctx(request), principal, await _target_user(request))
    return message("User deleted successfully")


async def set_role(request: web.Request) -> web.Response:
    principal = await _admin(request)
    body = await read_struct(request, RoleBody)
    await accounts.set_role(_ctx(request), principal, await _target_user(request), body.role)
    return message("User role updated successfully")


async def reset_user_password(request: web.Request) -> web.Response:
    """Admin sets another user's password; that user's sessions all end."""
    principal = await _admin(request)
    body = await read_struct(request, AdminPasswordBody)
    await accounts.admin_set_password(_ctx(request), principal, await _target_user(request),
                                      body.new_password, password_rules="spotizerr")
    return message("Password reset successfully")


# -- SSO -------------------------------------------------------------------------------------


def _callback_uri(request: web.Request, provider: str) -> str:
    """Where the provider sends the browser back: under CHORUS_PUBLIC_URL when set, else
    under the origin the browser used (the provider checks it against its registered URIs)."""
    config = context(request).config
    origin = config.public_url.rstrip("/") or f"{request.scheme}://{request.host}"
    return f"{origin}/api/auth/sso/callback/{provider}"


def _frontend_redirect(request: web.Request, access_token: str) -> str:
    config = context(request).config
    return str(URL(config.frontend_url or config.base_url).update_query(token=access_token))


async def sso_status(request: web.Request) -> web.Response:
    providers = sso.configured_providers(_ctx(request), SSO_PROVIDERS)
    return json_response(SSOStatusOut(
        sso_enabled=bool(providers), registration_enabled=True,
        providers=[SSOProviderOut(name=p, display_name=DISPLAY_NAMES[p], enabled=True,
                                  login_url=f"/api/auth/sso/login/{p}") for p in providers]))


async def sso_login(request: web.Request) -> web.Response:
    """302 to the provider; a signed-in caller (bearer or cookie) links the account instead."""
    provider = request.match_info["provider"]
    principal = await optional_principal(request)
    url, state = await sso.begin_oauth(
        _ctx(request), provider, "link" if principal else "login",
        _callback_uri(request, provider), user_id=principal.user.id if principal else None)
    response = web.Response(status=302, headers={"Location": url, "Cache-Control": "no-store"})
    set_oauth_state_cookie(request, response, state)
    return response


async def sso_callback(request: web.Request) -> web.Response:
    """Finish the OAuth flow and 302 to the frontend with `?token=<access JWT>`.

    Spotizerr's UI (AuthProvider.checkForSSOToken) reads the token from the `token` query
    parameter of the page it lands on, so the redirect goes to CHORUS_FRONTEND_URL (else
    the public URL) with `?token=`. Spotizerr redirected failures to `?error=...`; Chorus
    answers them 400 (409 for an account linked to someone else, 401 for a disabled one)
    in the `{"error", "details"}` shape, so a refused or replayed state is plainly visible.
    It sets no extra cookie: the UI keeps the token itself.
    """
    provider = request.match_info["provider"]
    query = request.query
    if "error" in query:
        reason = (query.get("error_description") or query["error"])[:200]
        raise Invalid(f"{provider} refused the sign-in: {reason}", code="sso_failed")
    ctx = _ctx(request)
    try:
        result = await sso.complete_oauth(ctx, provider, query.get("code", ""),
                                          query.get("state", ""),
                                          _callback_uri(request, provider),
                                          oauth_state_cookie(request))
    except BadGateway as exc:
        raise Invalid(exc.message, code="sso_failed") from exc
    tokens = await auth.start_token_session(ctx, result.user)
    return web.Response(status=302, headers={
        "Location": _frontend_redirect(request, tokens.access_token),
        "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def sso_unlink(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    provider = request.match_info["provider"]
    if provider not in SSO_PROVIDERS:
        raise Invalid("Invalid SSO provider", code="invalid_sso_provider")
    await sso.unlink_provider(_ctx(request), principal, provider)
    return message(f"SSO provider {provider} unlinked successfully")


def setup_auth_routes(app: web.Application) -> None:
    r = app.router
    add = spotizerr.add
    add(r, "GET", "/api/auth/status", status)
    add(r, "POST", "/api/auth/login", login)
    add(r, "POST", "/api/auth/register", register)
    add(r, "POST", "/api/auth/logout", logout)
    add(r, "GET", "/api/auth/profile", profile)
    add(r, "PUT", "/api/auth/profile/password", change_password)
    add(r, "GET", "/api/auth/users", list_users)
    add(r, "POST", "/api/auth/users/create", create_user)
    add(r, "DELETE", "/api/auth/users/{username}", delete_user)
    add(r, "PUT", "/api/auth/users/{username}/role", set_role)
    add(r, "PUT", "/api/auth/users/{username}/password", reset_user_password)
    add(r, "GET", "/api/auth/sso/status", sso_status)
    add(r, "GET", f"/api/auth/sso/login/{PROVIDER_PATTERN}", sso_login)
    add(r, "GET", f"/api/auth/sso/callback/{PROVIDER_PATTERN}", sso_callback)
    add(r, "POST", "/api/auth/sso/unlink/{provider}", sso_unlink)
