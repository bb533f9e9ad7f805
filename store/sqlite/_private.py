"""Which posts a viewer may see: none filed in a private collection unless the viewer owns it,
collaborates on it or is an admin (the rule of handlers.social.collection_access, in SQL)."""

from __future__ import annotations

from typing import Any

import aiosqlite

__all__ = ["seen_by", "public_only", "recount_reposts", "reposted_in"]


def seen_by(column: str, viewer_id: int | None) -> tuple[str, list[Any]]:
    """A WHERE term on the collection id `column`, and its parameters, keeping the posts that
    `viewer_id` (None: nobody signed in) may see: in no collection, in a public one, or in one
    they own or collaborate on; an admin sees them all."""
    viewer = -1 if viewer_id is None else viewer_id
    return (f"({column} IS NULL OR {column} IN (SELECT id FROM collections WHERE "
            "is_public = 1 OR owner_id = ? OR id IN (SELECT collection_id FROM "
            "collection_collaborators WHERE user_id = ?)) OR EXISTS (SELECT 1 FROM users "
            "WHERE id = ? AND role = 'admin'))", [viewer, viewer, viewer])


def public_only(column: str) -> str:
    """A WHERE term (no parameters) keeping the posts anyone may see: in no collection or in a
    public one (for shared rankings such as hot tracks and recommendations)."""
    return (f"({column} IS NULL OR {column} IN "
            "(SELECT id FROM collections WHERE is_public = 1))")


async def recount_reposts(conn: aiosqlite.Connection, original_ids: list[int]) -> None:
    """Set each original's `repost_count` to its public reposts by other people: a repost
    filed in a private collection is not counted (nor listed: posts.reposts_of)."""
    ids = [i for i in dict.fromkeys(original_ids) if i is not None]
    if not ids:
        return
    await conn.execute(
        "UPDATE posts SET repost_count = (SELECT count(*) FROM posts r WHERE "
        "r.repost_of = posts.id AND r.user_id != posts.user_id AND "
        f"{public_only('r.collection_id')}) WHERE id IN ({','.join('?' for _ in ids)})",
        tuple(ids))


async def reposted_in(conn: aiosqlite.Connection, collection_id: int) -> list[int]:
    """The originals of the reposts filed in a collection."""
    async with conn.execute("SELECT DISTINCT repost_of FROM posts WHERE collection_id = ? AND "
                            "repost_of IS NOT NULL", (collection_id,)) as cur:
        return [int(r[0]) for r in await cur.fetchall()]
