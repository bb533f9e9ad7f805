"""Openwhyd lists: /api/follow, user and playlist pages, likes, stream, hot, /c/<id> (social-core issue)."""

from __future__ import annotations

from aiohttp import web

__all__ = ["setup_routes", "setup_late_routes"]


def setup_routes(app: web.Application) -> None:
    return None


def setup_late_routes(app: web.Application) -> None:
    """Routes that must come after every other (`/<handle>`), registered last by hub.app."""
    return None
