"""Openwhyd posts: /api/post actions and /api/post/<pId>/sendToUsers (social-core issue)."""

from __future__ import annotations

from aiohttp import web

__all__ = ["setup_routes"]


def setup_routes(app: web.Application) -> None:
    return None
