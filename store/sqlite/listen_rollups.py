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

A batch of new listens (the ids above the largest before it) is summed per track straight into
the all-time track rollup (one upsert), and per UTC hour (and, for the days from
`detail_since`, per day and track) into temporary tables from which one set-based statement
per rollup table adds them; a batch the caller knows to be older than `detail_since` skips the
per-day track statements. A rebuild clears the user's rollups and adds their listens the same
way, 90 days of plays at a time.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
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
    "listen_recent_tracks": ("track_id",),
}
# every table holding a user's listening history (erasure drops them all)
LISTEN_TABLES = ("listens", *ROLLUP_KEYS, "listen_recent")
DIMENSIONS = ("track", "artist", "album", "genre")

def _add(table: str) -> str:
    """The upsert clause adding a row's plays and ms to the row of `table` with its keys."""
    keys = ", ".join(("user_id", *ROLLUP_KEYS[table]))
    return (f"ON CONFLICT ({keys}) DO UPDATE SET plays = {table}.plays + excluded.plays, "
            f"ms = {table}.ms + excluded.ms")


# The listens being added are read where `{where}` says (named parameters), by rowid for a
# batch just inserted. Their per-track sums are upserted into the all-time track rollup
# straight from them (the catalog read for every track, used only by the tracks new to the
# user). Their plays and time per UTC hour go to a temporary table of the writer's
# connection, from which the day, hour and weekday rollups are upserted; days and hours are
# computed once per group, not once per listen.
_SOURCE = "FROM listens l{hint} WHERE {where}"
_ADD_TRACKS = (
    "INSERT INTO listen_tracks (user_id, track_id, plays, ms, artist, album, genres) "
    "SELECT b.user_id, b.track_id, b.plays, b.ms, "
    "COALESCE(json_extract(c.artist_names, '$[0]'), ''), COALESCE(c.album_name, ''), "
    "COALESCE(c.genres, '[]') FROM (SELECT l.user_id, l.track_id, COUNT(*) AS plays, "
    "SUM(l.ms_played) AS ms {source} GROUP BY l.user_id, l.track_id) b "
    f"LEFT JOIN catalog c ON c.id = b.track_id WHERE true {_add('listen_tracks')}")
_HOURS = (
    "CREATE TEMP TABLE IF NOT EXISTS listen_batch_hours (user_id INTEGER, day TEXT, "
    "hour INTEGER, plays INTEGER, ms INTEGER)",
    "DELETE FROM temp.listen_batch_hours",
    "INSERT INTO temp.listen_batch_hours SELECT user_id, strftime('%Y-%m-%d', h * 3600, 'unixepoch'), "
    "CAST(strftime('%H', h * 3600, 'unixepoch') AS INTEGER), plays, ms FROM ("
    "SELECT l.user_id, CAST(floor(l.played_at / 3600) AS INTEGER) AS h, COUNT(*) AS plays, "
    "SUM(l.ms_played) AS ms {source} GROUP BY 1, 2)",
)
_ADD_HOURS = (
    "INSERT INTO listen_day_hours (user_id, day, hour, plays, ms) "
    f"SELECT user_id, day, hour, plays, ms FROM temp.listen_batch_hours WHERE true "
    f"{_add('listen_day_hours')}",
    "INSERT INTO listen_days (user_id, day, plays, ms) SELECT user_id, day, SUM(plays), SUM(ms) "
    f"FROM temp.listen_batch_hours GROUP BY user_id, day {_add('listen_days')}",
    "INSERT INTO listen_weekday_hours (user_id, weekday, hour, plays, ms) "
    "SELECT user_id, (CAST(strftime('%w', day) AS INTEGER) + 6) % 7, hour, SUM(plays), SUM(ms) "
    f"FROM temp.listen_batch_hours GROUP BY 1, 2, 3 {_add('listen_weekday_hours')}",
)
# Per-day track sums of the listens from the day `detail_since` (:detail, epoch seconds) on,
# skipped by a caller that knows none is that recent; with them, the users' recent sums (which
# start with their first detail day)
_DETAIL = (
    "CREATE TEMP TABLE IF NOT EXISTS listen_batch_days (user_id INTEGER, day TEXT, "
    "track_id INTEGER, plays INTEGER, ms INTEGER)",
    "DELETE FROM temp.listen_batch_days",
    "INSERT INTO temp.listen_batch_days "
    "SELECT user_id, strftime('%Y-%m-%d', d * 86400, 'unixepoch'), track_id, plays, ms FROM ("
    "SELECT l.user_id, CAST(floor(l.played_at / 86400) AS INTEGER) AS d, l.track_id, "
    "COUNT(*) AS plays, SUM(l.ms_played) AS ms {source} AND l.played_at >= :detail "
    "GROUP BY 1, 2, 3)",
)
_ADD_DETAIL = (
    "INSERT INTO listen_day_tracks (user_id, day, track_id, plays, ms) "
    "SELECT user_id, day, track_id, plays, ms FROM temp.listen_batch_days WHERE true "
    f"{_add('listen_day_tracks')}",
    "INSERT INTO listen_recent (user_id, since) SELECT DISTINCT user_id, :detail_day "
    "FROM temp.listen_batch_days WHERE true ON CONFLICT (user_id) DO NOTHING",
    "INSERT INTO listen_recent_tracks (user_id, track_id, plays, ms) "
    "SELECT b.user_id, b.track_id, SUM(b.plays), SUM(b.ms) FROM temp.listen_batch_days b "
    "JOIN listen_recent r ON r.user_id = b.user_id WHERE b.day >= r.since "
    f"GROUP BY b.user_id, b.track_id {_add('listen_recent_tracks')}",
)
# The batch's users whose recent sums start before :stale (a week before :detail_day, the
# first day still in reach) move them to :detail_day: the days before it are taken out of
# their recent sums, and their per-day track rows for those days are dropped.
_MOVING = ("SELECT user_id FROM listen_recent WHERE since < :stale "
           "AND user_id IN (SELECT user_id FROM temp.listen_batch_days)")
