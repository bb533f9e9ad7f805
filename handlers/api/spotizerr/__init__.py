"""Spotizerr's API (shared/seeds/001): JWT bearer auth, errors `{"error": ..., "details": ...}`.

Submodules: `base` (the dialect, user rendering), `auth` (/api/auth/...: accounts, admin, SSO),
`catalog` (track/album/playlist/artist info, /api/search/), `settings` (/api/config/...),
`credentials` (/api/credentials/...), `watch` (/api/playlist|artist/watch/...), `downloads`
(/api/<type>/download/...), `progress` (/api/prgs/..., SSE in `progress_stream`), `history`
(/api/history/...); `tasks` renders download tasks.
"""

from __future__ import annotations

from aiohttp import web

from handlers.api.dialect import Handler, dialect_of
from handlers.api.keys import fallback_dialects_key
from handlers.api.spotizerr.auth import setup_auth_routes
from handlers.api.spotizerr.base import spotizerr
from handlers.api.spotizerr.catalog import setup_catalog_routes
from handlers.api.spotizerr.credentials import setup_credentials_routes
from handlers.api.spotizerr.downloads import setup_download_routes
from handlers.api.spotizerr.history import setup_history_routes
from handlers.api.spotizerr.progress import setup_progress_routes
from handlers.api.spotizerr.settings import setup_settings_routes
from handlers.api.spotizerr.watch import setup_watch_routes

__all__ = ["spotizerr", "setup_routes", "setup_late_routes", "PREFIXES", "SLASH_REDIRECT",
           "BOTH_FORMS"]

SLASH_REDIRECT = "chorus_slash_redirect"  # marks the redirect handlers (not documented routes)
# Paths the real backend declares with and without the slash (`@router.get("/")` and
# `@router.get("")`): both answer 200, as the web UI calls `/api/config` and `/api/history`.
BOTH_FORMS = ("/api/config/", "/api/history/")

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


def _redirect_to(path: str) -> Handler:
    async def redirect(request: web.Request) -> web.Response:
        query = f"?{request.query_string}" if request.query_string else ""
        raise web.HTTPTemporaryRedirect(path + query)

    setattr(redirect, SLASH_REDIRECT, True)
    return redirect


def setup_late_routes(app: web.Application) -> None:
    """Spotizerr is a FastAPI app: a slashless path answers 307 to the slashed one, except the
    BOTH_FORMS paths, served under both. Added once every dialect's routes are in, so that a
    path another dialect serves is left to it."""
    taken = {(r.method, r.resource.canonical) for r in app.router.routes() if r.resource}
    for route in list(app.router.routes()):
        path = route.resource.canonical if route.resource else ""
        if dialect_of(route.handler) is not spotizerr or not path.endswith("/") or \
                route.method == "HEAD" or (route.method, path.rstrip("/")) in taken:
            continue
        handler = route.handler if path in BOTH_FORMS else _redirect_to(path)
        app.router.add_route(route.method, path.rstrip("/"), handler)
        taken.add((route.method, path.rstrip("/")))
