"""Token-bucket rate limits: an overall budget per client, plus per-endpoint budgets (Sono's
table). A refused request answers 429 with Retry-After in the route's dialect."""

from __future__ import annotations

import math

from aiohttp import web

from handlers.errors import RateLimited
from hub.keys import config_key, limiter_key, metrics_key
from hub.middleware.errors import request_dialect
from hub.ratelimiter import RateLimiter, client_key

__all__ = ["RateLimiter", "ENDPOINT_LIMITS", "ratelimit_middleware", "client_key"]

# (method, path) -> (requests, seconds): Sono's documented per-endpoint limits, per IP.
ENDPOINT_LIMITS: dict[tuple[str, str], tuple[int, float]] = {
    ("POST", "/api/v1/users/"): (5, 60),
    ("POST", "/api/v1/users/token"): (10, 60),
    ("POST", "/api/v1/users/token/refresh"): (30, 60),
    ("DELETE", "/api/v1/users/me"): (3, 3600),
    ("POST", "/api/v1/users/forgot-password"): (3, 3600),
    ("POST", "/api/v1/users/reset-password"): (5, 3600),
}
# /hub/api/: Centrifugo's server API, for servers holding http_api.key (its handler limits
# the requests that fail the key check, per address)
EXEMPT_PREFIXES = ("/health", "/api/health", "/metrics", "/hub/api/")


@web.middleware
async def ratelimit_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    config = request.app[config_key]
    if request.path.startswith(EXEMPT_PREFIXES) or request.method == "OPTIONS":
        return await handler(request)
    limiter = request.app[limiter_key]
    client = client_key(request)
    checks: list[tuple[tuple[str, ...], int, float, str]] = []
    if config.rate_limit > 0:
        checks.append((("all", client), config.rate_limit, config.rate_limit_window, "overall"))
    if config.endpoint_rate_limits:
        limit = ENDPOINT_LIMITS.get((request.method, request.path))
        if limit is not None:
            checks.append((("ep", request.method, request.path, client), limit[0], limit[1],
                           "endpoint"))
    for key, capacity, window, name in checks:
        wait = limiter.check(key, capacity, window)
        if wait > 0:
            request.app[metrics_key].rate_limited.labels(name).inc()
            err = RateLimited("Too many requests. Please slow down.",
                              retry_after=max(1, math.ceil(wait)))
            return request_dialect(request).render_error(err)
    return await handler(request)
