"""EchoStats' API (shared/seeds/002): listening analytics for a Spotify account.

Errors are FastAPI's `{"detail": ...}` (422 lists `{"loc", "msg", "type"}`); endpoints accept
the httpOnly session cookie or `Authorization: Bearer <access token>`. `/api/health*` is served
by handlers/api/common.py.
"""

from __future__ import annotations

from aiohttp import web

from handlers.api.echostats import (
    analytics,
    api_logs,
    auth,
    catalog,
    history,
    listen_token,
    player,
    recommendations,
    spotify,
    sync_jobs,
    tops,
)
from handlers.api.echostats._dialect import EchoStatsDialect, echostats
from handlers.api.keys import fallback_dialects_key

__all__ = ["EchoStatsDialect", "echostats", "setup_routes", "PREFIXES"]

# Paths only EchoStats serves: unknown routes under them answer in its shape.
PREFIXES = (
    "/api/v1/auth/",
    "/api/v1/analytics/",
    "/api/v1/history",
    "/api/v1/tracks/",
    "/api/v1/artists/",
    "/api/v1/albums/",
    "/api/v1/genres/",
    "/api/v1/player/",
    "/api/v1/playlists",
    "/api/v1/browse/",
    "/api/v1/library/",
    "/api/v1/api-logs",
    "/api/v1/sync-jobs",
    "/api/v1/recommendations",
)


def setup_routes(app: web.Application) -> None:
    auth.setup_routes(app)
    listen_token.setup_routes(app)
    player.setup_routes(app)
    spotify.setup_routes(app)
    catalog.setup_routes(app)
    api_logs.setup_routes(app)
    analytics.setup_routes(app)
    history.setup_routes(app)
    tops.setup_routes(app)
    sync_jobs.setup_routes(app)
    recommendations.setup_routes(app)
    for prefix in PREFIXES:
        app[fallback_dialects_key].append((prefix, echostats))
