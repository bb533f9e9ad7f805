"""The rollups of listens in PostgreSQL: the statements of store/sqlite/listen_rollups.py that
SQLite spells its own way (strftime/unixepoch days and hours, json_each, date(), temporary
tables, INSERT OR IGNORE), with the same results.

A batch of listens (`source`: the listens just inserted by id, or a window of a user's when
rebuilding) is summed per UTC hour, per track and, from `detail_since` on, per day and track
in CTEs of the statements that upsert the rollups, so nothing is left on the pooled
connection between transactions; a batch known to be older than `detail_since` skips the
per-day track statements. Every upsert takes its rows in key order: two transactions
adding to the same rollup rows lock them in the same order.
"""

from __future__ import annotations

from typing import Any

from store.sqlite.listen_rollups import _days_after, _detail_epoch

__all__ = ["add_listens", "STREAK", "WEEKDAY_HOURS"]


def _utc(seconds: str, pattern: str) -> str:
    """The UTC time `seconds` (epoch seconds, SQL) formatted by to_char's `pattern`."""
    return f"to_char(to_timestamp({seconds}) AT TIME ZONE 'UTC', '{pattern}')"


def _weekday(day: str) -> str:
    """The weekday of the 'YYYY-MM-DD' text `day`, Monday 0 (SQLite: strftime('%w') + 6) % 7."""
    return f"(CAST(extract(dow FROM CAST({day} AS date)) AS BIGINT) + 6) % 7"


def _add(table: str, *keys: str) -> str:
    """The upsert clause adding a row's plays and ms to the row of `table` with its keys."""
    return (f"ON CONFLICT (user_id, {', '.join(keys)}) DO UPDATE SET "
            f"plays = {table}.plays + excluded.plays, ms = {table}.ms + excluded.ms")


# the listens being added: `FROM listens l WHERE ...` (named parameters)
SOURCE = "FROM listens l WHERE {where}"

# SQLite: temp.listen_batch_hours filled with strftime('%Y-%m-%d'/'%H', h * 3600, 'unixepoch'),
# then the listen_day_hours, listen_days and listen_weekday_hours upserts; here one statement
_HOURS = (
    "WITH b AS (SELECT user_id, " + _utc("h * 3600", "YYYY-MM-DD") + " AS day, "
    "CAST(" + _utc("h * 3600", "HH24") + " AS BIGINT) AS hour, plays, ms FROM ("
    "SELECT l.user_id, CAST(floor(l.played_at / 3600) AS BIGINT) AS h, COUNT(*) AS plays, "
    "SUM(l.ms_played) AS ms {source} GROUP BY 1, 2) x), "
    "day_hours AS (INSERT INTO listen_day_hours (user_id, day, hour, plays, ms) "
    "SELECT user_id, day, hour, plays, ms FROM b ORDER BY 1, 2, 3 "
    f"{_add('listen_day_hours', 'day', 'hour')} RETURNING 1), "
    "days AS (INSERT INTO listen_days (user_id, day, plays, ms) "
    "SELECT user_id, day, SUM(plays), SUM(ms) FROM b GROUP BY 1, 2 ORDER BY 1, 2 "
    f"{_add('listen_days', 'day')} RETURNING 1) "
    "INSERT INTO listen_weekday_hours (user_id, weekday, hour, plays, ms) "
    f"SELECT user_id, {_weekday('day')}, hour, SUM(plays), SUM(ms) FROM b "
    f"GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 {_add('listen_weekday_hours', 'weekday', 'hour')}"
)
# SQLite: temp.listen_batch_tracks, then an UPDATE of the tracks already counted and an
# INSERT of the others with their names from the catalog; here one upsert (the names are
# kept from the track's first play, as there)
_TRACKS = (
    "INSERT INTO listen_tracks (user_id, track_id, plays, ms, artist, album, genres) "
    "SELECT b.user_id, b.track_id, b.plays, b.ms, COALESCE(c.artist_names::json ->> 0, ''), "
    "COALESCE(c.album_name, ''), COALESCE(c.genres, '[]') FROM ("
    "SELECT l.user_id, l.track_id, COUNT(*) AS plays, SUM(l.ms_played) AS ms {source} "
    "GROUP BY 1, 2) b LEFT JOIN catalog c ON c.id = b.track_id ORDER BY 1, 2 "
    f"{_add('listen_tracks', 'track_id')}"
)
# the batch's listens from the day `detail_since` (:detail, epoch seconds) on
_DETAILED = "{source} AND l.played_at >= :detail"
# SQLite: INSERT ... INTO listen_recent ... FROM temp.listen_batch_days: the users with listens
# from the first detail day get recent sums starting with it
_RECENT = (
    "INSERT INTO listen_recent (user_id, since) "
    f"SELECT DISTINCT l.user_id, CAST(:detail_day AS TEXT) {_DETAILED} ORDER BY 1 "
    "ON CONFLICT (user_id) DO NOTHING"
)
# SQLite: temp.listen_batch_days (strftime('%Y-%m-%d', d * 86400, 'unixepoch')), then the
# listen_day_tracks and listen_recent_tracks upserts; here one statement
_DETAIL = (
    "WITH b AS (SELECT user_id, " + _utc("d * 86400", "YYYY-MM-DD") + " AS day, track_id, "
    "plays, ms FROM (SELECT l.user_id, CAST(floor(l.played_at / 86400) AS BIGINT) AS d, "
    f"l.track_id, COUNT(*) AS plays, SUM(l.ms_played) AS ms {_DETAILED} GROUP BY 1, 2, 3) x), "
    "day_tracks AS (INSERT INTO listen_day_tracks (user_id, day, track_id, plays, ms) "
    "SELECT user_id, day, track_id, plays, ms FROM b ORDER BY 1, 2, 3 "
    f"{_add('listen_day_tracks', 'day', 'track_id')} RETURNING 1) "
    "INSERT INTO listen_recent_tracks (user_id, track_id, plays, ms) "
    "SELECT b.user_id, b.track_id, SUM(b.plays), SUM(b.ms) FROM b "
    "JOIN listen_recent r ON r.user_id = b.user_id WHERE b.day >= r.since "
    f"GROUP BY 1, 2 ORDER BY 1, 2 {_add('listen_recent_tracks', 'track_id')}"
)
# SQLite's _MOVING and _MOVE_RECENT, with the batch's users read from its detailed listens
# instead of temp.listen_batch_days
_MOVING = ("SELECT user_id FROM listen_recent WHERE since < :stale "
           f"AND user_id IN (SELECT l.user_id {_DETAILED})")
