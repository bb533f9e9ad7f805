"""Who is asking: a bearer access token or the browser session cookie."""

from __future__ import annotations

from aiohttp import web

from handlers.api.keys import context, principal_key
from handlers.errors import DomainError, Unauthorized
from handlers.identity.auth import Principal, principal_from_access_token, principal_from_cookie

__all__ = ["SESSION_COOKIE", "bearer_token", "get_principal", "require_principal",
           "require_stream_principal",
           "set_session_cookie", "clear_session_cookie",
           "OAUTH_STATE_COOKIE", "set_oauth_state_cookie", "oauth_state_cookie"]

SESSION_COOKIE = "chorus_session"
OAUTH_STATE_COOKIE = "chorus_oauth_state"


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


async def get_principal(request: web.Request) -> Principal | None:
    """The signed-in principal, or None when no credential was sent.

    A credential that was sent but is invalid, expired or revoked raises Unauthorized.
    """
    if principal_key in request:
        return request[principal_key]
    ctx = context(request)
    token = bearer_token(request)
    principal: Principal | None = None
    if token is not None:
        principal = await principal_from_access_token(ctx, token)
    elif request.cookies.get(SESSION_COOKIE):
        try:
            principal = await principal_from_cookie(ctx, request.cookies[SESSION_COOKIE])
        except DomainError:
            principal = None  # a stale cookie is the same as none
    request[principal_key] = principal
    return principal


async def require_principal(request: web.Request, message: str = "Not authenticated"
                            ) -> Principal:
    principal = await get_principal(request)
    if principal is None:
        raise Unauthorized(message, code="not_authenticated")
    return principal


async def require_stream_principal(request: web.Request) -> Principal:
    """`require_principal` for EventSource streams: browsers cannot set headers on them, so
    the access token may also come as `?token=` (the access log records paths without
    their query)."""
    token = request.query.get("token", "").strip()
    if token and bearer_token(request) is None and principal_key not in request:
        request[principal_key] = await principal_from_access_token(context(request), token)
    return await require_principal(request)


def set_session_cookie(request: web.Request, response: web.StreamResponse, value: str) -> None:
    config = context(request).config
    response.set_cookie(SESSION_COOKIE, value, max_age=config.session_ttl, httponly=True,
                        samesite="Lax", secure=config.secure_cookies, path="/")


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path="/")


def set_oauth_state_cookie(request: web.Request, response: web.StreamResponse, state: str) -> None:
    """Bind an OAuth flow to the browser that started it (checked by the callback)."""
    response.set_cookie(OAUTH_STATE_COOKIE, state, max_age=600, httponly=True, samesite="Lax",
                        secure=context(request).config.secure_cookies, path="/")


def oauth_state_cookie(request: web.Request) -> str | None:
    return request.cookies.get(OAUTH_STATE_COOKIE)
