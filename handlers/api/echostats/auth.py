"""EchoStats' `/api/v1/auth/*`: Spotify OAuth sign-in, status, token refresh, logout, dev login.

Signing in with Spotify while already signed in to Chorus (any dialect's cookie or token) links
the Spotify account to that user; otherwise the linked user is signed in, or a new one created.
Spotify tokens are stored encrypted by handlers.identity.sso. The background sync EchoStats starts after a
callback belongs to the sync-jobs endpoints and is not started here yet.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from handlers.api._auth import (
    SESSION_COOKIE,
    clear_session_cookie,
    oauth_state_cookie,
    optional_principal,
    require_principal,
    set_oauth_state_cookie,
    set_session_cookie,
)
from handlers.api.dialect import describe, json_response
from handlers.api.echostats._dialect import echostats, iso
from handlers.api.keys import context
from handlers.errors import DomainError, FieldError, Invalid, NotFound
from handlers.identity import accounts, auth, sso
from store.records import OAuthAccount, User

__all__ = ["setup_routes", "PREFIX", "CALLBACK_PATH", "DEMO_USERNAME", "callback_uri"]

PREFIX = "/api/v1/auth"
CALLBACK_PATH = f"{PREFIX}/callback"
PROVIDER = "spotify"
DEMO_USERNAME = "demo_user"
DEMO_NAME = "Demo User"
MAX_ERROR_TEXT = 100


class LoginUrl(msgspec.Struct):
    url: str
    state: str


class CallbackQuery(msgspec.Struct):
    code: str = ""
    state: str = ""
    error: str = ""


class StatusUser(msgspec.Struct):
    id: str
    spotify_id: str | None
    display_name: str
    image_url: str | None
    product: str | None


class SignedIn(msgspec.Struct):
    user: StatusUser
    token_expires_at: str | None
    authenticated: bool = True


class SignedOut(msgspec.Struct):
    authenticated: bool = False


class StatusOnly(msgspec.Struct):
    status: str


class DevUser(msgspec.Struct):
    id: str
    spotify_id: str
    display_name: str


class DevLogin(msgspec.Struct):
    user: DevUser
    token: str
    status: str = "authenticated"


def callback_uri(request: web.Request) -> str:
    """The redirect URI registered at Spotify: CHORUS_PUBLIC_URL's, else this request's origin."""
    config = context(request).config
    base = config.public_url.rstrip("/") or f"{request.scheme}://{request.host}"
    return base + CALLBACK_PATH


def _wants_html(request: web.Request) -> bool:
    return "text/html" in request.headers.get("Accept", "")


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


async def login(request: web.Request) -> web.Response:
    """Browsers are sent to Spotify's consent page; API clients get its URL and the state."""
    ctx = context(request)
    principal = await optional_principal(request)
    url, state = await sso.begin_oauth(
        ctx, PROVIDER, "link" if principal else "login", callback_uri(request),
        user_id=principal.user.id if principal else None)
    response = _redirect(url) if _wants_html(request) else json_response(
        LoginUrl(url=url, state=state))
    set_oauth_state_cookie(request, response, state)
    return response


def _read_callback(request: web.Request) -> CallbackQuery:
    query = CallbackQuery(**{f: request.query.get(f, "") for f in CallbackQuery.__struct_fields__})
    if query.error:
        raise Invalid(f"Spotify authorization failed: {query.error[:MAX_ERROR_TEXT]}",
                      code="oauth_denied")
    missing = [f for f in ("code", "state") if not getattr(query, f)]
    if missing:
        raise Invalid("Missing query parameters", code="validation", fields=[
            FieldError(("query", f), "field required", "value_error.missing") for f in missing])
    return query


@describe(query=CallbackQuery)  # read in _read_callback
async def callback(request: web.Request) -> web.Response:
    """Spotify sends the browser back here: sign in, then off to the frontend with a cookie."""
    query = _read_callback(request)
    ctx = context(request)
    result = await sso.complete_oauth(ctx, PROVIDER, query.code, query.state,
                                      callback_uri(request), oauth_state_cookie(request))
    config = context(request).config
    frontend = (config.frontend_url or config.base_url).rstrip("/")
    response = _redirect(f"{frontend}/auth/callback?status=success")
    set_session_cookie(request, response, await auth.start_cookie_session(ctx, result.user))
    return response


def _dev_spotify_id(user: User) -> str | None:
    """The Spotify id dev-login answered for its demo account (none is linked to it)."""
    return DEMO_USERNAME if user.username == DEMO_USERNAME and user.password_hash is None else None


def _status_user(user: User, link: OAuthAccount | None) -> StatusUser:
    profile: dict[str, Any] = link.profile if link else {}
    images = profile.get("images") or []
    image = images[0].get("url") if images and isinstance(images[0], dict) else None
    product = profile.get("product")
    return StatusUser(
        id=str(user.id), spotify_id=link.subject if link else _dev_spotify_id(user),
        display_name=user.name or profile.get("display_name") or user.username or "",
        image_url=image or user.avatar_url or None,
        product=product if isinstance(product, str) else None)


async def status(request: web.Request) -> web.Response:
    principal = await optional_principal(request)
    if principal is None:
        return json_response(SignedOut())
    link = await sso.provider_link(context(request), principal.user.id, PROVIDER)
    return json_response(SignedIn(user=_status_user(principal.user, link),
                                  token_expires_at=iso(link.expires_at) if link else None))


async def refresh(request: web.Request) -> web.Response:
    """A new Spotify access token from the stored refresh token."""
    principal = await require_principal(request)
    await sso.refresh_provider_token(context(request), principal.user.id, PROVIDER)
    return json_response(StatusOnly(status="refreshed"))


async def logout(request: web.Request) -> web.Response:
    """Revoke the sessions of the credentials sent (bearer and cookie) and clear the cookie."""
    ctx = context(request)
    principal = await optional_principal(request)
    if principal is not None:
        await auth.end_session(ctx, principal.session_id)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            await auth.end_session(ctx, (await auth.principal_from_cookie(ctx, cookie)).session_id)
        except DomainError:
            pass  # already revoked or expired
    response = json_response(StatusOnly(status="logged_out"))
    clear_session_cookie(response)
    return response


async def dev_login(request: web.Request) -> web.Response:
    """CHORUS_DEV only: sign in as the demo user without Spotify (cookie and bearer token)."""
    if not context(request).config.dev:
        raise NotFound("Not Found", code="route_not_found")
    ctx = context(request)
    user = await accounts.ensure_passwordless_user(ctx, DEMO_USERNAME, DEMO_NAME)
    tokens = await auth.start_token_session(ctx, user)
    response = json_response(DevLogin(
        user=DevUser(id=str(user.id), spotify_id=DEMO_USERNAME,
                     display_name=user.name or DEMO_NAME),
        token=tokens.access_token))
    set_session_cookie(request, response, await auth.start_cookie_session(ctx, user))
    return response


def setup_routes(app: web.Application) -> None:
    r = app.router
    echostats.add(r, "GET", f"{PREFIX}/login", login)
    echostats.add(r, "GET", CALLBACK_PATH, callback)
    echostats.add(r, "GET", f"{PREFIX}/status", status)
    echostats.add(r, "POST", f"{PREFIX}/refresh", refresh)
    echostats.add(r, "POST", f"{PREFIX}/logout", logout)
    echostats.add(r, "GET", f"{PREFIX}/dev-login", dev_login)
