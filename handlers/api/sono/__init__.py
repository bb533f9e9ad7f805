"""Sono's API (shared/seeds/003): errors are FastAPI's `{"detail": ...}`; passwords may come
RSA-encrypted; bearer access tokens with rotating refresh tokens.

Submodules: `users` (accounts, tokens, password reset, profile, GDPR), `maintenance`,
`collections` (albums, playlists, compilations, their tracks and collaborators), `audio`
(uploads and streams), `announcements`, `admin` (users and audio), `admin_collections`
(counts over collections) and `kworb` (charts).
"""

from __future__ import annotations

from aiohttp import web

from handlers.api.keys import fallback_dialects_key
from handlers.api.sono import (
    admin,
    admin_collections,
    announcements,
    audio,
    collections,
    kworb,
    maintenance,
    users,
)
from handlers.api.sono._dialect import SonoDialect, sono

__all__ = ["SonoDialect", "sono", "setup_routes", "PREFIXES"]

# Paths only Sono serves under the /api/v1 it shares with EchoStats: unknown routes below them
# answer in Sono's shape too.
PREFIXES = ("/api/v1/users", "/api/v1/admin", "/api/v1/audio", "/api/v1/collections",
            "/api/v1/announcements", "/api/v1/kworb")


def setup_routes(app: web.Application) -> None:
    users.setup_routes(app)
    maintenance.setup_routes(app)
    collections.setup_routes(app)
    audio.setup_routes(app)
    announcements.setup_routes(app)
    admin.setup_routes(app)
    admin_collections.setup_routes(app)
    kworb.setup_routes(app)
    app[fallback_dialects_key].extend((prefix, sono) for prefix in PREFIXES)