_MOVE_RECENT = (
    "UPDATE listen_recent_tracks SET plays = listen_recent_tracks.plays - o.plays, "
    "ms = listen_recent_tracks.ms - o.ms FROM (SELECT d.user_id, d.track_id, "
    "SUM(d.plays) AS plays, SUM(d.ms) AS ms FROM listen_day_tracks d "
    f"JOIN listen_recent r ON r.user_id = d.user_id WHERE d.user_id IN ({_MOVING}) "
    "AND d.day >= r.since AND d.day < :detail_day GROUP BY 1, 2) o "
    "WHERE listen_recent_tracks.user_id = o.user_id "
    "AND listen_recent_tracks.track_id = o.track_id",
    f"DELETE FROM listen_recent_tracks WHERE plays <= 0 AND user_id IN ({_MOVING})",
    f"DELETE FROM listen_day_tracks WHERE day < :detail_day AND user_id IN ({_MOVING})",
    f"UPDATE listen_recent SET since = :detail_day WHERE user_id IN ({_MOVING})",
)


async def add_listens(conn: Any, where: str, params: dict[str, Any], detail_since: str,
                      detailed: bool = True) -> None:
    """Add the listens `where` picks (`l.` columns, named parameters) to every rollup, as
    store/sqlite/listen_rollups.py's _add_listens does; the per-day track rows and recent sums
    only when `detailed` (some of them may be on or after `detail_since`). The caller's
    transaction."""
    source = SOURCE.format(where=where)
    bound = {**params, "detail": _detail_epoch(detail_since), "detail_day": detail_since,
             "stale": _days_after(detail_since, -7)}
    for sql in (_HOURS, _TRACKS, *((_RECENT, _DETAIL) if detailed else ())):
        await conn.execute(sql.format(source=source), bound)
    if detailed and detail_since:
        for sql in _MOVE_RECENT:
            await conn.execute(sql.format(source=source), bound)


# SQLite's one-query streak (main's ListenRollups.streak): the last day with plays up to :today
# and the first day of its run, none when the last is older than :yesterday; the day before a
# day by date arithmetic instead of date(a.day, '-1 day')
STREAK = (
    "WITH last AS (SELECT MAX(day) AS day FROM listen_days WHERE user_id = :user "
    "AND day <= :today) SELECT last.day, (SELECT a.day FROM listen_days a "
    "WHERE a.user_id = :user AND a.day <= last.day AND NOT EXISTS (SELECT 1 "
    "FROM listen_days b WHERE b.user_id = :user "
    "AND b.day = to_char(CAST(a.day AS date) - 1, 'YYYY-MM-DD')) "
    "ORDER BY a.day DESC LIMIT 1) FROM last WHERE last.day >= :yesterday")

# SQLite's period weekday x hour (each day's weekday once, from the day rows), the weekday by
# extract(dow) instead of strftime('%w')
WEEKDAY_HOURS = (
    f"WITH w AS MATERIALIZED (SELECT day, {_weekday('day')} AS weekday FROM listen_days "
    "WHERE user_id = :user AND day >= :since) "
    "SELECT w.weekday, h.hour, SUM(h.plays) FROM w JOIN listen_day_hours h "
    "ON h.user_id = :user AND h.day = w.day GROUP BY 1, 2 ORDER BY 1, 2")
