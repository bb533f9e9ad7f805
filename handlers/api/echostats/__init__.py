"""EchoStats' API (shared/seeds/002): listening analytics for a Spotify account.

Errors are FastAPI's `{"detail": ...}` (422 lists `{"loc", "msg", "type"}`); endpoints accept
the httpOnly session cookie or `Authorization: Bearer <access token>`. `/api/health*` is served
by handlers/api/common.py.
"""

from __future__ import annotations

from aiohttp import web

from handlers.api.echostats import auth, listen_token
from handlers.api.echostats._dialect import EchoStatsDialect, echostats
from handlers.api.keys import fallback_dialects_key

__all__ = ["EchoStatsDialect", "echostats", "setup_routes", "PREFIXES"]

# Paths only EchoStats serves: unknown routes under them answer in its shape.
PREFIXES = ("/api/v1/auth/",)


def setup_routes(app: web.Application) -> None:
    auth.setup_routes(app)
    listen_token.setup_routes(app)
    for prefix in PREFIXES:
        app[fallback_dialects_key].append((prefix, echostats))
