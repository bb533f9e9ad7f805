"""Security headers, the CORS allow-list and gzip, applied to every response."""

from __future__ import annotations

from aiohttp import web

from handlers.api.dialect import STREAMING_ATTR
from hub.keys import config_key
from hub.middleware.forwarded import client_origin

__all__ = ["cors_preflight_middleware", "on_response_prepare", "gzip_middleware"]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=()",
}
CSP = "default-src 'self'; img-src 'self' data: https:; frame-ancestors 'none'"
CORS_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
CORS_HEADERS = ("Authorization, Content-Type, X-Request-ID, X-Password-Encrypted, "
                "X-Requested-With, Last-Event-ID")
GZIP_MIN_BYTES = 1024


def _allowed_origin(request: web.Request) -> str | None:
    origin = request.headers.get("Origin")
    allowed = request.app[config_key].cors_origins
    if origin and ("*" in allowed or origin in allowed):
        return origin
    return None


@web.middleware
async def cors_preflight_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        origin = _allowed_origin(request)
        if origin is None:
            return web.Response(status=403, text="CORS origin not allowed")
        return web.Response(status=204, headers={
            "Access-Control-Allow-Methods": CORS_METHODS,
            "Access-Control-Allow-Headers": CORS_HEADERS,
            "Access-Control-Max-Age": "600",
        })
    return await handler(request)


@web.middleware
async def gzip_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    response = await handler(request)
    if (isinstance(response, web.Response)
            and not getattr(request.match_info.handler, STREAMING_ATTR, False)
            and "gzip" in request.headers.get("Accept-Encoding", "")
            and response.body is not None and len(response.body) >= GZIP_MIN_BYTES  # type: ignore[arg-type]
            and "Content-Encoding" not in response.headers):
        response.enable_compression(web.ContentCoding.gzip)
    return response


async def on_response_prepare(request: web.Request, response: web.StreamResponse) -> None:
    if response.status == 101:
        # A websocket upgrade carries no document to frame, sniff or embed, and browsers
        # apply no CORS to it; headers added here would be kept for the connection's life.
        return
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.content_type == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
    if request.app[config_key].secure_cookies or client_origin(request).scheme == "https":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    origin = _allowed_origin(request)
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Expose-Headers"] = "X-Request-ID, Retry-After"
        response.headers.add("Vary", "Origin")
