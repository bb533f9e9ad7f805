"""Openwhyd search: /search with context addTrack, quick, or the full page (social-core issue)."""

from __future__ import annotations

from aiohttp import web

__all__ = ["setup_routes"]


def setup_routes(app: web.Application) -> None:
    return None
