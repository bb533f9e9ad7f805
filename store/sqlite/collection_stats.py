"""Counts over collections for the admin pages in SQLite (implements
store.interface.CollectionStatsRepo). Tracks are the posts a collection holds."""

from __future__ import annotations

import builtins

from store.records import Collection, CollectionTotals
from store.sqlite._rows import to_record
from store.sqlite.db import Database

__all__ = ["SqliteCollectionStats"]


class SqliteCollectionStats:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def totals(self, owner_id: int | None = None) -> CollectionTotals:
        where, params = ("WHERE owner_id = ?", (owner_id,)) if owner_id is not None else ("", ())
        row = await self.db.fetch_one(
            "SELECT count(*), coalesce(sum(is_public), 0), coalesce(sum(is_collaborative), 0), "
            f"count(DISTINCT owner_id) FROM collections {where}", params)
        tracks = await self.db.fetch_one(
            "SELECT count(*) FROM posts WHERE collection_id IN "
            f"(SELECT id FROM collections {where})", params)
        members = await self.db.fetch_one(
            "SELECT count(*) FROM collection_collaborators WHERE collection_id IN "
            f"(SELECT id FROM collections {where})", params)
        kinds = await self.db.fetch_all(
            f"SELECT kind, count(*) FROM collections {where} GROUP BY kind", params)
        assert row is not None and tracks is not None and members is not None
        by_kind = {"album": 0, "playlist": 0, "compilation": 0}
        by_kind.update({str(k[0]): int(k[1]) for k in kinds})
        return CollectionTotals(collections=int(row[0]), public=int(row[1]),
                                collaborative=int(row[2]), owners=int(row[3]),
                                tracks=int(tracks[0]), by_kind=by_kind,
                                collaborators=int(members[0]))

    async def created_since(self, since: float) -> int:
        row = await self.db.fetch_one("SELECT count(*) FROM collections WHERE created_at >= ?",
                                      (since,))
        return int(row[0]) if row else 0

    async def recent(self, limit: int) -> builtins.list[Collection]:
        rows = await self.db.fetch_all(
            "SELECT * FROM collections ORDER BY created_at DESC, id DESC LIMIT ?", (limit,))
        return [c for c in (to_record(Collection, r) for r in rows) if c is not None]

    async def top_owners(self, limit: int) -> builtins.list[tuple[int, int]]:
        """(owner id, collections) of the owners with the most collections."""
        rows = await self.db.fetch_all(
            "SELECT owner_id, count(*) AS n FROM collections GROUP BY owner_id "
            "ORDER BY n DESC, owner_id LIMIT ?", (limit,))
        return [(int(r[0]), int(r[1])) for r in rows]
