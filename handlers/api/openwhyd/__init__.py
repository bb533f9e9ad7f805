"""Openwhyd's API (shared/seeds/004): errors are `{"error": "..."}`, ids are strings, sessions
are cookies. One submodule per area; `setup_routes` registers them all."""

from __future__ import annotations

from aiohttp import web

from handlers.api.openwhyd import accounts, profile
from handlers.api.openwhyd.common import openwhyd
from hub.keys import fallback_dialects_key

__all__ = ["openwhyd", "setup_routes"]


def setup_routes(app: web.Application) -> None:
    accounts.setup_routes(app)
    profile.setup_routes(app)
    for prefix in ("/login", "/register", "/facebookLogin", "/api/user"):
        app[fallback_dialects_key].append((prefix, openwhyd))
