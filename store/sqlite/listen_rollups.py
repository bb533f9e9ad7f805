"""The rollups of listens in SQLite: written from the listens themselves (a batch just
inserted, or all of a user's listens when rebuilding) and read by every aggregate.

A daily rollup row counts the plays and milliseconds of one user on one UTC day, per track,
artist (the track's first artist), album (the track's album name and first artist), genre
(each of the track's genres) and UTC hour; the all-time rollups count the same per user and
track, artist, album, genre, and per UTC weekday (Monday 0) and hour, so that all-time reads
do not sum years of days.

A batch of new listens (the ids above the largest before it) is copied once, with what each
rollup keys on, into a temporary table, and added with one set-based upsert per rollup table;
a rebuild clears the user's rollups and adds their listens the same way, 90 days of plays at
a time.
"""

from __future__ import annotations

from typing import Any

import aiosqlite

from store.records import RollupCount, RollupDay, RollupHour, RollupStatus, RollupWeekdayHour
from store.sqlite.db import Database

__all__ = ["LISTEN_TABLES", "DIMENSIONS", "add_rollups", "clear_rollups", "ListenRollups"]

# table -> its key columns after user_id
ROLLUP_KEYS: dict[str, tuple[str, ...]] = {
    "listen_days": ("day",),
    "listen_day_tracks": ("day", "track_id"),
    "listen_day_artists": ("day", "artist"),
    "listen_day_albums": ("day", "artist", "album"),
    "listen_day_genres": ("day", "genre"),
    "listen_day_hours": ("day", "hour"),
    "listen_tracks": ("track_id",),
    "listen_artists": ("artist",),
    "listen_albums": ("artist", "album"),
    "listen_genres": ("genre",),
    "listen_weekday_hours": ("weekday", "hour"),
}
# every table holding a user's listening history (erasure drops them all)
LISTEN_TABLES = ("listens", *ROLLUP_KEYS)

_ADD = "ON CONFLICT DO UPDATE SET plays = plays + excluded.plays, ms = ms + excluded.ms"

# A batch of listens with what every rollup keys on, computed once per listen (its UTC day,
# hour and weekday, Monday 0; its track's first artist, album name and genres) in a temporary
# table of the writer's connection; each rollup then sums the batch with one upsert.
_BATCH = "temp.listen_batch"
_BATCH_TABLE = ("CREATE TEMP TABLE IF NOT EXISTS listen_batch (user_id INTEGER, day TEXT, "
                "hour INTEGER, weekday INTEGER, track_id INTEGER, ms INTEGER, artist TEXT, "
                "album TEXT, genres TEXT)")
_FILL_BATCH = (
    f"INSERT INTO {_BATCH} SELECT l.user_id, strftime('%Y-%m-%d', l.played_at, 'unixepoch'), "
    "CAST(strftime('%H', l.played_at, 'unixepoch') AS INTEGER), "
    "(CAST(strftime('%w', l.played_at, 'unixepoch') AS INTEGER) + 6) % 7, l.track_id, l.ms_played, "
    "COALESCE(json_extract(c.artist_names, '$[0]'), ''), COALESCE(c.album_name, ''), "
    "COALESCE(c.genres, '[]') FROM listens l{hint} LEFT JOIN catalog c ON c.id = l.track_id WHERE {where}")
_GENRES = " JOIN json_each(b.genres) g"
# table -> (its key expressions after user_id over the batch `b` (genres `g`), extra FROM,
# WHERE)
_KEY_SQL: dict[str, tuple[str, str, str]] = {
    "listen_days": ("b.day", "", "true"),
    "listen_day_tracks": ("b.day, b.track_id", "", "true"),
    "listen_day_artists": ("b.day, b.artist", "", "b.artist != ''"),
    "listen_day_albums": ("b.day, b.artist, b.album", "", "b.album != ''"),
    "listen_day_genres": ("b.day, g.value", _GENRES, "g.value != ''"),
    "listen_day_hours": ("b.day, b.hour", "", "true"),
    "listen_tracks": ("b.track_id", "", "true"),
    "listen_artists": ("b.artist", "", "b.artist != ''"),
    "listen_albums": ("b.artist, b.album", "", "b.album != ''"),
    "listen_genres": ("g.value", _GENRES, "g.value != ''"),
    "listen_weekday_hours": ("b.weekday, b.hour", "", "true"),
}
# dimension -> (daily table, all-time table, key column)
DIMENSIONS: dict[str, tuple[str, str, str]] = {
    "track": ("listen_day_tracks", "listen_tracks", "track_id"),
    "artist": ("listen_day_artists", "listen_artists", "artist"),
    "album": ("listen_day_albums", "listen_albums", "album"),
    "genre": ("listen_day_genres", "listen_genres", "genre"),
}
# a rebuild reads a user's listens this many seconds of played_at at a time
_REBUILD_SPAN = 90 * 86_400


