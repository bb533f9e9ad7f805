"""Test helpers for search, nearby and playlists: people and posts written straight to the
store (so these tests do not depend on how posts are created over HTTP)."""

from __future__ import annotations

from typing import Any

from handlers.geo import geohash
from handlers.identity.auth import start_token_session
from store.records import Post
from tests.conftest import ctx_of
from tests.handlers.social.helpers import Member

__all__ = ["Member", "insert_member", "post", "LOGIN_FIRST"]

LOGIN_FIRST = {"error": "Please login first"}


async def insert_member(client: Any, username: str, **fields: Any) -> Member:
    """A user named after `username` (capitalised), written straight to the store, with a token
    session."""
    ctx = ctx_of(client)
    fields = {"name": username.capitalize(), "email": f"{username}@example.com", **fields}
    user = await ctx.store.users.create(username=username, **fields)
    return Member(user.id, user.name, (await start_token_session(ctx, user)).access_token)


async def post(client: Any, who: Member, name: str = "", *, link: str | None = None,
               at: tuple[float, float] | None = None, **fields: Any) -> Post:
    """A post of `who`; its link (and eId) derive from `name` unless given."""
    slug = (link or name or "track").replace(" ", "_")
    place: dict[str, Any] = {}
    if at is not None:
        place = {"latitude": at[0], "longitude": at[1], "geohash": geohash(*at)}
    return await ctx_of(client).store.posts.create(
        user_id=who.id, link=link or f"https://www.youtube.com/watch?v={slug}",
        eid=f"/yt/{slug}", name=name, **place, **fields)
