"""The log of outbound API calls in SQLite (implements store.interface.ApiCallRepo)."""

from __future__ import annotations

import time
from typing import Any

from store.records import ApiCall, ApiCallStats, EndpointCount
from store.sqlite._rows import inserted_id, to_record
from store.sqlite.db import Database

__all__ = ["SqliteApiCalls"]

# what splits a URL into scheme, path and query (SQL literals)
_SCHEME, _SLASH, _QUERY = "'://'", "'/'", "'?'"


class SqliteApiCalls:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, provider: str, method: str, url: str, status: int | None,
                  duration_ms: float, *, error: str | None = None, user_id: int | None = None,
                  created_at: float | None = None) -> int:
        """Append one call; returns its id."""
        async with self.db.write() as conn:
            cur = await conn.execute(
                "INSERT INTO api_calls (provider, method, url, status, duration_ms, error, "
                "user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (provider, method.upper(), url, status, duration_ms, error, user_id,
                 time.time() if created_at is None else created_at))
            return await inserted_id(cur)

    async def page(self, *, provider: str | None = None, method: str | None = None,
                   status_min: int | None = None, status_max: int | None = None,
                   url_contains: str | None = None, user_id: int | None = None,
                   offset: int = 0, limit: int = 50) -> tuple[list[ApiCall], int]:
        """Calls matching every given filter, newest first, and their total."""
        where, params = _filters(provider, method, status_min, status_max, url_contains,
                                 user_id)
        total = await self.db.fetch_one(f"SELECT count(*) FROM api_calls WHERE {where}",
                                        params)
        rows = await self.db.fetch_all(
            f"SELECT * FROM api_calls WHERE {where} ORDER BY created_at DESC, id DESC "
            "LIMIT ? OFFSET ?", (*params, limit, offset))
        calls = [c for c in (to_record(ApiCall, r) for r in rows) if c is not None]
        return calls, int(total[0]) if total else 0

    async def stats(self, *, user_id: int | None = None, top: int = 10) -> ApiCallStats:
        """Aggregates over every call (the user's only when `user_id` is given)."""
        where, params = _filters(None, None, None, None, None, user_id)
        row = await self.db.fetch_one(
            "SELECT count(*), "
            f"{_count('status IS NULL OR status >= 400')}, {_count('status = 429')}, "
            "coalesce(avg(duration_ms), 0.0), "
            f"{_count('status BETWEEN 200 AND 299')}, {_count('status BETWEEN 300 AND 399')}, "
            f"{_count('status BETWEEN 400 AND 499')}, {_count('status >= 500')} "
            f"FROM api_calls WHERE {where}", params)
        assert row is not None
        at = self.db.dialect.position
        rows = await self.db.fetch_all(
            f"WITH r AS (SELECT method, substr(url, {at('url', _SCHEME)} + 3) AS rest "
            f"FROM api_calls WHERE {where}), "
            f"p AS (SELECT method, substr(rest, {at('rest', _SLASH)}) AS pq FROM r), "
            f"e AS (SELECT method, CASE WHEN {at('pq', _QUERY)} > 0 "
            f"THEN substr(pq, 1, {at('pq', _QUERY)} - 1) ELSE pq END AS path FROM p) "
            "SELECT method, path, count(*) AS n FROM e GROUP BY method, path "
            "ORDER BY n DESC, method, path LIMIT ?", (*params, top))
        return ApiCallStats(
            total=int(row[0]), errors=int(row[1]), rate_limited=int(row[2]),
            avg_duration_ms=float(row[3]),
            by_class={"2xx": int(row[4]), "3xx": int(row[5]), "4xx": int(row[6]),
                      "5xx": int(row[7])},
            top_endpoints=[EndpointCount(str(r[0]), str(r[1]), int(r[2])) for r in rows])

    async def prune(self, before: float) -> int:
        """Drop calls older than `before`; returns how many."""
        async with self.db.write() as conn:
            cur = await conn.execute("DELETE FROM api_calls WHERE created_at < ?", (before,))
            return cur.rowcount


def _filters(provider: str | None, method: str | None, status_min: int | None,
             status_max: int | None, url_contains: str | None, user_id: int | None
             ) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for clause, value in (("provider = ?", provider),
                          ("method = ?", method.upper() if method else None),
                          ("status >= ?", status_min), ("status <= ?", status_max),
                          ("user_id = ?", user_id)):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    if url_contains:
        escaped = url_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append("url LIKE ? ESCAPE '\\'")
        params.append(f"%{escaped}%")
    return " AND ".join(clauses) or "1 = 1", params


def _count(condition: str) -> str:
    """How many rows meet `condition` (0 over none)."""
    return f"coalesce(sum(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)"
