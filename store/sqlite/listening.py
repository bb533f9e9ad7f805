"""Now-playing updates in SQLite, with an R*Tree over their coordinates
(implements store.interface.ListeningRepo)."""

from __future__ import annotations

import time

from store.records import NowPlaying
from store.sqlite._rows import inserted_id, to_record
from store.sqlite.db import Database

__all__ = ["SqliteListening"]


class SqliteListening:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_now_playing(self, user_id: int, link: str, description: str,
                              latitude: float | None, longitude: float | None,
                              geohash: str | None) -> NowPlaying:
        now = time.time()
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE now_playing SET cleared_at = ? WHERE user_id = ? AND cleared_at IS NULL",
                (now, user_id))
            cur = await conn.execute(
                "INSERT INTO now_playing (user_id, link, description, latitude, longitude, "
                "geohash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (user_id, link, description, latitude, longitude, geohash, now))
            row_id = await inserted_id(cur)
            if latitude is not None and longitude is not None:
                await conn.execute(
                    "INSERT INTO now_playing_geo (id, min_lat, max_lat, min_lon, max_lon) "
                    "VALUES (?, ?, ?, ?, ?)", (row_id, latitude, latitude, longitude, longitude))
        return NowPlaying(id=row_id, user_id=user_id, link=link, description=description,
                          latitude=latitude, longitude=longitude, geohash=geohash,
                          created_at=now)

    async def clear_now_playing(self, user_id: int) -> NowPlaying | None:
        """End the user's current now-playing; the cleared one, or None if there was none."""
        current = await self.current(user_id)
        if current is None:
            return None
        async with self.db.write() as conn:
            await conn.execute("UPDATE now_playing SET cleared_at = ? WHERE id = ?",
                               (time.time(), current.id))
        return current

    async def current(self, user_id: int) -> NowPlaying | None:
        row = await self.db.fetch_one(
            "SELECT * FROM now_playing WHERE user_id = ? AND cleared_at IS NULL "
            "ORDER BY id DESC LIMIT 1", (user_id,))
        return to_record(NowPlaying, row)

    async def in_box(self, min_lat: float, max_lat: float, min_lon: float, max_lon: float,
                     since: float = 0.0) -> list[NowPlaying]:
        """Located updates inside the bounding box (through the R*Tree), newer than `since`."""
        rows = await self.db.fetch_all(
            "SELECT p.* FROM now_playing_geo g JOIN now_playing p ON p.id = g.id "
            "WHERE g.min_lat >= ? AND g.max_lat <= ? AND g.min_lon >= ? AND g.max_lon <= ? "
            "AND p.created_at >= ?", (min_lat, max_lat, min_lon, max_lon, since))
        return [r for r in (to_record(NowPlaying, row) for row in rows) if r is not None]

    async def for_user(self, user_id: int) -> list[NowPlaying]:
        rows = await self.db.fetch_all(
            "SELECT * FROM now_playing WHERE user_id = ? ORDER BY id", (user_id,))
        return [r for r in (to_record(NowPlaying, row) for row in rows) if r is not None]
