"""Announcements in SQLite (implements store.interface.AnnouncementRepo)."""

from __future__ import annotations

import builtins
import time
from typing import Any

from store.records import Announcement
from store.sqlite._rows import inserted_id, to_record
from store.sqlite.db import Database

__all__ = ["SqliteAnnouncements"]

UPDATABLE = frozenset({"title", "content", "is_published", "published_at"})


class SqliteAnnouncements:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, *, title: str, content: str, is_published: bool,
                     author_id: int | None) -> Announcement:
        now = time.time()
        async with self.db.write() as conn:
            cur = await conn.execute(
                "INSERT INTO announcements (author_id, title, content, is_published, "
                "published_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (author_id, title, content, is_published, now if is_published else None,
                 now, now))
            new_id = await inserted_id(cur)
        created = await self.get(new_id)
        assert created is not None
        return created

    async def get(self, announcement_id: int) -> Announcement | None:
        return to_record(Announcement, await self.db.fetch_one(
            "SELECT * FROM announcements WHERE id = ?", (announcement_id,)))

    async def list(self, *, published_only: bool, offset: int = 0, limit: int = 100
                   ) -> builtins.list[Announcement]:
        """Newest first."""
        where = " WHERE is_published = 1" if published_only else ""
        rows = await self.db.fetch_all(
            f"SELECT * FROM announcements{where} ORDER BY coalesce(published_at, created_at) "
            "DESC, id DESC LIMIT ? OFFSET ?", (limit, offset))
        return [a for a in (to_record(Announcement, r) for r in rows) if a is not None]

    async def count(self, *, published_only: bool = False) -> int:
        where = " WHERE is_published = 1" if published_only else ""
        row = await self.db.fetch_one(f"SELECT count(*) FROM announcements{where}")
        return int(row[0]) if row else 0

    async def update(self, announcement_id: int, **fields: Any) -> Announcement | None:
        changes = {k: v for k, v in fields.items() if k in UPDATABLE}
        if changes:
            assignments = ", ".join(f"{k} = ?" for k in changes)
            async with self.db.write() as conn:
                await conn.execute(
                    f"UPDATE announcements SET {assignments}, updated_at = ? WHERE id = ?",
                    (*changes.values(), time.time(), announcement_id))
        return await self.get(announcement_id)

    async def delete(self, announcement_id: int) -> bool:
        async with self.db.write() as conn:
            cur = await conn.execute("DELETE FROM announcements WHERE id = ?",
                                     (announcement_id,))
            return cur.rowcount == 1
