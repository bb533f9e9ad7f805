"""The daily rollups of listens in SQLite: written from the listens themselves (a batch just
inserted, or all of a user's listens when rebuilding) and read by every aggregate.

A rollup row counts the plays and milliseconds of one user on one UTC day, per track, artist
(the track's first artist), album (the track's album name and first artist), genre (each of
the track's genres) and UTC hour. Writes are set-based upserts over the listens selected, so
a batch of any size costs one statement per rollup table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiosqlite

from store.records import RollupCount, RollupDay, RollupHour, RollupStatus
from store.sqlite.db import Database

__all__ = ["LISTEN_TABLES", "DIMENSIONS", "roll_up", "clear_rollups", "ListenRollups"]

ROLLUP_TABLES = ("listen_days", "listen_day_tracks", "listen_day_artists", "listen_day_albums",
                 "listen_day_genres", "listen_day_hours")
# every table holding a user's listening history (erasure drops them all)
LISTEN_TABLES = ("listens", *ROLLUP_TABLES)

_DAY = "strftime('%Y-%m-%d', l.played_at, 'unixepoch')"
_FIRST_ARTIST = "COALESCE(json_extract(c.artist_names, '$[0]'), '')"
_ADD = "ON CONFLICT DO UPDATE SET plays = plays + excluded.plays, ms = ms + excluded.ms"

# table -> (its key columns, their expressions over listens `l` joined to catalog `c`,
# extra FROM, extra WHERE)
_ROLLUPS: dict[str, tuple[str, str, str, str]] = {
    "listen_days": ("", "", "", ""),
    "listen_day_tracks": (", track_id", ", l.track_id", "", ""),
    "listen_day_artists": (", artist", f", {_FIRST_ARTIST}", " JOIN catalog c ON c.id = l.track_id",
                           f" AND {_FIRST_ARTIST} != ''"),
    "listen_day_albums": (", artist, album", f", {_FIRST_ARTIST}, c.album_name",
                          " JOIN catalog c ON c.id = l.track_id", " AND c.album_name != ''"),
    "listen_day_genres": (", genre", ", g.value", " JOIN catalog c ON c.id = l.track_id"
                          " JOIN json_each(c.genres) g", " AND g.value != ''"),
    "listen_day_hours": (", hour", ", CAST(strftime('%H', l.played_at, 'unixepoch') AS INTEGER)",
                         "", ""),
}

# dimension -> (table, key column)
DIMENSIONS: dict[str, tuple[str, str]] = {
    "track": ("listen_day_tracks", "track_id"),
    "artist": ("listen_day_artists", "artist"),
    "album": ("listen_day_albums", "album"),
    "genre": ("listen_day_genres", "genre"),
}


def _rollup_sql(table: str, where: str) -> str:
    columns, keys, joins, extra = _ROLLUPS[table]
    group = ", ".join(str(i) for i in range(1, 3 + columns.count(",")))
    return (f"INSERT INTO {table} (user_id, day{columns}, plays, ms) "
            f"SELECT l.user_id, {_DAY}{keys}, COUNT(*), SUM(l.ms_played) "
            f"FROM listens l{joins} WHERE {where}{extra} GROUP BY {group} {_ADD}")


async def roll_up(conn: aiosqlite.Connection, where: str, params: Sequence[Any]) -> None:
    """Add the listens matching `where` (over `l`) to the rollups; the caller's transaction."""
    for table in ROLLUP_TABLES:
        await conn.execute(_rollup_sql(table, where), tuple(params))


async def clear_rollups(conn: aiosqlite.Connection, user_id: int) -> None:
    for table in ROLLUP_TABLES:
        await conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))


class ListenRollups:
    """Reads over one user's rollups; `since` is the first UTC day counted ('' for all)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def rebuild(self, user_id: int) -> int:
        """Recompute the user's rollups from their listens in one transaction; how many days."""
        async with self.db.write() as conn:
            await clear_rollups(conn, user_id)
            await roll_up(conn, "l.user_id = ?", (user_id,))
            async with conn.execute("SELECT COUNT(*) FROM listen_days WHERE user_id = ?",
                                    (user_id,)) as cur:
                row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def totals(self, user_id: int, since: str = "") -> tuple[int, int]:
        row = await self.db.fetch_one(
            "SELECT COALESCE(SUM(plays), 0), COALESCE(SUM(ms), 0) FROM listen_days "
            "WHERE user_id = ? AND day >= ?", (user_id, since))
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def top(self, user_id: int, dimension: str, since: str = "", *, limit: int = 50,
                  offset: int = 0) -> tuple[list[RollupCount], int]:
        """The most played of `dimension` (track, artist, album, genre), most plays first (then
        most time, then key), and how many there are in all."""
        table, key = DIMENSIONS[dimension]
        artist = "artist" if dimension == "album" else "''"
        group = f"{key}, artist" if dimension == "album" else key
        rows = await self.db.fetch_all(
            f"SELECT {key}, {artist}, SUM(plays) AS p, SUM(ms) AS m FROM {table} "
            f"WHERE user_id = ? AND day >= ? GROUP BY {group} ORDER BY p DESC, m DESC, {group} "
            "LIMIT ? OFFSET ?", (user_id, since, limit, offset))
        total = await self.db.fetch_one(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE user_id = ? AND day >= ? "
            f"GROUP BY {group})", (user_id, since))
        counts = [RollupCount(key=str(r[0]), artist=r[1], plays=r[2], ms=r[3]) for r in rows]
        return counts, int(total[0]) if total else 0

    async def days(self, user_id: int, since: str = "") -> list[RollupDay]:
        rows = await self.db.fetch_all(
            "SELECT day, plays, ms FROM listen_days WHERE user_id = ? AND day >= ? ORDER BY day",
            (user_id, since))
        return [RollupDay(day=r[0], plays=r[1], ms=r[2]) for r in rows]

    async def hours(self, user_id: int, since: str = "") -> list[RollupHour]:
        rows = await self.db.fetch_all(
            "SELECT day, hour, plays FROM listen_day_hours WHERE user_id = ? AND day >= ? "
            "ORDER BY day, hour", (user_id, since))
        return [RollupHour(day=r[0], hour=r[1], plays=r[2]) for r in rows]

    async def status(self, user_id: int) -> RollupStatus:
        rolled = await self.db.fetch_one(
            "SELECT MAX(day), COUNT(*), COALESCE(SUM(plays), 0) FROM listen_days "
            "WHERE user_id = ?", (user_id,))
        stored = await self.db.fetch_one("SELECT COUNT(*) FROM listens WHERE user_id = ?",
                                         (user_id,))
        assert rolled is not None and stored is not None
        return RollupStatus(last_date=rolled[0], total_days=rolled[1], rolled_plays=rolled[2],
                            listens=stored[0])
