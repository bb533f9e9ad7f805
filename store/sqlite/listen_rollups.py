"""The rollups of listens in SQLite: written from the listens themselves (a batch just
inserted, or all of a user's listens when rebuilding) and read by every aggregate.

A daily rollup row counts the plays and milliseconds of one user on one UTC day, per track,
artist (the track's first artist), album (the track's album name and first artist), genre
(each of the track's genres) and UTC hour; the all-time rollups count the same per user and
track, artist, album, genre, and per UTC weekday (Monday 0) and hour, so that all-time reads
do not sum years of days.

A batch of new listens is summed in Python per rollup key (`deltas`) and added with one
executemany upsert per table; a rebuild recomputes the daily tables with one set-based
statement each and the all-time tables from them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

import aiosqlite

from store.records import RollupCount, RollupDay, RollupHour, RollupStatus, RollupWeekdayHour
from store.sqlite.db import Database

__all__ = ["LISTEN_TABLES", "DIMENSIONS", "TrackFacts", "NewPlay", "deltas", "add_rollups",
           "clear_rollups", "ListenRollups"]

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

_DAY = "strftime('%Y-%m-%d', l.played_at, 'unixepoch')"
_FIRST_ARTIST = "COALESCE(json_extract(c.artist_names, '$[0]'), '')"
_ADD = "ON CONFLICT DO UPDATE SET plays = plays + excluded.plays, ms = ms + excluded.ms"

# daily table -> (its key expressions over listens `l` joined to catalog `c`, extra FROM,
# extra WHERE), for rebuilds
_DAILY_SQL: dict[str, tuple[str, str, str]] = {
    "listen_days": ("", "", ""),
    "listen_day_tracks": (", l.track_id", "", ""),
    "listen_day_artists": (f", {_FIRST_ARTIST}", " JOIN catalog c ON c.id = l.track_id",
                           f" AND {_FIRST_ARTIST} != ''"),
    "listen_day_albums": (f", {_FIRST_ARTIST}, c.album_name", " JOIN catalog c ON c.id = l.track_id",
                          " AND c.album_name != ''"),
    "listen_day_genres": (", g.value", " JOIN catalog c ON c.id = l.track_id JOIN json_each(c.genres) g",
                          " AND g.value != ''"),
    "listen_day_hours": (", CAST(strftime('%H', l.played_at, 'unixepoch') AS INTEGER)", "", ""),
}
# all-time table -> (the daily table it sums, its key expressions over that table)
_ALL_TIME_SQL: dict[str, tuple[str, str]] = {
    "listen_tracks": ("listen_day_tracks", "track_id"),
    "listen_artists": ("listen_day_artists", "artist"),
    "listen_albums": ("listen_day_albums", "artist, album"),
    "listen_genres": ("listen_day_genres", "genre"),
    "listen_weekday_hours": ("listen_day_hours", "(CAST(strftime('%w', day) AS INTEGER) + 6) % 7, hour"),
}

# dimension -> (daily table, all-time table, key column)
DIMENSIONS: dict[str, tuple[str, str, str]] = {
    "track": ("listen_day_tracks", "listen_tracks", "track_id"),
    "artist": ("listen_day_artists", "listen_artists", "artist"),
    "album": ("listen_day_albums", "listen_albums", "album"),
    "genre": ("listen_day_genres", "listen_genres", "genre"),
}


class TrackFacts(NamedTuple):
    """What the rollups need of a track: its first artist, album name and genres."""

    artist: str
    album: str
    genres: tuple[str, ...]


class NewPlay(NamedTuple):
    user_id: int
    played_at: float
    ms: int
    track_id: int


@lru_cache(maxsize=8192)
def _utc_day(day_number: int) -> str:
    return datetime.fromtimestamp(day_number * 86_400, UTC).strftime("%Y-%m-%d")


def _sum(keys: Iterable[tuple[Any, ...]], ms: Iterable[int],
         into: dict[tuple[Any, ...], list[int]]) -> None:
    for key, each in zip(keys, ms, strict=True):
        entry = into.get(key)
        if entry is None:
            into[key] = [1, each]
        else:
            entry[0] += 1
            entry[1] += each


def _sum_both(rows: list[tuple[Any, ...]], daily: dict[tuple[Any, ...], list[int]],
              all_time: dict[tuple[Any, ...], list[int]]) -> None:
    """Add rows (user_id, day, *key, ms) to a daily table's sums and to its all-time table's."""
    ms = [row[-1] for row in rows]
    _sum((row[:-1] for row in rows), ms, daily)
    _sum(((row[0], *row[2:-1]) for row in rows), ms, all_time)


def deltas(plays: Sequence[NewPlay], facts: Mapping[int, TrackFacts]
           ) -> dict[str, dict[tuple[Any, ...], list[int]]]:
    """What the plays add to each rollup table: {table: {(user_id, *key): [plays, ms]}}."""
    sums: dict[str, dict[tuple[Any, ...], list[int]]] = {table: {} for table in ROLLUP_KEYS}
    day_numbers = [int(p.played_at // 86_400) for p in plays]
    days = [_utc_day(n) for n in day_numbers]
    hours = [int(p.played_at - n * 86_400) // 3_600 for p, n in zip(plays, day_numbers, strict=True)]
    weekdays = [(n + 3) % 7 for n in day_numbers]  # 1970-01-01 was a Thursday (Monday 0)
    users, ms = [p.user_id for p in plays], [p.ms for p in plays]
    _sum(zip(users, days, strict=True), ms, sums["listen_days"])
    _sum(zip(users, days, hours, strict=True), ms, sums["listen_day_hours"])
    _sum(zip(users, weekdays, hours, strict=True), ms, sums["listen_weekday_hours"])
    _sum_both([(p.user_id, day, p.track_id, p.ms) for p, day in zip(plays, days, strict=True)],
              sums["listen_day_tracks"], sums["listen_tracks"])
    of = [(p, day, facts[p.track_id]) for p, day in zip(plays, days, strict=True)]
    _sum_both([(p.user_id, day, f.artist, p.ms) for p, day, f in of if f.artist],
              sums["listen_day_artists"], sums["listen_artists"])
    _sum_both([(p.user_id, day, f.artist, f.album, p.ms) for p, day, f in of if f.album],
              sums["listen_day_albums"], sums["listen_albums"])
    _sum_both([(p.user_id, day, genre, p.ms) for p, day, f in of for genre in f.genres],
              sums["listen_day_genres"], sums["listen_genres"])
    return sums


async def track_facts(conn: aiosqlite.Connection, track_ids: Iterable[int]) -> dict[int, TrackFacts]:
    async with conn.execute(
            "SELECT id, COALESCE(json_extract(artist_names, '$[0]'), ''), album_name, genres "
            "FROM catalog WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(track_ids)),)) as cur:
        rows = await cur.fetchall()
    return {row[0]: TrackFacts(str(row[1]), row[2], tuple(g for g in json.loads(row[3]) if g))
            for row in rows}


def _upsert_sql(table: str) -> str:
    columns = ", ".join(("user_id", *ROLLUP_KEYS[table], "plays", "ms"))
    marks = ", ".join("?" for _ in range(len(ROLLUP_KEYS[table]) + 3))
    return f"INSERT INTO {table} ({columns}) VALUES ({marks}) {_ADD}"


async def add_rollups(conn: aiosqlite.Connection, plays: Sequence[NewPlay]) -> None:
    """Add plays just stored to every rollup; the caller's transaction."""
    facts = await track_facts(conn, {p.track_id for p in plays})
    for table, sums in deltas(plays, facts).items():
        if sums:
            await conn.executemany(_upsert_sql(table), [(*key, *value) for key, value in sums.items()])


