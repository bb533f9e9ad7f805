"""Many catalog upserts in one transaction (implements store.interface.CatalogBatchRepo).

The same rule as SqliteCatalog.upsert (empty values never overwrite known ones), for callers
that learn about dozens of items at once (a page of Spotify search results): one write
transaction instead of one per item.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from store.records import CatalogItem
from store.sqlite._rows import encode_value, to_record
from store.sqlite.catalog import DESCRIPTIVE, keep_known
from store.sqlite.db import Database

__all__ = ["SqliteCatalogBatch"]

CHUNK = 500  # bound parameters per IN (...) query


def _sql(columns: tuple[str, ...]) -> str:
    names = ["provider", "kind", "provider_id", "created_at", "updated_at", *columns]
    updates = "".join(f", {keep_known(k)}" for k in columns)
    return (f"INSERT INTO catalog ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)}) "
            "ON CONFLICT (provider, kind, provider_id) DO UPDATE SET "
            f"updated_at = excluded.updated_at{updates}")


class SqliteCatalogBatch:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert_many(self, provider: str,
                          items: Sequence[tuple[str, str, dict[str, Any]]]) -> int:
        """Upsert (kind, provider_id, fields) items of one provider; `fields` must hold `url`
        and `eid` for items not yet known. Returns how many were written."""
        now = time.time()
        groups: dict[tuple[str, ...], list[list[Any]]] = {}
        for kind, provider_id, fields in items:
            columns = tuple(k for k in fields if k in DESCRIPTIVE)
            groups.setdefault(columns, []).append(
                [provider, kind, provider_id, now, now,
                 *(encode_value(k, fields[k]) for k in columns)])
        if not groups:
            return 0
        async with self.db.write() as conn:
            for columns, rows in groups.items():
                await conn.executemany(_sql(columns), rows)
        return sum(len(rows) for rows in groups.values())

    async def find_many(self, provider: str, kind: str, provider_ids: Sequence[str]
                        ) -> dict[str, CatalogItem]:
        found: dict[str, CatalogItem] = {}
        ids = list(dict.fromkeys(provider_ids))
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            rows = await self.db.fetch_all(
                "SELECT * FROM catalog WHERE provider = ? AND kind = ? AND provider_id IN "
                f"({','.join('?' for _ in chunk)})", (provider, kind, *chunk))
            for row in rows:
                item = to_record(CatalogItem, row)
                if item is not None:
                    found[item.provider_id] = item
        return found

    async def named(self, kind: str, names: Sequence[str]) -> list[CatalogItem]:
        """Through the (kind, lower(name)) index."""
        wanted = list(dict.fromkeys(n.lower() for n in names if n))
        items: list[CatalogItem] = []
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start:start + CHUNK]
            rows = await self.db.fetch_all(
                "SELECT * FROM catalog WHERE kind = ? AND lower(name) IN "
                f"({','.join('?' for _ in chunk)}) ORDER BY id", (kind, *chunk))
            items.extend(i for i in (to_record(CatalogItem, r) for r in rows) if i is not None)
        return items
