"""Bulk loading for benchmarks and imports: many rows per transaction, then ANALYZE."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from store.sqlite.db import Database

__all__ = ["bulk_insert", "analyze", "BULK_TABLES"]

# the tables bulk loading may write, with the columns it may set
BULK_TABLES: dict[str, frozenset[str]] = {
    "follows": frozenset({"follower_id", "followee_id", "created_at"}),
    "catalog": frozenset({"id", "provider", "kind", "provider_id", "url", "eid", "name",
                          "description", "created_at", "updated_at"}),
    "posts": frozenset({"id", "user_id", "link", "eid", "name", "text", "created_at",
                        "updated_at", "like_count", "catalog_id"}),
    "post_reactions": frozenset({"post_id", "user_id", "kind", "created_at"}),
}


async def bulk_insert(db: Database, table: str, columns: Sequence[str],
                      rows: Sequence[Sequence[Any]], *, batch: int = 5000,
                      ignore_duplicates: bool = False) -> None:
    """Insert `rows` into `table` in transactions of `batch` rows."""
    allowed = BULK_TABLES.get(table)
    if allowed is None or not set(columns) <= allowed:
        raise ValueError(f"bulk loading {table}({', '.join(columns)}) is not allowed")
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
           f"VALUES ({', '.join('?' for _ in columns)})"
           + (" ON CONFLICT DO NOTHING" if ignore_duplicates else ""))
    for start in range(0, len(rows), batch):
        async with db.write() as conn:
            await conn.executemany(sql, rows[start:start + batch])
    resync = db.dialect.ids_taken(table) if "id" in columns else None
    if resync is not None:
        async with db.write() as conn:
            await conn.execute(resync)


async def analyze(db: Database) -> None:
    """Refresh the query planner's statistics of the tables bulk loading writes (a bare
    ANALYZE in PostgreSQL would visit every schema of the database)."""
    async with db.write() as conn:
        for table in BULK_TABLES:
            await conn.execute(f"ANALYZE {table}")