def _daily_sql(table: str) -> str:
    keys, joins, extra = _DAILY_SQL[table]
    columns = "".join(f", {c}" for c in ROLLUP_KEYS[table][1:])
    group = ", ".join(str(i) for i in range(1, 3 + len(ROLLUP_KEYS[table]) - 1))
    return (f"INSERT INTO {table} (user_id, day{columns}, plays, ms) "
            f"SELECT l.user_id, {_DAY}{keys}, COUNT(*), SUM(l.ms_played) "
            f"FROM listens l{joins} WHERE l.user_id = ?{extra} GROUP BY {group}")


def _all_time_sql(table: str) -> str:
    daily, keys = _ALL_TIME_SQL[table]
    group = ", ".join(str(i) for i in range(1, 2 + len(ROLLUP_KEYS[table])))
    return (f"INSERT INTO {table} (user_id, {', '.join(ROLLUP_KEYS[table])}, plays, ms) "
            f"SELECT user_id, {keys}, SUM(plays), SUM(ms) FROM {daily} WHERE user_id = ? "
            f"GROUP BY {group}")


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
            for table in _DAILY_SQL:
                await conn.execute(_daily_sql(table), (user_id,))
            for table in _ALL_TIME_SQL:
                await conn.execute(_all_time_sql(table), (user_id,))
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

    async def weekday_hours(self, user_id: int) -> list[RollupWeekdayHour]:
        """All-time plays per UTC weekday (Monday 0) and hour."""
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
