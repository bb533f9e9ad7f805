"""Uploaded audio files and upload quotas in SQLite (implements store.interface.AudioRepo and
store.interface.QuotaRepo)."""

from __future__ import annotations

import builtins
import time
from typing import Any

import msgspec

from store.records import AudioFile, AudioTotals, UploadQuota
from store.sqlite._rows import inserted_id, to_record
from store.sqlite.db import Database

__all__ = ["SqliteAudio", "SqliteQuotas"]

UPDATABLE = frozenset({"title", "description", "is_public", "catalog_id"})
INSERTABLE = frozenset({"catalog_id", "description", "original_filename", "duration", "bitrate",
                        "sample_rate", "channels", "is_public"})
_TOTALS = ("SELECT count(*), coalesce(sum(is_public), 0), coalesce(sum(file_size), 0), "
           "coalesce(sum(duration), 0), coalesce(sum(play_count), 0) FROM audio_files")


def _files(rows: list[Any]) -> list[AudioFile]:
    return [f for f in (to_record(AudioFile, r) for r in rows) if f is not None]


class SqliteAudio:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, *, owner_id: int, title: str, stored_name: str, format: str,
                     content_type: str, file_size: int, tags: dict[str, str],
                     **fields: Any) -> AudioFile:
        now = time.time()
        extra = {k: v for k, v in fields.items() if k in INSERTABLE}
        columns = ["owner_id", "title", "stored_name", "format", "content_type", "file_size",
                   "tags", "created_at", "updated_at", *extra]
        values = [owner_id, title, stored_name, format, content_type, file_size,
                  msgspec.json.encode(tags).decode(), now, now, *extra.values()]
        async with self.db.write() as conn:
            cur = await conn.execute(
                f"INSERT INTO audio_files ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)}) RETURNING id", values)
            new_id = await inserted_id(cur)
            async with conn.execute("SELECT * FROM audio_files WHERE id = ?", (new_id,)) as c:
                row = await c.fetchone()
        created = to_record(AudioFile, row)
        assert created is not None
        return created

    async def get(self, file_id: int) -> AudioFile | None:
        return to_record(AudioFile, await self.db.fetch_one(
            "SELECT * FROM audio_files WHERE id = ?", (file_id,)))

    async def update(self, file_id: int, **fields: Any) -> AudioFile | None:
        changes = {k: v for k, v in fields.items() if k in UPDATABLE}
        if changes:
            assignments = ", ".join(f"{k} = ?" for k in changes)
            async with self.db.write() as conn:
                await conn.execute(
                    f"UPDATE audio_files SET {assignments}, updated_at = ? WHERE id = ?",
                    (*changes.values(), time.time(), file_id))
        return await self.get(file_id)

    async def by_catalog(self, catalog_ids: builtins.list[int]) -> dict[int, AudioFile]:
        """The files behind these catalog items, by catalog id (items that are no upload are
        left out)."""
        if not catalog_ids:
            return {}
        rows = await self.db.fetch_all(
            "SELECT * FROM audio_files WHERE catalog_id IN "
            f"({', '.join('?' for _ in catalog_ids)})", tuple(catalog_ids))
        return {f.catalog_id: f for f in _files(rows) if f.catalog_id is not None}

    async def delete(self, file_id: int) -> bool:
        async with self.db.write() as conn:
            cur = await conn.execute("DELETE FROM audio_files WHERE id = ?", (file_id,))
            return cur.rowcount == 1

    async def delete_of_owner(self, owner_id: int) -> builtins.list[AudioFile]:
        """Delete every file of `owner_id`; the rows deleted."""
        async with self.db.write() as conn:
            async with conn.execute("SELECT * FROM audio_files WHERE owner_id = ?",
                                    (owner_id,)) as cur:
                rows = await cur.fetchall()
            await conn.execute("DELETE FROM audio_files WHERE owner_id = ?", (owner_id,))
        return _files(list(rows))

    async def list(self, *, owner_id: int | None = None, public_only: bool = False,
                   offset: int = 0, limit: int = 100) -> tuple[builtins.list[AudioFile], int]:
        """A page, newest first, and how many match in all."""
        where, params = self._where(owner_id, public_only)
        rows = await self.db.fetch_all(
            f"SELECT * FROM audio_files{where} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset))
        total = await self.db.fetch_one(f"SELECT count(*) FROM audio_files{where}", params)
        return _files(rows), int(total[0]) if total else 0

    @staticmethod
    def _where(owner_id: int | None, public_only: bool) -> tuple[str, tuple[Any, ...]]:
        clauses, params = [], []
        if owner_id is not None:
            clauses.append("owner_id = ?")
            params.append(owner_id)
        if public_only:
            clauses.append("is_public = 1")
        return (" WHERE " + " AND ".join(clauses) if clauses else "", tuple(params))

    async def totals(self, owner_id: int | None = None) -> AudioTotals:
        where, params = self._where(owner_id, False)
        row = await self.db.fetch_one(_TOTALS + where, params)
        assert row is not None
        return AudioTotals(files=int(row[0]), public_files=int(row[1]), total_size=int(row[2]),
                           total_duration=float(row[3]), plays=int(row[4]))

    async def count_play(self, file_id: int) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE audio_files SET play_count = play_count + 1 "
                               "WHERE id = ?", (file_id,))


class SqliteQuotas:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int) -> UploadQuota:
        row = await self.db.fetch_one("SELECT * FROM upload_quotas WHERE user_id = ?", (user_id,))
        return to_record(UploadQuota, row) or UploadQuota(user_id=user_id)

    async def reserve(self, user_id: int, default_max: int) -> bool:
        """Take one slot if one is free, in one statement: two uploads at once cannot both
        take the last slot."""
        async with self.db.write() as conn:
            await conn.execute("INSERT INTO upload_quotas (user_id) VALUES (?) ON CONFLICT DO NOTHING",
                               (user_id,))
            cur = await conn.execute(
                "UPDATE upload_quotas SET used = used + 1 "
                "WHERE user_id = ? AND used < coalesce(max_uploads, ?)", (user_id, default_max))
            return cur.rowcount == 1

    async def release(self, user_id: int, count: int = 1) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE upload_quotas SET used = CASE WHEN used > ? "
                               "THEN used - ? ELSE 0 END WHERE user_id = ?",
                               (count, count, user_id))

    async def set_max(self, user_id: int, max_uploads: int | None) -> UploadQuota:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO upload_quotas (user_id, max_uploads) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET max_uploads = excluded.max_uploads",
                (user_id, max_uploads))
        return await self.get(user_id)

    async def reset(self, user_id: int) -> UploadQuota:
        async with self.db.write() as conn:
            await conn.execute("UPDATE upload_quotas SET used = 0 WHERE user_id = ?", (user_id,))
        return await self.get(user_id)