_MOVE_RECENT = (
    "UPDATE listen_recent_tracks SET plays = listen_recent_tracks.plays - o.plays, "
    "ms = listen_recent_tracks.ms - o.ms FROM (SELECT d.user_id, d.track_id, SUM(d.plays) AS plays, "
    "SUM(d.ms) AS ms FROM listen_day_tracks d JOIN listen_recent r ON r.user_id = d.user_id "
    f"WHERE d.user_id IN ({_MOVING}) AND d.day >= r.since AND d.day < :detail_day GROUP BY 1, 2) o "
    "WHERE listen_recent_tracks.user_id = o.user_id AND listen_recent_tracks.track_id = o.track_id",
    f"DELETE FROM listen_recent_tracks WHERE plays <= 0 AND user_id IN ({_MOVING})",
    f"DELETE FROM listen_day_tracks WHERE day < :detail_day AND user_id IN ({_MOVING})",
    f"UPDATE listen_recent SET since = :detail_day WHERE user_id IN ({_MOVING})",
)
# a period starting at most this many days after the user's recent `since` is read as the
# recent sums less those days
_RECENT_SLACK = 31
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
_RECENT_TRACKS = (
    "SELECT r.track_id, r.plays - COALESCE(o.plays, 0) AS plays, r.ms - COALESCE(o.ms, 0) AS ms, "
    "COALESCE(k.artist, '') AS artist, COALESCE(k.album, '') AS album, "
    "COALESCE(k.genres, '[]') AS genres FROM listen_recent_tracks r "
    "LEFT JOIN (SELECT track_id, SUM(plays) AS plays, SUM(ms) AS ms FROM listen_day_tracks "
    "WHERE user_id = :user AND day >= :recent AND day < :since GROUP BY track_id) o "
    "ON o.track_id = r.track_id "
    "LEFT JOIN listen_tracks k ON k.user_id = :user AND k.track_id = r.track_id "
    "WHERE r.user_id = :user AND r.plays - COALESCE(o.plays, 0) > 0")
_ALL_TRACKS = ("SELECT track_id, plays, ms, artist, album, genres FROM listen_tracks "
               "WHERE user_id = :user")
TopOf = tuple[str, str, str, str, str]


def _top_of(dialect: Any, dimension: str) -> TopOf:
    """(key, album artist, extra FROM, WHERE, GROUP BY) of `dimension` over the track rows
    `t`; a genre is each element of the track's genres array."""
    if dimension == "genre":
        return ("g.value", "''", dialect.json_elements("t.genres", "g"), "g.value != ''",
                "g.value")
    return {"track": ("t.track_id", "''", "", "true", "t.track_id"),
            "artist": ("t.artist", "''", "", "t.artist != ''", "t.artist"),
            "album": ("t.album", "t.artist", "", "t.album != ''", "t.album, t.artist"),
            }[dimension]


def _top_sql(top_of: TopOf) -> str:
    """The top over the track rows `t`: key, album artist, plays, ms and how many keys there
    are in all (the window counts every group before LIMIT applies)."""
    key, artist, joins, where, group = top_of
    return (f"SELECT {key}, {artist}, SUM(t.plays) AS p, SUM(t.ms) AS m, COUNT(*) OVER () "
            f"FROM t{joins} WHERE {where} GROUP BY {group} ORDER BY p DESC, m DESC, {group} "
            "LIMIT :limit OFFSET :offset")




