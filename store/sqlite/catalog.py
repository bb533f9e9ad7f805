"""The local catalog in SQLite (implements store.interface.CatalogRepo)."""

from __future__ import annotations

import time
from typing import Any

from store.records import CatalogItem
from store.sqlite._rows import encode_value, to_record
from store.sqlite.db import Database

__all__ = ["SqliteCatalog", "DESCRIPTIVE", "keep_known"]

DESCRIPTIVE = ("url", "eid", "name", "artist_names", "album_name", "playlist_name",
               "description", "image", "genres", "duration_ms", "ai_description", "lyrics")
_NUMBERS = frozenset({"duration_ms"})  # the descriptive columns that hold no text


def keep_known(column: str) -> str:
    """An upsert's `SET column = ...` that keeps the stored value when the new one is empty
    (NULL, and for text columns '' or an empty JSON list)."""
    empty = f"excluded.{column} IS NULL"
    if column not in _NUMBERS:  # PostgreSQL compares a number with '' as an error
        empty += f" OR excluded.{column} IN ('', '[]')"
    return f"{column} = CASE WHEN {empty} THEN catalog.{column} ELSE excluded.{column} END"


class SqliteCatalog:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert(self, provider: str, kind: str, provider_id: str, **fields: Any
                     ) -> CatalogItem:
        """Insert the item, or fill in what is known about it; empty values never overwrite
        known ones."""
        now = time.time()
        values = {k: v for k, v in fields.items() if k in DESCRIPTIVE}
        columns = ["provider", "kind", "provider_id", "created_at", "updated_at", *values]
        params = [provider, kind, provider_id, now, now,
                  *(encode_value(k, v) for k, v in values.items())]
        updates = ", ".join(keep_known(k) for k in values)
        sql = (f"INSERT INTO catalog ({', '.join(columns)}) "
               f"VALUES ({', '.join('?' for _ in columns)}) "
               "ON CONFLICT (provider, kind, provider_id) DO UPDATE SET updated_at = "
               f"excluded.updated_at{', ' + updates if updates else ''}")
        async with self.db.write() as conn:
            await conn.execute(sql, params)
            async with conn.execute(
                    "SELECT * FROM catalog WHERE provider = ? AND kind = ? AND provider_id = ?",
                    (provider, kind, provider_id)) as cur:
                row = await cur.fetchone()
        item = to_record(CatalogItem, row)
        assert item is not None
        return item

    async def get(self, item_id: int) -> CatalogItem | None:
        return to_record(CatalogItem, await self.db.fetch_one(
            "SELECT * FROM catalog WHERE id = ?", (item_id,)))

    async def find(self, provider: str, kind: str, provider_id: str) -> CatalogItem | None:
        return to_record(CatalogItem, await self.db.fetch_one(
            "SELECT * FROM catalog WHERE provider = ? AND kind = ? AND provider_id = ?",
            (provider, kind, provider_id)))

    async def by_eid(self, eid: str) -> CatalogItem | None:
        return to_record(CatalogItem, await self.db.fetch_one(
            "SELECT * FROM catalog WHERE eid = ? ORDER BY id LIMIT 1", (eid,)))

    async def delete_unreferenced(self, item_ids: list[int]) -> list[int]:
        """Delete the items no listen refers to (posts' catalog_id becomes NULL); the ids
        deleted. An item in someone's listening history stays, as that history's record."""
        if not item_ids:
            return []
        marks = ",".join("?" for _ in item_ids)
        async with self.db.write() as conn:
            async with conn.execute(
                    f"DELETE FROM catalog WHERE id IN ({marks}) AND NOT EXISTS "
                    "(SELECT 1 FROM listens WHERE track_id = catalog.id) RETURNING id",
                    tuple(item_ids)) as cur:
                rows = await cur.fetchall()
        return sorted(int(r[0]) for r in rows)

    async def many(self, item_ids: list[int]) -> dict[int, CatalogItem]:
        if not item_ids:
            return {}
        marks = ",".join("?" for _ in item_ids)
        rows = await self.db.fetch_all(f"SELECT * FROM catalog WHERE id IN ({marks})",
                                       tuple(item_ids))
        items = [to_record(CatalogItem, r) for r in rows]
        return {i.id: i for i in items if i is not None}