def _add_batch_sql(table: str) -> str:
    keys, joins, where = _KEY_SQL[table]
    group = ", ".join(str(i) for i in range(1, 2 + len(ROLLUP_KEYS[table])))
    return (f"INSERT INTO {table} (user_id, {', '.join(ROLLUP_KEYS[table])}, plays, ms) "
            f"SELECT b.user_id, {keys}, COUNT(*), SUM(b.ms) FROM {_BATCH} b{joins} "
            f"WHERE {where} GROUP BY {group} {_ADD}")


async def _add_listens(conn: aiosqlite.Connection, fill: str, params: tuple[Any, ...]) -> None:
    await conn.execute(_BATCH_TABLE)
    await conn.execute(f"DELETE FROM {_BATCH}")
    await conn.execute(fill, params)
    for table in ROLLUP_KEYS:
        await conn.execute(_add_batch_sql(table))
    await conn.execute(f"DELETE FROM {_BATCH}")


async def add_rollups(conn: aiosqlite.Connection, after_id: int) -> None:
    """Add the listens just stored (every id above `after_id`) to every rollup; the caller's
    transaction. They are read by rowid, NOT INDEXED: otherwise the planner may walk the
    user's whole index of listens."""
    await _add_listens(conn, _FILL_BATCH.format(hint=" NOT INDEXED", where="l.id > ?"), (after_id,))


async def clear_rollups(conn: aiosqlite.Connection, user_id: int) -> None:
    for table in ROLLUP_KEYS:
        await conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))


class ListenRollups:
    """Reads over one user's rollups; `since` is the first UTC day counted ('' for all)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def rebuild(self, user_id: int) -> int:
        """Recompute the user's rollups from their listens in one transaction; how many days."""
        async with self.db.write() as conn:
            await clear_rollups(conn, user_id)
            async with conn.execute("SELECT MIN(played_at), MAX(played_at) FROM listens "
                                    "WHERE user_id = ?", (user_id,)) as cur:
                first, last = await cur.fetchone() or (None, None)
            fill = _FILL_BATCH.format(hint="", where="l.user_id = ? AND l.played_at >= ? AND l.played_at < ?")
            start = first
            while start is not None and start <= last:  # a window at a time: the batch stays small
                await _add_listens(conn, fill, (user_id, start, start + _REBUILD_SPAN))
                start += _REBUILD_SPAN
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
        daily, all_time, key = DIMENSIONS[dimension]
        artist = "artist" if dimension == "album" else "''"
        group = f"{key}, artist" if dimension == "album" else key
        params: tuple[Any, ...]
        if since:  # sum the days of the period
            source, where, params = daily, "user_id = ? AND day >= ?", (user_id, since)
        else:
            source, where, params = all_time, "user_id = ?", (user_id,)
        # one pass: the window counts every group before LIMIT applies
        rows = await self.db.fetch_all(
            f"SELECT {key}, {artist}, SUM(plays) AS p, SUM(ms) AS m, COUNT(*) OVER () "
            f"FROM {source} WHERE {where} GROUP BY {group} ORDER BY p DESC, m DESC, {group} "
            "LIMIT ? OFFSET ?", (*params, limit, offset))
        if rows or not offset:
            total = int(rows[0][4]) if rows else 0
        else:  # a page past the end
            row = await self.db.fetch_one(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {source} WHERE {where} GROUP BY {group})",
                params)
            total = int(row[0]) if row else 0
        counts = [RollupCount(key=str(r[0]), artist=r[1], plays=r[2], ms=r[3]) for r in rows]
        return counts, total

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

    async def weekday_hours(self, user_id: int, since: str = "") -> list[RollupWeekdayHour]:
        """Plays per UTC weekday (Monday 0) and hour from the UTC day `since`: all time from the
        all-time rollup, a period summed over its daily hours."""
        if since:
            rows = await self.db.fetch_all(
                "SELECT (CAST(strftime('%w', day) AS INTEGER) + 6) % 7, hour, SUM(plays) "
                "FROM listen_day_hours WHERE user_id = ? AND day >= ? GROUP BY 1, 2 ORDER BY 1, 2",
                (user_id, since))
        else:
            rows = await self.db.fetch_all(
                "SELECT weekday, hour, plays FROM listen_weekday_hours WHERE user_id = ? "
                "ORDER BY weekday, hour", (user_id,))
        return [RollupWeekdayHour(weekday=r[0], hour=r[1], plays=r[2]) for r in rows]

    async def status(self, user_id: int) -> RollupStatus:
        rolled = await self.db.fetch_one(
            "SELECT MAX(day), COUNT(*), COALESCE(SUM(plays), 0) FROM listen_days "
            "WHERE user_id = ?", (user_id,))
        stored = await self.db.fetch_one("SELECT COUNT(*) FROM listens WHERE user_id = ?",
                                         (user_id,))
        assert rolled is not None and stored is not None
        return RollupStatus(last_date=rolled[0], total_days=rolled[1], rolled_plays=rolled[2],
                            listens=stored[0])
