"""Listens in PostgreSQL: SqliteListens with its engine-specific statements replaced (the
insert that skips stored plays, the rollup writes, the genre top, the streak's day before and
the weekday of a day: store/postgres/listen_rollups.py). Every other read is SQLite's.

The new listens of a batch are the ids its INSERT ... RETURNING answered, not the ids above
the largest before it as in SQLite (one writer there): here other transactions insert
listens alongside."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from store.postgres.listen_rollups import (
    STREAK,
    WEEKDAY_HOURS,
    add_listens,
)
from store.records import NewListen, RollupWeekdayHour
from store.sqlite.listen_rollups import (
    _REBUILD_SPAN,
    _days_after,
    _detail_epoch,
    clear_rollups,
)
from store.sqlite.listens import COLUMNS, SqliteListens

__all__ = ["PgListens"]

# SQLite's INSERT OR IGNORE of one row at a time; here the batch's columns as arrays, one
# statement, the stored plays skipped by ON CONFLICT DO NOTHING
_TYPES = {"user_id": "BIGINT", "played_at": "DOUBLE PRECISION", "ms_played": "BIGINT",
          "track_id": "BIGINT", "shuffle": "BIGINT", "skipped": "BIGINT", "offline": "BIGINT",
          "created_at": "DOUBLE PRECISION"}
INSERT = (f"INSERT INTO listens ({', '.join(COLUMNS)}) SELECT * FROM unnest("
          + ", ".join(f"CAST(:{c} AS {_TYPES.get(c, 'TEXT')}[])" for c in COLUMNS)
          + ") ON CONFLICT DO NOTHING RETURNING id")
_FLOATS = frozenset(c for c, t in _TYPES.items() if t == "DOUBLE PRECISION")


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _arrays(batch: Sequence[NewListen], now: float) -> dict[str, list[Any]]:
    """The batch column by column, each value of its column's type, in the order of the
    unique key: two batches holding the same plays wait on each other in one order, never
    in a cycle."""
    listens = sorted(batch, key=lambda x: (x.user_id, x.played_at, x.track_id))
    columns: dict[str, list[Any]] = {}
    for column in COLUMNS:
        if column == "created_at":
            columns[column] = [now] * len(listens)
        elif column in ("shuffle", "skipped", "offline"):
            columns[column] = [_flag(getattr(x, column)) for x in listens]
        elif column in _FLOATS:
            columns[column] = [float(getattr(x, column)) for x in listens]
        else:
            columns[column] = [getattr(x, column) for x in listens]
    return columns


class PgListens(SqliteListens):
    async def add_many(self, listens: Sequence[NewListen], detail_since: str = "") -> int:
        """As SqliteListens.add_many: the new listens stored and added to the rollups in one
        transaction; how many were new."""
        if not listens:
            return 0
        async with self.db.write() as conn:
            rows = await conn.execute_fetchall(INSERT, _arrays(listens, time.time()))
            ids = [int(r[0]) for r in rows]
            if ids:
                newest = max(x.played_at for x in listens)
                await add_listens(conn, "l.id = ANY(CAST(:ids AS BIGINT[]))", {"ids": ids},
                                  detail_since, newest >= _detail_epoch(detail_since))
        return len(ids)

    async def rebuild(self, user_id: int, detail_since: str = "") -> int:
        """As ListenRollups.rebuild: the user's rollups recomputed from their listens, a window
        of played_at at a time; how many days."""
        async with self.db.write() as conn:
            await clear_rollups(conn, user_id)
            span = list(await conn.execute_fetchall(
                "SELECT MIN(played_at), MAX(played_at) FROM listens WHERE user_id = ?", (user_id,)))
            first, last = span[0] if span else (None, None)
            where = "l.user_id = :user AND l.played_at >= :start AND l.played_at < :end"
            start = first
            while start is not None and start <= last:
                end = start + _REBUILD_SPAN
                await add_listens(conn, where, {"user": user_id, "start": start, "end": end},
                                  detail_since, end > _detail_epoch(detail_since))
                start += _REBUILD_SPAN
            days = list(await conn.execute_fetchall(
                "SELECT COUNT(*) FROM listen_days WHERE user_id = ?", (user_id,)))
        return int(days[0][0]) if days else 0

    async def streak(self, user_id: int, today: str) -> int:
        """As ListenRollups.streak: consecutive UTC days with plays ending today or yesterday."""
        row = await self.db.fetch_one(STREAK, {"user": user_id, "today": today,
                                               "yesterday": _days_after(today, -1)})
        if row is None:
            return 0
        last, first = str(row[0]), str(row[1] or row[0])
        return _days_between(first, last) + 1

    async def weekday_hours(self, user_id: int, since: str = "") -> list[RollupWeekdayHour]:
        """As ListenRollups.weekday_hours, a period's weekdays by extract(dow)."""
        if not since:
            return await super().weekday_hours(user_id)
        rows = await self.db.fetch_all(WEEKDAY_HOURS, {"user": user_id, "since": since})
        return [RollupWeekdayHour(weekday=r[0], hour=r[1], plays=r[2]) for r in rows]


def _days_between(first: str, last: str) -> int:
    return (datetime.strptime(last, "%Y-%m-%d") - datetime.strptime(first, "%Y-%m-%d")).days
