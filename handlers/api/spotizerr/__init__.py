"""Spotizerr's API (shared/seeds/001): JWT bearer auth, errors `{"error": ..., "details": ...}`.

Submodules: `base` (the dialect, user rendering), `auth` (/api/auth/...: accounts, admin, SSO),
`catalog` (track/album/playlist/artist info, /api/search/), `settings` (/api/config/...),
`credentials` (/api/credentials/...), `watch` (/api/playlist|artist/watch/...), `downloads`
(/api/<type>/download/...), `progress` (/api/prgs/..., SSE in `progress_stream`), `history`
(/api/history/...); `tasks` renders download tasks.
"""

from __future__ import annotations

from aiohttp import web

from handlers.api.spotizerr.auth import setup_auth_routes
from handlers.api.spotizerr.base import spotizerr
from handlers.api.spotizerr.catalog import setup_catalog_routes
from handlers.api.spotizerr.credentials import setup_credentials_routes
from handlers.api.spotizerr.downloads import setup_download_routes
from handlers.api.spotizerr.history import setup_history_routes
from handlers.api.spotizerr.progress import setup_progress_routes
from handlers.api.spotizerr.settings import setup_settings_routes
from handlers.api.spotizerr.watch import setup_watch_routes
from hub.keys import fallback_dialects_key

__all__ = ["spotizerr", "setup_routes", "PREFIXES"]

# Path prefixes that only Spotizerr serves: unknown paths under them answer in its shape.
PREFIXES = ("/api/auth/", "/api/config/", "/api/credentials/", "/api/prgs/", "/api/history/")


def setup_routes(app: web.Application) -> None:
    setup_auth_routes(app)
    setup_catalog_routes(app)
    setup_settings_routes(app)
    setup_credentials_routes(app)
    setup_download_routes(app)
    setup_progress_routes(app)
    setup_history_routes(app)
    setup_watch_routes(app)
    for prefix in PREFIXES:
        app[fallback_dialects_key].append((prefix, spotizerr))
