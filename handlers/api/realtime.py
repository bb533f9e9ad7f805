"""Glue between identity and the realtime node: who a connection is, who may subscribe to
which channel, and the websocket route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from handlers.api._auth import SESSION_COOKIE
from handlers.api.keys import context
from handlers.context import Context
from handlers.crypto import TokenExpired, TokenInvalid, read_access_token
from handlers.errors import DomainError
from handlers.identity.auth import Principal, principal_from_access_token, principal_from_cookie
from hub.keys import limiter_key
from hub.ratelimiter import client_key
from hub.realtime.centrifugo_token import TokenVerifier
from hub.realtime.connection import websocket_handler
from hub.realtime.node import Node
from hub.realtime.protocol import encode_json
from hub.realtime.server_api import BadRequest, ServerAPI, UnknownMethod
from hub.realtime.sse import uni_http_stream_handler, uni_http_stream_options, uni_sse_handler
from hub.realtime.types import AuthError, Identity

# (request, node, cookie identity) -> the streaming response of a unidirectional transport
UniHandler = Callable[[web.Request, Node, Identity | None], Awaitable[web.StreamResponse]]

__all__ = ["identify_token", "identify_cookie", "setup_realtime_routes", "identity_of",
           "serve_server_api"]


def identity_of(principal: Principal, expires_at: float | None) -> Identity:
    user = principal.user
    info = encode_json({"username": user.username, "name": user.name})
    return Identity(user=str(user.id), info=info, expires_at=expires_at,
                    session=principal.session_id)


async def identify_token(ctx: Context, token: str,
                         external: TokenVerifier | None = None) -> Identity:
    """A Chorus access token (the JWT every REST dialect issues) -> Identity; otherwise,
    with `external` (client.token.hmac_secret_key configured), a Centrifugo connection token
    -> an external Identity, which is never a Chorus account whatever its `sub`."""
    try:
        claims = read_access_token(ctx.keys.signing_key, token)
    except TokenExpired as exc:
        raise AuthError(expired=True) from exc
    except TokenInvalid as exc:
        if external is None:
            raise AuthError() from exc
        return external.connection_identity(token)
    try:
        principal = await principal_from_access_token(ctx, token)
    except DomainError as exc:
        raise AuthError() from exc
    return identity_of(principal, float(claims.exp))


async def identify_cookie(ctx: Context, request: web.Request) -> Identity | None:
    """The browser session of a same-origin websocket; None without a valid one."""
    cookie = request.cookies.get(SESSION_COOKIE)
    origin = request.headers.get("Origin")
    if not cookie or (origin and origin.split("://", 1)[-1] != request.host):
        return None
    try:
        principal = await principal_from_cookie(ctx, cookie)
    except DomainError:
        return None
    return identity_of(principal, None)


async def serve_server_api(request: web.Request, api: ServerAPI | None) -> web.Response:
    """Centrifugo's server API at /hub/api/<method>: 404 while http_api.key is unset, 401
    without the key (after too many failures from one address, 429), else the answer."""
    if api is None or not api.enabled:
        return web.Response(status=404, text="404: Not Found")
    if not api.authorized(request.headers.get("X-API-Key"), request.headers.get("Authorization"),
                          request.query.get("api_key")):
        config = context(request).config
        if config.rate_limit > 0 and request.app[limiter_key].check(
                ("hub-api-key", client_key(request)), config.rate_limit,
                config.rate_limit_window) > 0:
            return web.Response(status=429)
        return web.Response(status=401)
    try:
        body = await api.call(request.match_info["method"], await request.read())
    except UnknownMethod:
        return web.Response(status=404, text="404 page not found")
    except BadRequest:
        return web.Response(status=400, text="Bad Request")
    return web.Response(body=body, content_type="application/json")


def setup_realtime_routes(app: web.Application, node: Node,
                          server_api: ServerAPI | None = None) -> None:
    async def websocket(request: web.Request) -> web.StreamResponse:
        identity = await identify_cookie(context(request), request)
        return await websocket_handler(request, node, identity)

    from handlers.api.dialect import Handler, mark_streaming

    app.router.add_get("/connection/websocket", mark_streaming(websocket))

    def unidirectional(serve: UniHandler) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            identity = await identify_cookie(context(request), request)
            return await serve(request, node, identity)

        return mark_streaming(handler)

    app.router.add_get("/connection/uni_sse", unidirectional(uni_sse_handler), allow_head=False)
    app.router.add_post("/connection/uni_sse", unidirectional(uni_sse_handler))
    app.router.add_post("/connection/uni_http_stream", unidirectional(uni_http_stream_handler))
    app.router.add_route("OPTIONS", "/connection/uni_http_stream", uni_http_stream_options)

    async def hub_api(request: web.Request) -> web.StreamResponse:
        return await serve_server_api(request, server_api)

    app.router.add_post("/hub/api/{method}", hub_api)
