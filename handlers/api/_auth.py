"""Who is asking: a bearer access token or the browser session cookie."""

from __future__ import annotations

from aiohttp import web

from handlers.api._origin import is_state_change, refuse_foreign_origin
from handlers.api.keys import context, cookie_principal_key, principal_key
from handlers.errors import DomainError, Unauthorized
from handlers.identity.auth import Principal, principal_from_access_token, principal_from_cookie
from hub.ratelimiter import client_key

__all__ = ["SESSION_COOKIE", "SESSION_COOKIE_ALIASES", "SIGNED_OUT_CODES", "bearer_token",
           "client_address", "get_principal",
           "optional_principal", "require_principal", "require_stream_principal",
           "signed_out_messages",
           "set_session_cookie", "clear_session_cookie", "secure_cookies",
           "OAUTH_STATE_COOKIE", "set_oauth_state_cookie", "oauth_state_cookie"]

SESSION_COOKIE = "chorus_session"
# Other names of the same session cookie: Openwhyd's clients keep theirs as `whydSid`. The
# values are the same session token, so either name opens the one session (chorus_session
# is read first) and signing out clears both.
SESSION_COOKIE_ALIASES = ("whydSid",)
OAUTH_STATE_COOKIE = "chorus_oauth_state"
# Every way of not being signed in: no credential, or one that is bad, expired or revoked
SIGNED_OUT_CODES = ("not_authenticated", "token_invalid", "token_expired", "session_revoked",
                    "session_expired", "account_inactive")


def signed_out_messages(message: str, *, no_credential: str | None = None) -> dict[str, str]:
    """A dialect's wording of SIGNED_OUT_CODES: all `message`, except `no_credential` (when given)
    for a request that sent no credential at all."""
    messages = dict.fromkeys(SIGNED_OUT_CODES, message)
    if no_credential is not None:
        messages["not_authenticated"] = no_credential
    return messages


def client_address(request: web.Request) -> str:
    """Where a sign-in comes from, for the sign-in backoff: the address the rate limits use."""
    return client_key(request)


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


async def get_principal(request: web.Request, *, changes_state: bool = False
                        ) -> Principal | None:
    """The signed-in principal, or None when no credential was sent.

    A credential that was sent but is invalid, expired or revoked raises Unauthorized. A
    principal from the session cookie may change state (an unsafe method, or a GET whose
    handler says `changes_state`) only from this site: Forbidden otherwise (CSRF).
    """
    if principal_key not in request:
        request[principal_key] = await _principal_of_credential(request)
    principal = request[principal_key]
    if (principal is not None and request.get(cookie_principal_key, False)
            and is_state_change(request, changes_state)):
        refuse_foreign_origin(request)
    return principal


async def _principal_of_credential(request: web.Request) -> Principal | None:
    ctx = context(request)
    token = bearer_token(request)
    if token is not None:
        return await principal_from_access_token(ctx, token)
    for name in (SESSION_COOKIE, *SESSION_COOKIE_ALIASES):
        cookie = request.cookies.get(name)
        if not cookie:
            continue
        try:
            principal = await principal_from_cookie(ctx, cookie)
        except DomainError:
            continue  # a stale cookie is the same as none
        request[cookie_principal_key] = True
        return principal
    return None


async def optional_principal(request: web.Request) -> Principal | None:
    """The signed-in principal for routes that need none: a bad, stale or revoked credential
    counts as none."""
    try:
        return await get_principal(request)
    except DomainError:
        return None


async def require_principal(request: web.Request, message: str = "Not authenticated", *,
                            changes_state: bool = False) -> Principal:
    """The signed-in principal, else Unauthorized with `message`; `changes_state`: this GET
    changes state, so a cookie principal must come from this site (see get_principal)."""
    principal = await get_principal(request, changes_state=changes_state)
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


def secure_cookies(request: web.Request) -> bool:
    """Cookies are marked Secure when the operator says so or the client came over https (as
    the trusted proxies tell it: `request.scheme` is the client's, hub/middleware/forwarded)."""
    return context(request).config.secure_cookies or request.secure


def set_session_cookie(request: web.Request, response: web.StreamResponse, value: str, *,
                       also: tuple[str, ...] = ()) -> None:
    """Set the session cookie, and under the alias names in `also` (same value, same flags)."""
    config = context(request).config
    secure = secure_cookies(request)
    for name in (SESSION_COOKIE, *also):
        response.set_cookie(name, value, max_age=config.session_ttl, httponly=True,
                            samesite="Lax", secure=secure, path="/")


def clear_session_cookie(response: web.StreamResponse) -> None:
    for name in (SESSION_COOKIE, *SESSION_COOKIE_ALIASES):
        response.del_cookie(name, path="/")


def set_oauth_state_cookie(request: web.Request, response: web.StreamResponse, state: str) -> None:
    """Bind an OAuth flow to the browser that started it (checked by the callback)."""
    response.set_cookie(OAUTH_STATE_COOKIE, state, max_age=600, httponly=True, samesite="Lax",
                        secure=secure_cookies(request), path="/")


def oauth_state_cookie(request: web.Request) -> str | None:
    return request.cookies.get(OAUTH_STATE_COOKIE)
