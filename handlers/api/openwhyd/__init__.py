"""Openwhyd's API (shared/seeds/004): errors are `{"error": "..."}`, ids are strings, sessions
are cookies. One submodule per area; `setup_routes` registers them all."""

from __future__ import annotations

from aiohttp import web

from handlers.api.keys import fallback_dialects_key
from handlers.api.openwhyd import (
    accounts,
    consent,
    images,
    lists,
    playlists,
    posts,
    profile,
    search,
    tabs,
    uploads,
)
from handlers.api.openwhyd.common import openwhyd

__all__ = ["openwhyd", "setup_routes", "setup_late_routes"]


def setup_routes(app: web.Application) -> None:
    for area in (accounts, profile, posts, playlists, lists, tabs, consent, images, search,
                 uploads):
        area.setup_routes(app)
    for prefix in ("/login", "/register", "/facebookLogin", "/api/user"):
        app[fallback_dialects_key].append((prefix, openwhyd))


def setup_late_routes(app: web.Application) -> None:
    """After every dialect: Openwhyd's `/<handle>` profile pages (DESIGN §9)."""
    tabs.setup_late_routes(app)
    lists.setup_late_routes(app)
