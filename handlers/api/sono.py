"""sono dialect (shared/seeds): being built."""

from __future__ import annotations

from aiohttp import web

__all__ = ["setup_routes"]


def setup_routes(app: web.Application) -> None:
    return None
