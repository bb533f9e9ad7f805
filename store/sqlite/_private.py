"""Which posts a viewer may see: none filed in a private collection unless the viewer owns it,
collaborates on it or is an admin (the rule of handlers.social.collection_access, in SQL)."""

from __future__ import annotations

from typing import Any

__all__ = ["seen_by", "public_only"]


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
