"""Kworb charts in SQLite (implements store.interface.ChartRepo): the store's own tables,
filled by `chorus charts import`, or a Kworb scraper's SQLite database opened read-only
(KWORB_DATABASE_URL) whose tables have the same names without the `kworb_` prefix."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from store.records import ChartRow
from store.sqlite._rows import to_record
from store.sqlite.db import Database

__all__ = ["CHART_COLUMNS", "SqliteCharts", "ExternalCharts"]

CHART_COLUMNS: dict[str, tuple[str, ...]] = {
    "top_streamed_artists": ("rank", "artist", "streams", "daily", "as_lead", "solo",
                             "as_feature", "scraped_at"),
    "monthly_listeners": ("rank", "artist", "listeners", "peak", "peak_date", "scraped_at"),
    "top_songs": ("rank", "title", "artist", "streams", "daily", "scraped_at"),
}


def _columns(chart: str) -> tuple[str, ...]:
    if chart not in CHART_COLUMNS:
        raise ValueError(f"unknown chart: {chart}")
    return CHART_COLUMNS[chart]


def _page_sql(table: str, chart: str) -> str:
    return (f"SELECT {', '.join(_columns(chart))} FROM {table} "
            "ORDER BY rank, rowid LIMIT ? OFFSET ?")


def _search_sql(table: str, chart: str) -> str:
    # LIKE over lower() (both engines have them; instr is SQLite's): partial and
    # case-insensitive, the bound words' wildcards escaped (`_contains`)
    return (f"SELECT {', '.join(_columns(chart))} FROM {table} "
            "WHERE lower(artist) LIKE lower(?) ESCAPE '\\' ORDER BY rank, rowid LIMIT ?")


def _contains(words: str) -> str:
    """A LIKE pattern matching `words` anywhere, taken literally."""
    literal = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{literal}%"


def _rows(rows: Sequence[Any]) -> builtins.list[ChartRow]:
    return [r for r in (to_record(ChartRow, row) for row in rows) if r is not None]


class SqliteCharts:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def page(self, chart: str, *, offset: int, limit: int) -> builtins.list[ChartRow]:
        return _rows(await self.db.fetch_all(_page_sql(f"kworb_{chart}", chart),
                                             (limit, offset)))

    async def search(self, chart: str, artist: str, *, limit: int) -> builtins.list[ChartRow]:
        return _rows(await self.db.fetch_all(_search_sql(f"kworb_{chart}", chart),
                                             (_contains(artist), limit)))

    async def replace(self, chart: str, rows: Sequence[ChartRow]) -> int:
        """The chart becomes `rows` (one scrape replaces the last), in one transaction."""
        columns = _columns(chart)
        values = [tuple(getattr(row, c) for c in columns) for row in rows]
        async with self.db.write() as conn:
            await conn.execute(f"DELETE FROM kworb_{chart}")
            await conn.executemany(
                f"INSERT INTO kworb_{chart} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})", values)
        return len(values)


class ExternalCharts:
    """A scraper's database, read-only; a chart table it lacks reads as empty."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None

    async def open(self) -> None:
        self._conn = await aiosqlite.connect(f"file:{self.path}?mode=ro", uri=True)
        self._conn.row_factory = aiosqlite.Row

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def _fetch(self, sql: str, params: tuple[Any, ...]) -> builtins.list[ChartRow]:
        assert self._conn is not None, "the Kworb database is not open"
        try:
            return _rows(list(await self._conn.execute_fetchall(sql, params)))
        except aiosqlite.OperationalError:  # no such table (yet): no data
            return []

    async def page(self, chart: str, *, offset: int, limit: int) -> builtins.list[ChartRow]:
        return await self._fetch(_page_sql(chart, chart), (limit, offset))

    async def search(self, chart: str, artist: str, *, limit: int) -> builtins.list[ChartRow]:
        return await self._fetch(_search_sql(chart, chart), (_contains(artist), limit))

    async def replace(self, chart: str, rows: Sequence[ChartRow]) -> int:
        raise RuntimeError("the Kworb database is read-only here")
