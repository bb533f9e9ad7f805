"""Routes that belong to no single dialect: health, readiness, version, metrics.

Health and readiness are public. `/metrics` tells how many accounts there are and how the
server is used, so it is off (404, as an unknown route) until the operator sets
CHORUS_METRICS_TOKEN, and then answers only to `Authorization: Bearer <that token>` (401
otherwise), the header Prometheus sends from a scrape job's `authorization: credentials`.
"""

from __future__ import annotations

import hmac
import time

from aiohttp import web

from handlers import health as health_checks
from handlers.api._auth import bearer_token
from handlers.api.dialect import FastAPIDialect, json_response
from handlers.api.keys import context, fallback_dialects_key
from hub.keys import metrics_key, node_key
from hub.metrics import CONTENT_TYPE_LATEST

__all__ = ["setup_common_routes", "VERSION", "SERVICE", "ECHOSTATS_SERVICE"]

VERSION = "0.1.0"
SERVICE = "chorus"
ECHOSTATS_SERVICE = "echostats-api"  # what EchoStats' document has /api/health answer
STARTED = time.time()


class HealthDialect(FastAPIDialect):
    """EchoStats and Sono both answer `{"detail": ...}`."""

    name = "health"


health = HealthDialect()


def _health(service: str) -> web.Response:
    return json_response({"status": "healthy", "service": service, "version": VERSION,
                          "uptime_seconds": round(time.time() - STARTED, 1)})


async def get_health(request: web.Request) -> web.Response:
    """Sono's `/health`: liveness and version."""
    return _health(SERVICE)


async def get_api_health(request: web.Request) -> web.Response:
    """EchoStats' `/api/health`: the same, naming the service as EchoStats does."""
    return _health(ECHOSTATS_SERVICE)


async def get_ready(request: web.Request) -> web.Response:
    """Ready when the store and the broker answer; 503 naming the parts that do not."""
    reasons = await health_checks.readiness(context(request), request.app[node_key].broker.ping)
    if reasons:
        return json_response({"status": "not_ready", "reason": ", ".join(reasons)}, status=503)
    return json_response({"status": "ready"})


async def get_update(request: web.Request) -> web.Response:
    """The current version; the latest release cannot be looked up offline, and it says so."""
    return json_response({
        "current_version": VERSION,
        "latest_version": None,
        "update_available": False,
        "release_url": None,
        "release_notes": None,
        "published_at": None,
        "checked": False,
        "reason": "release check unavailable: Chorus does not call out to the internet",
    })


def _metrics_refusal(request: web.Request) -> web.Response | None:
    """Why `/metrics` is not served to this request, or None when it is."""
    expected = context(request).config.metrics_token
    if not expected:
        return json_response({"detail": "Not Found"}, status=404)
    given = bearer_token(request) or ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return json_response({"detail": "Not authenticated"}, status=401,
                             headers={"WWW-Authenticate": "Bearer"})
    return None


async def get_metrics(request: web.Request) -> web.Response:
    refusal = _metrics_refusal(request)
    if refusal is not None:
        return refusal
    metrics = request.app[metrics_key]
    metrics.users.set(await health_checks.user_count(context(request)))
    return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def setup_common_routes(app: web.Application) -> None:
    r = app.router
    health.add(r, "GET", "/health", get_health)
    health.add(r, "GET", "/api/health", get_api_health)
    health.add(r, "GET", "/api/health/ready", get_ready)
    health.add(r, "GET", "/api/health/update", get_update)
    health.add(r, "GET", "/metrics", get_metrics)
    # EchoStats and Sono share /api/v1 and the {"detail"} shape
    app[fallback_dialects_key].append(("/api/v1/", health))
