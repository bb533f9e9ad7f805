"""Many catalog upserts in one transaction (implements store.interface.CatalogBatchRepo).

The same rule as SqliteCatalog.upsert (empty values never overwrite known ones), for callers
that learn about dozens of items at once (a page of Spotify search results): one write
transaction instead of one per item.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from store.sqlite._rows import encode_value
from store.sqlite.catalog import DESCRIPTIVE
from store.sqlite.db import Database

__all__ = ["SqliteCatalogBatch"]


def _sql(columns: tuple[str, ...]) -> str:
    names = ["provider", "kind", "provider_id", "created_at", "updated_at", *columns]
    updates = "".join(
        f", {k} = CASE WHEN excluded.{k} IS NULL OR excluded.{k} IN ('', '[]') "
        f"THEN {k} ELSE excluded.{k} END" for k in columns)
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
