"""Spot On search and most-shared-nearby-things (social-core issue)."""

from __future__ import annotations

from aiohttp import web

__all__ = ["setup_routes"]


def setup_routes(app: web.Application) -> None:
    return None