def _days_after(day: str, days: int) -> str:
    """The UTC day `days` after `day` ('' stays '')."""
    if not day:
        return ""
    return (datetime.strptime(day, "%Y-%m-%d") + timedelta(days=days)).strftime("%Y-%m-%d")


def _detail_epoch(detail_since: str) -> float:
    """The UTC midnight starting the day `detail_since` ('' : before any listen)."""
    if not detail_since:
        return -1e18
    return datetime.strptime(detail_since, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()


async def _add_listens(conn: aiosqlite.Connection, source: str, params: dict[str, Any],
                       detail_since: str, detailed: bool = True) -> None:
    """Add the listens `source` reads to every rollup; the per-day track rows and recent sums
    only when `detailed` (some of them may be on or after `detail_since`)."""
    bound = {**params, "detail": _detail_epoch(detail_since)}
    await conn.execute(_ADD_TRACKS.format(source=source), bound)
    for sql in _HOURS:
        await conn.execute(sql.format(source=source), bound)
    for sql in _ADD_HOURS:
        await conn.execute(sql)
    if not detailed:
        return
    for sql in _DETAIL:
        await conn.execute(sql.format(source=source), bound)
    moving = {"detail_day": detail_since, "stale": _days_after(detail_since, -7)}
    for sql in _ADD_DETAIL:
        await conn.execute(sql, moving)
    if detail_since:
        for sql in _MOVE_RECENT:
            await conn.execute(sql, moving)


async def add_rollups(conn: aiosqlite.Connection, after_id: int, detail_since: str = "",
                      newest: float | None = None) -> None:
    """Add the listens just stored (every id above `after_id`; the newest played at `newest`
    when the caller knows) to every rollup; the caller's transaction. They are read by rowid,
    NOT INDEXED: otherwise the planner may walk the user's whole index of listens."""
    detailed = newest is None or newest >= _detail_epoch(detail_since)
    await _add_listens(conn, _SOURCE.format(hint=" NOT INDEXED", where="l.id > :after"),
                       {"after": after_id}, detail_since, detailed)


async def clear_rollups(conn: aiosqlite.Connection, user_id: int) -> None:
    for table in (*ROLLUP_KEYS, "listen_recent"):
        await conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))


def _counts(rows: list[Any]) -> tuple[list[RollupCount], int]:
    total = int(rows[0][4]) if rows else 0
    return [RollupCount(key=str(r[0]), artist=r[1], plays=r[2], ms=r[3]) for r in rows], total


def _first(plays: dict[Any, int], ms: dict[Any, int], limit: int) -> list[tuple[Any, int, int]]:
    """The `limit` keys with most plays, then most time, then smallest key, with their plays
    and ms: sorted after dropping those with fewer plays than the `limit`-th most (a few
    thousand keys, a few dozen left)."""
    keys: Iterable[Any] = plays.keys()
    if 0 < limit and 4 * limit < len(plays):
        floor = heapq.nlargest(limit, plays.values())[-1]
        keys = [key for key, count in plays.items() if count >= floor]
    ranked = sorted(keys, key=lambda key: (-plays[key], -ms[key], key))[:limit]
    return [(key, plays[key], ms[key]) for key in ranked]


