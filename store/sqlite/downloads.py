"""Download history in SQLite (implements store.interface.DownloadRepo): reads over the jobs
table, by owner, with the payload's download_type, name, artist and album."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from store.records import DownloadStats, JobPage
from store.sqlite.db import Database
from store.sqlite.jobs import TERMINAL, _job, _marks

__all__ = ["SqliteDownloads"]

# queued again after a failed attempt (a retry keeps the error; a restart keeps none)
RETRYING = "(status = 'queued' AND attempts > 0 AND error IS NOT NULL)"
RETRYING_COUNT = f"CASE WHEN {RETRYING} THEN 1 ELSE 0 END"


class _Columns:
    """The payload and result fields read here, in the database's JSON spelling."""

    def __init__(self, dialect: Any) -> None:
        self.type = dialect.json_value("payload", "download_type")
        # completed with some items failed (a collection's summary counts them)
        failed = dialect.json_number("result", "summary", "total_failed")
        self.partial = f"(status = 'completed' AND coalesce({failed}, 0) > 0)"
        self.bytes = dialect.json_number("result", "bytes")
        self.searched = tuple(dialect.json_value("payload", k) for k in ("name", "artist", "album"))


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _Where:
    """A WHERE clause built from optional filters."""

    def __init__(self, owner_id: int, kinds: Sequence[str]) -> None:
        self.parts = ["owner_id = ?", f"kind IN ({_marks(kinds)})"]
        self.params: list[Any] = [owner_id, *kinds]

    def add(self, sql: str, *params: Any) -> None:
        self.parts.append(sql)
        self.params.extend(params)

    def sql(self) -> str:
        return " AND ".join(self.parts)


class SqliteDownloads:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.columns = _Columns(db.dialect)

    async def list(self, owner_id: int, *, kinds: Sequence[str],
                   download_types: Sequence[str] = (), statuses: Sequence[str] = (),
                   retrying: bool | None = None, partial: bool | None = None,
                   query: str = "", parent_id: str | None = None, roots_only: bool = True,
                   since: float | None = None, offset: int = 0, limit: int = 50) -> JobPage:
        where = _Where(owner_id, kinds)
        if parent_id is not None:
            where.add("parent_id = ?", parent_id)
        elif roots_only:
            where.add("parent_id IS NULL")
        if download_types:
            where.add(f"{self.columns.type} IN ({_marks(download_types)})", *download_types)
        if statuses:
            where.add(f"status IN ({_marks(statuses)})", *(str(s) for s in statuses))
        if retrying is not None:
            where.add(RETRYING if retrying else f"NOT {RETRYING}")
        if partial is not None:
            where.add(self.columns.partial if partial else f"NOT {self.columns.partial}")
        for word in query.split():
            where.add("(" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in self.columns.searched)
                      + ")", *[_like(word)] * len(self.columns.searched))
        if since is not None:
            where.add("updated_at > ?", since)
        async with self.db.read() as conn:
            async with conn.execute(
                f"SELECT * FROM jobs WHERE {where.sql()} ORDER BY created_at DESC, rowid DESC "
                "LIMIT ? OFFSET ?", (*where.params, max(0, limit), max(0, offset)),
            ) as cur:
                jobs = [_job(row) for row in await cur.fetchall()]
            async with conn.execute(f"SELECT count(*) FROM jobs WHERE {where.sql()}",
                                    where.params) as cur:
                total = (await cur.fetchone() or (0,))[0]
        return JobPage(jobs=jobs, total=total)

    async def counts(self, owner_id: int, *, kinds: Sequence[str], roots_only: bool = True
                     ) -> dict[str, int]:
        where = _Where(owner_id, kinds)
        if roots_only:
            where.add("parent_id IS NULL")
        rows = await self.db.fetch_all(
            f"SELECT status, count(*), sum({RETRYING_COUNT}) FROM jobs WHERE {where.sql()} "
            "GROUP BY status", where.params)
        counts = {row[0]: int(row[1]) for row in rows}
        counts["retrying"] = sum(int(row[2] or 0) for row in rows)
        return counts

    async def stats(self, owner_id: int, *, kinds: Sequence[str]) -> DownloadStats:
        where = _Where(owner_id, kinds)
        roots = f"{where.sql()} AND parent_id IS NULL"
        by_status = await self.db.fetch_all(
            f"SELECT status, count(*), sum({RETRYING_COUNT}), min(created_at), max(created_at) "
            f"FROM jobs WHERE {roots} GROUP BY status", where.params)
        by_type = await self.db.fetch_all(
            f"SELECT {self.columns.type}, count(*) FROM jobs WHERE {roots} GROUP BY 1", where.params)
        tracks = await self.db.fetch_all(
            f"SELECT status, count(*), sum(CASE WHEN status = 'completed' THEN "
            f"coalesce({self.columns.bytes}, 0) ELSE 0 END) FROM jobs "
            f"WHERE {where.sql()} AND {self.columns.type} = 'track' GROUP BY status", where.params)
        firsts = [row[3] for row in by_status if row[3] is not None]
        lasts = [row[4] for row in by_status if row[4] is not None]
        return DownloadStats(
            total=sum(int(row[1]) for row in by_status),
            by_status={row[0]: int(row[1]) for row in by_status},
            by_type={str(row[0]): int(row[1]) for row in by_type},
            retrying=sum(int(row[2] or 0) for row in by_status),
            tracks_by_status={row[0]: int(row[1]) for row in tracks},
            bytes_downloaded=sum(int(row[2] or 0) for row in tracks),
            first_at=min(firsts) if firsts else None, last_at=max(lasts) if lasts else None)

    async def cleanup(self, owner_id: int, *, kinds: Sequence[str], before: float) -> int:
        where = _Where(owner_id, kinds)
        where.add("parent_id IS NULL AND finished_at < ?", before)
        where.add(f"status IN ({_marks(TERMINAL)})", *TERMINAL)
        where.add("NOT EXISTS (SELECT 1 FROM jobs AS c WHERE c.parent_id = jobs.id "
                  "AND c.status IN ('queued', 'running'))")
        async with self.db.write() as conn:
            cur = await conn.execute(f"DELETE FROM jobs WHERE {where.sql()}", where.params)
            return cur.rowcount
