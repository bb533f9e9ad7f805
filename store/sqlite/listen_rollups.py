"""The rollups of listens in SQLite: written from the listens themselves (a batch just
inserted, or all of a user's listens when rebuilding) and read by every aggregate.

Per user and UTC day: plays and milliseconds (`listen_days`), per hour (`listen_day_hours`)
and per track (`listen_day_tracks`); all time: per track (`listen_tracks`, which also holds
the track's first artist, album name and genres as the catalog gave them when the user first
played it or at the last rebuild) and per UTC weekday (Monday 0) and hour. An artist, album
(name and first artist) or genre is counted through its tracks: a top list of artists sums
the period's (or all-time) track rows grouped by their artist.

Per-day track rows are written only for days on or after `detail_since` (the caller's first
day any period can still reach; '' for every day): an import of years of history writes one
track row per listen only for its last year. Every other rollup covers every day.

A batch of new listens (the ids above the largest before it) is summed per UTC hour and per
track into temporary tables, and added with one set-based statement per rollup table; a
rebuild clears the user's rollups and adds their listens the same way, 90 days of plays at a
time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiosqlite

from store.records import RollupCount, RollupDay, RollupHour, RollupStatus, RollupWeekdayHour
from store.sqlite.db import Database

__all__ = ["LISTEN_TABLES", "DIMENSIONS", "add_rollups", "clear_rollups", "ListenRollups"]

# every rollup table, with its key columns after user_id
ROLLUP_KEYS: dict[str, tuple[str, ...]] = {
    "listen_days": ("day",),
    "listen_day_tracks": ("day", "track_id"),
    "listen_day_hours": ("day", "hour"),
    "listen_tracks": ("track_id",),
    "listen_weekday_hours": ("weekday", "hour"),
}
# every table holding a user's listening history (erasure drops them all)
LISTEN_TABLES = ("listens", *ROLLUP_KEYS)
DIMENSIONS = ("track", "artist", "album", "genre")

_ADD = "ON CONFLICT DO UPDATE SET plays = plays + excluded.plays, ms = ms + excluded.ms"

# The listens being added are read where `{where}` says (named parameters), by rowid for a
# batch just inserted; their plays and time per UTC hour go to a temporary table of the
# writer's connection, and so do their per-track sums, from which the day, hour and track
# rollups are upserted. Days and hours are computed once per group, not once per listen.
_SOURCE = "FROM listens l{hint} WHERE {where}"
_BATCH_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS listen_batch_hours (user_id INTEGER, day TEXT, "
    "hour INTEGER, plays INTEGER, ms INTEGER)",
    "CREATE TEMP TABLE IF NOT EXISTS listen_batch_tracks (user_id INTEGER, track_id INTEGER, "
    "plays INTEGER, ms INTEGER, PRIMARY KEY (user_id, track_id)) WITHOUT ROWID",
)
_CLEAR_BATCH = ("DELETE FROM temp.listen_batch_hours", "DELETE FROM temp.listen_batch_tracks")
_FILL = (
    "INSERT INTO temp.listen_batch_hours SELECT user_id, strftime('%Y-%m-%d', h * 3600, 'unixepoch'), "
    "CAST(strftime('%H', h * 3600, 'unixepoch') AS INTEGER), plays, ms FROM ("
    "SELECT l.user_id, CAST(floor(l.played_at / 3600) AS INTEGER) AS h, COUNT(*) AS plays, "
    "SUM(l.ms_played) AS ms {source} GROUP BY 1, 2)",
    "INSERT INTO temp.listen_batch_tracks SELECT l.user_id, l.track_id, COUNT(*), SUM(l.ms_played) "
    "{source} GROUP BY 1, 2",
    # per-day track sums, from the day `detail_since` (:detail, epoch seconds) on
    "INSERT INTO listen_day_tracks (user_id, day, track_id, plays, ms) "
    "SELECT user_id, strftime('%Y-%m-%d', d * 86400, 'unixepoch'), track_id, plays, ms FROM ("
    "SELECT l.user_id, CAST(floor(l.played_at / 86400) AS INTEGER) AS d, l.track_id, "
    "COUNT(*) AS plays, SUM(l.ms_played) AS ms {source} AND l.played_at >= :detail "
    f"GROUP BY 1, 2, 3) WHERE true {_ADD}",
)
_ADD_BATCH = (
    # the tracks already counted get their sums; the others their names from the catalog
    "UPDATE listen_tracks SET plays = listen_tracks.plays + b.plays, ms = listen_tracks.ms + b.ms "
    "FROM temp.listen_batch_tracks b "
    "WHERE listen_tracks.user_id = b.user_id AND listen_tracks.track_id = b.track_id",
    "INSERT INTO listen_tracks (user_id, track_id, plays, ms, artist, album, genres) "
    "SELECT b.user_id, b.track_id, b.plays, b.ms, "
    "COALESCE(json_extract(c.artist_names, '$[0]'), ''), COALESCE(c.album_name, ''), "
    "COALESCE(c.genres, '[]') FROM temp.listen_batch_tracks b LEFT JOIN catalog c ON c.id = b.track_id "
    "WHERE NOT EXISTS (SELECT 1 FROM listen_tracks k WHERE k.user_id = b.user_id "
    "AND k.track_id = b.track_id)",
    "INSERT INTO listen_day_hours (user_id, day, hour, plays, ms) "
    f"SELECT user_id, day, hour, plays, ms FROM temp.listen_batch_hours WHERE true {_ADD}",
    "INSERT INTO listen_days (user_id, day, plays, ms) SELECT user_id, day, SUM(plays), SUM(ms) "
    f"FROM temp.listen_batch_hours GROUP BY 1, 2 {_ADD}",
    "INSERT INTO listen_weekday_hours (user_id, weekday, hour, plays, ms) "
    "SELECT user_id, (CAST(strftime('%w', day) AS INTEGER) + 6) % 7, hour, SUM(plays), SUM(ms) "
    f"FROM temp.listen_batch_hours GROUP BY 1, 2, 3 {_ADD}",
)
# a rebuild reads a user's listens this many seconds of played_at at a time
_REBUILD_SPAN = 90 * 86_400

# One row per track the user played: (track_id, plays, ms, artist, album, genres), over the
# days from :since, or all time (:since '').
_PERIOD_TRACKS = (
    "SELECT s.track_id, s.plays, s.ms, COALESCE(k.artist, '') AS artist, "
    "COALESCE(k.album, '') AS album, COALESCE(k.genres, '[]') AS genres "
    "FROM (SELECT track_id, SUM(plays) AS plays, SUM(ms) AS ms FROM listen_day_tracks "
    "WHERE user_id = :user AND day >= :since GROUP BY track_id) s "
    "LEFT JOIN listen_tracks k ON k.user_id = :user AND k.track_id = s.track_id")
_ALL_TRACKS = ("SELECT track_id, plays, ms, artist, album, genres FROM listen_tracks "
               "WHERE user_id = :user")
# dimension -> (key, album artist, extra FROM, WHERE, GROUP BY) over the track rows `t`
_TOP_OF: dict[str, tuple[str, str, str, str, str]] = {
    "track": ("t.track_id", "''", "", "true", "t.track_id"),
    "artist": ("t.artist", "''", "", "t.artist != ''", "t.artist"),
    "album": ("t.album", "t.artist", "", "t.album != ''", "t.album, t.artist"),
    "genre": ("g.value", "''", " JOIN json_each(t.genres) g", "g.value != ''", "g.value"),
}


def _top_sql(dimension: str, paged: bool = True) -> str:
    """The top of `dimension` over the track rows `t`: key, album artist, plays, ms and how
    many keys there are in all (the window counts every group before LIMIT applies)."""
    key, artist, joins, where, group = _TOP_OF[dimension]
    return (f"SELECT {key}, {artist}, SUM(t.plays) AS p, SUM(t.ms) AS m, COUNT(*) OVER () "
            f"FROM t{joins} WHERE {where} GROUP BY {group} ORDER BY p DESC, m DESC, {group} "
            f"LIMIT :limit{' OFFSET :offset' if paged else ''}")


def _tracks_cte(since: str) -> str:
    return f"WITH t AS MATERIALIZED ({_PERIOD_TRACKS if since else _ALL_TRACKS}) "


def _detail_epoch(detail_since: str) -> float:
    """The UTC midnight starting the day `detail_since` ('' : before any listen)."""
    if not detail_since:
        return -1e18
    return datetime.strptime(detail_since, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()


async def _add_listens(conn: aiosqlite.Connection, source: str, params: dict[str, Any],
                       detail_since: str) -> None:
    for sql in (*_BATCH_TABLES, *_CLEAR_BATCH):
        await conn.execute(sql)
    bound = {**params, "detail": _detail_epoch(detail_since)}
    for sql in _FILL:
        await conn.execute(sql.format(source=source), bound)
    for sql in _ADD_BATCH:
        await conn.execute(sql)
    for sql in _CLEAR_BATCH:
        await conn.execute(sql)


async def add_rollups(conn: aiosqlite.Connection, after_id: int, detail_since: str = "") -> None:
    """Add the listens just stored (every id above `after_id`) to every rollup; the caller's
    transaction. They are read by rowid, NOT INDEXED: otherwise the planner may walk the
    user's whole index of listens."""
    await _add_listens(conn, _SOURCE.format(hint=" NOT INDEXED", where="l.id > :after"),
                       {"after": after_id}, detail_since)