def _group_tops(rows: Iterable[Any], limit: int) -> dict[str, tuple[list[RollupCount], int]]:
    """Every dimension's top from track rows (track_id, plays, ms, artist, album, genres): plays
    and ms summed in one dict each per dimension (a few thousand rows per overview, so the
    loop is written out rather than calling a helper per row)."""
    track_plays: dict[int, int] = {}
    track_ms: dict[int, int] = {}
    artist_plays: dict[str, int] = {}
    artist_ms: dict[str, int] = {}
    album_plays: dict[tuple[str, str], int] = {}
    album_ms: dict[tuple[str, str], int] = {}
    genre_plays: dict[str, int] = {}
    genre_ms: dict[str, int] = {}
    for track_id, plays, ms, artist, album, names in rows:
        track_plays[track_id] = plays
        track_ms[track_id] = ms
        if artist:
            artist_plays[artist] = artist_plays.get(artist, 0) + plays
            artist_ms[artist] = artist_ms.get(artist, 0) + ms
        if album:
            key = (album, artist)
            album_plays[key] = album_plays.get(key, 0) + plays
            album_ms[key] = album_ms.get(key, 0) + ms
        if names != "[]":
            for genre in json.loads(names):
                if genre:
                    genre_plays[genre] = genre_plays.get(genre, 0) + plays
                    genre_ms[genre] = genre_ms.get(genre, 0) + ms
    return {
        "track": ([RollupCount(key=str(k), plays=p, ms=m)
                   for k, p, m in _first(track_plays, track_ms, limit)], len(track_plays)),
        "artist": ([RollupCount(key=k, plays=p, ms=m)
                    for k, p, m in _first(artist_plays, artist_ms, limit)], len(artist_plays)),
        "album": ([RollupCount(key=k[0], artist=k[1], plays=p, ms=m)
                   for k, p, m in _first(album_plays, album_ms, limit)], len(album_plays)),
        "genre": ([RollupCount(key=k, plays=p, ms=m)
                   for k, p, m in _first(genre_plays, genre_ms, limit)], len(genre_plays)),
    }


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
                end = start + _REBUILD_SPAN
                await _add_listens(conn, source, {"user": user_id, "start": start, "end": end},
                                   detail_since, end > _detail_epoch(detail_since))
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
        tracks, params = await self._tracks(user_id, since)
        params.update(limit=limit, offset=offset)
        cte = f"WITH t AS MATERIALIZED ({tracks}) "
        top_of = _top_of(self.db.dialect, dimension)
        rows = await self.db.fetch_all(cte + _top_sql(top_of), params)
        if rows or not offset:
            return _counts(rows)
        # a page past the end: count the keys
        _, _, joins, where, group = top_of
        row = await self.db.fetch_one(
            f"{cte}SELECT COUNT(*) FROM (SELECT 1 FROM t{joins} WHERE {where} "
            f"GROUP BY {group}) k", params)
        return [], int(row[0]) if row else 0

    async def tops(self, user_id: int, since: str = "", *, limit: int = 10
                   ) -> dict[str, tuple[list[RollupCount], int]]:
        """The first `limit` of every dimension and how many there are, as `top` gives them,
        from one read of the period's track rows (grouped here: a few thousand rows group
        faster in Python than in four SQLite sorts)."""
        return _group_tops(await self.db.fetch_all(*await self._tracks(user_id, since)), limit)

    async def _tracks(self, user_id: int, since: str) -> tuple[str, dict[str, Any]]:
        """The query of the user's track rows from the day `since` ('' all time), and its
        parameters: the recent sums less a few days when they start shortly before `since`,
        else the per-day rows summed."""
        params: dict[str, Any] = {"user": user_id, "since": since}
        if not since:
            return _ALL_TRACKS, params
        row = await self.db.fetch_one("SELECT since FROM listen_recent WHERE user_id = ?",
                                      (user_id,))
        recent = str(row[0]) if row else ""
        if recent and recent <= since <= _days_after(recent, _RECENT_SLACK):
            return _RECENT_TRACKS, {**params, "recent": recent}
        return _PERIOD_TRACKS, params

    async def streak(self, user_id: int, today: str) -> int:
        """How many consecutive UTC days with plays end on `today`, or on the day before when
        `today` has none yet (0 when neither has). One query: the last day with plays, and the
        run's first day found by reading the days backwards from it until one whose day before
        has no plays (not read when the last day is older than yesterday)."""
        row = await self.db.fetch_one(
            "WITH last AS (SELECT MAX(day) AS day FROM listen_days WHERE user_id = :user "
            "AND day <= :today) SELECT last.day, (SELECT a.day FROM listen_days a "
            "WHERE a.user_id = :user AND a.day <= last.day AND NOT EXISTS (SELECT 1 "
            "FROM listen_days b WHERE b.user_id = :user AND b.day = date(a.day, '-1 day')) "
            "ORDER BY a.day DESC LIMIT 1) FROM last WHERE last.day >= :yesterday",
            {"user": user_id, "today": today, "yesterday": _days_after(today, -1)})
        if row is None:
            return 0
        last, first = str(row[0]), str(row[1] or row[0])
        return (datetime.strptime(last, "%Y-%m-%d") - datetime.strptime(first, "%Y-%m-%d")).days + 1

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
            # each day's weekday computed once (from the day rows), not once per hour row
            rows = await self.db.fetch_all(
                "WITH w AS MATERIALIZED (SELECT day, (CAST(strftime('%w', day) AS INTEGER) + 6) % 7 "
                "AS weekday FROM listen_days WHERE user_id = :user AND day >= :since) "
                "SELECT w.weekday, h.hour, SUM(h.plays) FROM w JOIN listen_day_hours h "
                "ON h.user_id = :user AND h.day = w.day GROUP BY 1, 2 ORDER BY 1, 2",
                {"user": user_id, "since": since})
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
