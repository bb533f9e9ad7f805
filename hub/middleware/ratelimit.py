"""Token-bucket rate limits: an overall budget per signed-in user or, for anonymous requests, per
client address; plus strict per-endpoint budgets per address on signing in, registering and
resetting passwords. A refused request answers 429 with Retry-After in the route's dialect."""

from __future__ import annotations

import math

from aiohttp import web

from handlers.api._auth import optional_principal
from handlers.errors import RateLimited
from hub.keys import config_key, limiter_key, metrics_key
from hub.middleware.errors import request_dialect
from hub.ratelimiter import RateLimiter, client_key

__all__ = ["RateLimiter", "ENDPOINT_LIMITS", "ratelimit_middleware", "client_key", "budget_key"]

SIGN_IN = (10, 60.0)
REGISTER = (5, 60.0)
FORGOT = (3, 3600.0)
RESET = (5, 3600.0)
# (method, path) -> (requests, seconds), per client address: Sono's documented table, and the
# same budgets on every other dialect's sign-in, registration and password reset
ENDPOINT_LIMITS: dict[tuple[str, str], tuple[int, float]] = {
    ("POST", "/api/v1/users/"): REGISTER,
    ("POST", "/api/v1/users/token"): SIGN_IN,
    ("POST", "/api/v1/users/token/refresh"): (30, 60),
    ("DELETE", "/api/v1/users/me"): (3, 3600),
    ("POST", "/api/v1/users/forgot-password"): FORGOT,
    ("POST", "/api/v1/users/reset-password"): RESET,
    ("POST", "/api/login"): SIGN_IN,  # Spot On
    ("POST", "/api/register"): REGISTER,
    ("POST", "/api/forget-password"): FORGOT,
    ("POST", "/api/reset-password"): RESET,
    ("POST", "/api/auth/login"): SIGN_IN,  # Spotizerr
    ("POST", "/api/auth/register"): REGISTER,
    ("POST", "/login"): SIGN_IN,  # Openwhyd
    ("POST", "/register"): REGISTER,
}
# /hub/api/: Centrifugo's server API, for servers holding http_api.key (its handler limits
# the requests that fail the key check, per address)
EXEMPT_PREFIXES = ("/health", "/api/health", "/metrics", "/hub/api/")


async def budget_key(request: web.Request) -> tuple[tuple[str, ...], bool]:
    """Whose overall budget a request draws from: its signed-in user's, else its address's
    (a credential that is bad or stale counts as none). (key, signed in)."""
    principal = await optional_principal(request)
    if principal is not None:
        return ("user", str(principal.user.id)), True
    return ("addr", client_key(request)), False


@web.middleware
async def ratelimit_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    config = request.app[config_key]
    if request.path.startswith(EXEMPT_PREFIXES) or request.method == "OPTIONS":
        return await handler(request)
    limiter = request.app[limiter_key]
    checks: list[tuple[tuple[str, ...], int, float, str]] = []
    if config.rate_limit > 0:
        key, signed_in = await budget_key(request)
        capacity = config.rate_limit_user if signed_in else config.rate_limit
        checks.append((key, capacity, config.rate_limit_window,
                       "user" if signed_in else "overall"))
    if config.endpoint_rate_limits:
        limit = ENDPOINT_LIMITS.get((request.method, request.path))
        if limit is not None:
            checks.append((("ep", request.method, request.path, client_key(request)),
                           limit[0], limit[1], "endpoint"))
    for key, capacity, window, name in checks:
        wait = limiter.check(key, capacity, window)
        if wait > 0:
            request.app[metrics_key].rate_limited.labels(name).inc()
            err = RateLimited("Too many requests. Please slow down.",
                              retry_after=max(1, math.ceil(wait)))
            return request_dialect(request).render_error(err)
    return await handler(request)
