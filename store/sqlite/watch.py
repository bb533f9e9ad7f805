"""Watch lists in SQLite (implements store.interface.WatchRepo)."""

from __future__ import annotations

import builtins
import time
from collections.abc import Sequence
from typing import Any

import aiosqlite
import msgspec

from store.records import Watch, WatchItem
from store.sqlite.db import Database

__all__ = ["SqliteWatches"]

_WATCH = ("SELECT w.*, (SELECT count(*) FROM watch_items i WHERE i.watch_id = w.id) "
          "AS known_items FROM watches w")
_ITEMS = ("SELECT i.*, j.status AS job_status, j.finished_at AS job_finished_at, "
          "j.result AS job_result FROM watch_items i LEFT JOIN jobs j ON j.id = i.job_id "
          "WHERE i.watch_id = ? ORDER BY i.position IS NULL, i.position, i.added_at")
# a given value replaces the stored one; an empty one keeps it
_UPSERT = (
    "INSERT INTO watch_items (watch_id, item_id, position, job_id, target, title, artist, "
    "duration_ms, requeues, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (watch_id, item_id) DO UPDATE SET "
    "position = coalesce(excluded.position, watch_items.position), "
    "job_id = coalesce(excluded.job_id, watch_items.job_id), "
    "target = CASE WHEN excluded.target = '' THEN watch_items.target ELSE excluded.target END, "
    "title = CASE WHEN excluded.title = '' THEN watch_items.title ELSE excluded.title END, "
    "artist = CASE WHEN excluded.artist = '' THEN watch_items.artist ELSE excluded.artist END, "
    "duration_ms = coalesce(excluded.duration_ms, watch_items.duration_ms), "
    "requeues = CASE WHEN excluded.requeues > watch_items.requeues THEN excluded.requeues "
    "ELSE watch_items.requeues END")


def _watch(row: aiosqlite.Row) -> Watch:
    data = dict(row)
    data["options"] = msgspec.json.decode(data.get("options") or "{}")
    return msgspec.convert(data, Watch, strict=False)


def _item(row: aiosqlite.Row) -> WatchItem:
    data = dict(row)
    if isinstance(data.get("job_result"), str):
        data["job_result"] = msgspec.json.decode(data["job_result"])
    return msgspec.convert(data, WatchItem, strict=False)


class SqliteWatches:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, owner_id: int, kind: str, item_id: str, *, name: str = "",
                  options: dict[str, Any] | None = None,
                  created_at: float | None = None) -> tuple[Watch, bool]:
        async with self.db.write() as conn:
            cur = await conn.execute(
                "INSERT INTO watches (owner_id, kind, item_id, name, options, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (owner_id, kind, item_id) DO NOTHING",
                (owner_id, kind, item_id, name, msgspec.json.encode(options or {}).decode(),
                 time.time() if created_at is None else created_at))
            created = cur.rowcount == 1
        watch = await self.get(owner_id, kind, item_id)
        assert watch is not None
        return watch, created

    async def get(self, owner_id: int, kind: str, item_id: str) -> Watch | None:
        row = await self.db.fetch_one(
            f"{_WATCH} WHERE w.owner_id = ? AND w.kind = ? AND w.item_id = ?",
            (owner_id, kind, item_id))
        return None if row is None else _watch(row)

    async def list(self, owner_id: int, kind: str) -> list[Watch]:
        rows = await self.db.fetch_all(
            f"{_WATCH} WHERE w.owner_id = ? AND w.kind = ? ORDER BY w.created_at, w.id",
            (owner_id, kind))
        return [_watch(r) for r in rows]

    async def due(self, checked_before: float, limit: int = 100) -> builtins.list[Watch]:
        rows = await self.db.fetch_all(
            f"{_WATCH} WHERE w.last_checked IS NULL OR w.last_checked < ? "
            "ORDER BY coalesce(w.last_checked, 0), w.id LIMIT ?", (checked_before, limit))
        return [_watch(r) for r in rows]

    async def oldest_check(self) -> float | None:
        row = await self.db.fetch_one(
            "SELECT min(coalesce(last_checked, 0)), count(*) FROM watches")
        return None if row is None or not row[1] else float(row[0])

    async def remove(self, owner_id: int, kind: str, item_id: str) -> bool:
        async with self.db.write() as conn:
            cur = await conn.execute(
                "DELETE FROM watches WHERE owner_id = ? AND kind = ? AND item_id = ?",
                (owner_id, kind, item_id))
            return cur.rowcount > 0

    async def set_options(self, watch_id: int, options: dict[str, Any]) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE watches SET options = ? WHERE id = ?",
                               (msgspec.json.encode(options).decode(), watch_id))

    async def set_m3u_path(self, watch_id: int, path: str) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE watches SET m3u_path = ? WHERE id = ?", (path, watch_id))

    async def by_m3u_path(self, path: str) -> builtins.list[Watch]:
        rows = await self.db.fetch_all(f"{_WATCH} WHERE w.m3u_path = ?", (path,))
        return [_watch(r) for r in rows]

    async def record_check(self, watch_id: int, *, checked_at: float, name: str | None = None,
                           snapshot_id: str | None = None, total_items: int | None = None,
                           error: str | None = None) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE watches SET last_checked = ?, name = coalesce(?, name), "
                "snapshot_id = coalesce(?, snapshot_id), "
                "total_items = coalesce(?, total_items), last_error = ?, "
                "error_count = CASE WHEN CAST(? AS TEXT) IS NULL THEN 0 ELSE error_count + 1 END "
                "WHERE id = ?",
                (checked_at, name, snapshot_id, total_items, error, error, watch_id))

    async def items(self, watch_id: int) -> builtins.list[WatchItem]:
        return [_item(r) for r in await self.db.fetch_all(_ITEMS, (watch_id,))]

    async def sync_items(self, watch_id: int, items: Sequence[WatchItem], *,
                         replace_positions: bool = False) -> None:
        now = time.time()
        async with self.db.write() as conn:
            if replace_positions:
                await conn.execute("UPDATE watch_items SET position = NULL WHERE watch_id = ?",
                                   (watch_id,))
            await conn.executemany(_UPSERT, [
                (watch_id, i.item_id, i.position, i.job_id, i.target, i.title, i.artist,
                 i.duration_ms, i.requeues, i.added_at or now) for i in items])

    async def mark_known(self, watch_id: int, item_ids: Sequence[str],
                         added_at: float | None = None) -> int:
        when = time.time() if added_at is None else added_at
        async with self.db.write() as conn:
            cur = await conn.executemany(
                "INSERT INTO watch_items (watch_id, item_id, added_at) VALUES (?, ?, ?) "
                "ON CONFLICT (watch_id, item_id) DO NOTHING",
                [(watch_id, i, when) for i in dict.fromkeys(item_ids)])
            return max(cur.rowcount, 0)  # executemany sums the rows each insert added

    async def forget(self, watch_id: int, item_ids: Sequence[str]) -> int:
        ids = list(dict.fromkeys(item_ids))
        if not ids:
            return 0
        async with self.db.write() as conn:
            cur = await conn.execute(
                f"DELETE FROM watch_items WHERE watch_id = ? AND item_id IN "
                f"({', '.join('?' for _ in ids)})", (watch_id, *ids))
            # an unchanged snapshot would let the next check skip the forgotten items
            await conn.execute("UPDATE watches SET snapshot_id = '' WHERE id = ?", (watch_id,))
            return cur.rowcount
