"""Spot On posts: create-post, get-user-posts, get-posts, like, dislike (social-core issue)."""

from __future__ import annotations

from aiohttp import web

__all__ = ["setup_routes"]


def setup_routes(app: web.Application) -> None:
    return None