async def clear_rollups(conn: aiosqlite.Connection, user_id: int) -> None:
    for table in ROLLUP_KEYS:
        await conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))


def _counts(rows: list[Any]) -> tuple[list[RollupCount], int]:
    total = int(rows[0][4]) if rows else 0
    return [RollupCount(key=str(r[0]), artist=r[1], plays=r[2], ms=r[3]) for r in rows], total


class ListenRollups:
    """Reads over one user's rollups; `since` is the first UTC day counted ('' for all)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def rebuild(self, user_id: int, detail_since: str = "") -> int:
        """Recompute the user's rollups from their listens (and the catalog) in one
        transaction; how many days."""
        async with self.db.write() as conn:
            await clear_rollups(conn, user_id)
            async with conn.execute("SELECT MIN(played_at), MAX(played_at) FROM listens "
                                    "WHERE user_id = ?", (user_id,)) as cur:
                first, last = await cur.fetchone() or (None, None)
            source = _SOURCE.format(
                hint="", where="l.user_id = :user AND l.played_at >= :start AND l.played_at < :end")
            start = first
            while start is not None and start <= last:  # a window at a time: the batch stays small
                await _add_listens(conn, source, {"user": user_id, "start": start,
                                                  "end": start + _REBUILD_SPAN}, detail_since)
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
        params = {"user": user_id, "since": since, "limit": limit, "offset": offset}
        cte = _tracks_cte(since)
        rows = await self.db.fetch_all(cte + _top_sql(dimension), params)
        if rows or not offset:
            return _counts(rows)
        # a page past the end: count the keys
        key, _, joins, where, group = _TOP_OF[dimension]
        row = await self.db.fetch_one(
            f"{cte}SELECT COUNT(*) FROM (SELECT 1 FROM t{joins} WHERE {where} GROUP BY {group})",
            params)
        return [], int(row[0]) if row else 0

    async def tops(self, user_id: int, since: str = "", *, limit: int = 10
                   ) -> dict[str, tuple[list[RollupCount], int]]:
        """The first `limit` of every dimension and how many there are, as `top` gives them,
        in one read: the period's track rows are summed once."""
        parts = " UNION ALL ".join(f"SELECT '{d}', * FROM ({_top_sql(d, paged=False)})"
                                   for d in DIMENSIONS)
        rows = await self.db.fetch_all(_tracks_cte(since) + parts,
                                       {"user": user_id, "since": since, "limit": limit})
        out: dict[str, tuple[list[RollupCount], int]] = {}
        for dimension in DIMENSIONS:
            out[dimension] = _counts([r[1:] for r in rows if r[0] == dimension])
        return out

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
