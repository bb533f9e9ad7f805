"""Lyrics in SQLite (implements store.interface.LyricsRepo)."""

from __future__ import annotations

from collections.abc import Sequence

from store.records import Lyrics
from store.sqlite._rows import to_record
from store.sqlite.db import Database

__all__ = ["SqliteLyrics"]


class SqliteLyrics:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, catalog_id: int) -> Lyrics | None:
        return to_record(Lyrics, await self.db.fetch_one(
            "SELECT * FROM lyrics WHERE catalog_id = ?", (catalog_id,)))

    async def put(self, lyrics: Lyrics) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO lyrics (catalog_id, plain, synced, source, source_url, fetched_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (catalog_id) DO UPDATE SET "
                "plain = excluded.plain, synced = excluded.synced, source = excluded.source, "
                "source_url = excluded.source_url, fetched_at = excluded.fetched_at",
                (lyrics.catalog_id, lyrics.plain, lyrics.synced, lyrics.source,
                 lyrics.source_url, lyrics.fetched_at))

    async def sample(self, limit: int, exclude: Sequence[int] = ()) -> list[int]:
        left_out = f"AND l.catalog_id NOT IN ({','.join('?' for _ in exclude)}) " if exclude else ""
        rows = await self.db.fetch_all(
            "SELECT l.catalog_id FROM lyrics l JOIN catalog c ON c.id = l.catalog_id "
            f"WHERE c.kind = 'track' {left_out}ORDER BY random() LIMIT ?", (*exclude, limit))
        return [int(r[0]) for r in rows]

    async def count(self) -> int:
        row = await self.db.fetch_one(
            "SELECT count(*) FROM lyrics l JOIN catalog c ON c.id = l.catalog_id "
            "WHERE c.kind = 'track'")
        return int(row[0]) if row is not None else 0
