"""Bulk loading (store/sqlite/bulk.py) on the store under test: rows inserted with their ids
leave the next generated id past them, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from store.sqlite.bulk import analyze, bulk_insert

COLUMNS = ("id", "provider", "kind", "provider_id", "url", "eid", "name", "description",
           "created_at", "updated_at")


def item(item_id: int) -> tuple[Any, ...]:
    return (item_id, "youtube", "video", f"v{item_id}", f"https://youtu.be/v{item_id}",
            f"/yt/v{item_id}", f"Video {item_id}", "", 1.0, 1.0)


async def test_a_row_added_after_a_bulk_load_gets_the_next_free_id(store: Any) -> None:
    await bulk_insert(store.db, "catalog", COLUMNS, [item(i) for i in (1, 2, 40)], batch=2)
    await analyze(store.db)
    async with store.db.write() as conn:
        cur = await conn.execute(
            "INSERT INTO catalog (provider, kind, provider_id, url, eid, name, created_at, "
            "updated_at) VALUES ('youtube', 'video', 'new', 'https://youtu.be/new', '/yt/new', "
            "'New', 2.0, 2.0) RETURNING id")
        new_id = (await cur.fetchone())[0]
    assert new_id == 41
    rows = await store.db.fetch_all("SELECT id FROM catalog ORDER BY id")
    assert [row[0] for row in rows] == [1, 2, 40, 41]
