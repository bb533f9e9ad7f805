"""Full-text search reads over the FTS5 tables (implements store.interface.SearchRepo).

Every query is the user's words as prefixes, ranked by bm25 with the most telling columns
weighted up (store.sqlite._fts: the `fulltext` that the PostgreSQL store replaces). People whose
account is deleted or disabled are never found, nor are their posts and collections. With a
`viewer_id`, the viewer's own rows come first, then those of the people they follow, then
everyone else's, each tier by rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec

from store.records import CatalogItem, Collection, Post, User
from store.sqlite._fts import FullText
from store.sqlite._private import seen_by
from store.sqlite._rows import to_record
from store.sqlite.db import Database

__all__ = ["SqliteSearch"]

T = TypeVar("T", bound=msgspec.Struct)

VISIBLE_USER = "u.state NOT IN ('deleted', 'disabled')"


def _tier(owner_column: str, viewer_id: int | None) -> tuple[str, list[Any]]:
    """An ORDER BY term putting the viewer's rows first, then those of people they follow."""
    if viewer_id is None:
        return "0", []
    return (f"CASE WHEN {owner_column} = ? THEN 0 WHEN {owner_column} IN (SELECT followee_id "
            "FROM follows WHERE follower_id = ?) THEN 1 ELSE 2 END", [viewer_id, viewer_id])


def _records(cls: type[T], rows: Sequence[Any]) -> list[T]:
    return [r for r in (to_record(cls, row) for row in rows) if r is not None]


class SqliteSearch:
    fulltext = FullText()

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _page(self, cls: type[T], text: str, table: str, where: list[str],
                    params: list[Any], *, owner: str | None = None,
                    viewer_id: int | None = None, distinct: str | None = None,
                    offset: int = 0, limit: int = 20) -> tuple[list[T], int]:
        """Rows of `table` (aliased `t`, joined to their owner `u` when `owner` names the
        column) matching the words of `text`, best first, with their total (none when `text`
        has no word); `distinct` keeps the best row of each value of that column."""
        query = self.fulltext.query(text)
        if not query:
            return [], 0
        source = f"hits h JOIN {table} t ON t.id = h.id"
        if owner:
            source += f" JOIN users u ON u.id = t.{owner}"
        tier, tier_params = _tier(f"t.{owner}", viewer_id) if owner else ("0", [])
        window = (f"row_number() OVER (PARTITION BY {distinct} ORDER BY _tier, _rank, id DESC)"
                  if distinct else "1")
        cte = (f"WITH hits AS ({self.fulltext.hits(table)}), "
               f"matched AS (SELECT t.*, h.rank AS _rank, {tier} AS _tier "
               f"FROM {source} WHERE {' AND '.join(where) or 'true'}), "
               f"ranked AS (SELECT *, {window} AS _n FROM matched) ")
        args = (query, *tier_params, *params)
        total = await self.db.fetch_one(f"{cte}SELECT count(*) FROM ranked WHERE _n = 1", args)
        rows = await self.db.fetch_all(
            f"{cte}SELECT * FROM ranked WHERE _n = 1 ORDER BY _tier, _rank, id DESC "
            "LIMIT ? OFFSET ?", (*args, limit, offset))
        return _records(cls, rows), int(total[0]) if total else 0

    async def posts(self, text: str, *, viewer_id: int | None = None,
                    user_id: int | None = None, exclude_user_id: int | None = None,
                    distinct_eid: bool = False, offset: int = 0, limit: int = 20
                    ) -> tuple[list[Post], int]:
        """Posts whose name or text match (none filed in a collection private to others);
        `distinct_eid` keeps the best post of each track."""
        private, params = seen_by("t.collection_id", viewer_id)
        where = [VISIBLE_USER, private]
        if user_id is not None:
            where.append("t.user_id = ?")
            params.append(user_id)
        if exclude_user_id is not None:
            where.append("t.user_id != ?")
            params.append(exclude_user_id)
        return await self._page(Post, text, "posts", where, params, owner="user_id",
                                viewer_id=viewer_id,
                                distinct="eid" if distinct_eid else None,
                                offset=offset, limit=limit)

    async def catalog(self, text: str, *, offset: int = 0, limit: int = 20
                      ) -> tuple[list[CatalogItem], int]:
        """Catalog items (tracks, albums, playlists, artists...) by name, artists, album,
        playlist, description or genre."""
        return await self._page(CatalogItem, text, "catalog", [], [], offset=offset,
                                limit=limit)

    async def users(self, text: str, *, viewer_id: int | None = None, offset: int = 0,
                    limit: int = 20) -> tuple[list[User], int]:
        """People by name, surname, username or labels."""
        return await self._page(User, text, "users", [VISIBLE_USER], [], owner="id",
                                viewer_id=viewer_id, offset=offset, limit=limit)

    async def collections(self, text: str, *, viewer_id: int | None = None,
                          non_empty: bool = False, offset: int = 0, limit: int = 20
                          ) -> tuple[list[Collection], int]:
        """Public collections (and the viewer's private ones) by title or description;
        `non_empty` leaves out those without a post."""
        where = [VISIBLE_USER, "(t.is_public = 1 OR t.owner_id = ?)"]
        if non_empty:
            where.append("EXISTS (SELECT 1 FROM posts p WHERE p.collection_id = t.id)")
        return await self._page(Collection, text, "collections", where, [viewer_id],
                                owner="owner_id", viewer_id=viewer_id, offset=offset,
                                limit=limit)
