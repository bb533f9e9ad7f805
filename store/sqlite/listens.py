"""Listens in SQLite (implements store.interface.ListenRepo): bulk inserts that keep the
rollups current in the same transaction, the paged history, and the rollup reads
(store/sqlite/listen_rollups.py)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from store.records import Listen, NewListen
from store.sqlite.db import Database
from store.sqlite.listen_rollups import ListenRollups, add_rollups

__all__ = ["SqliteListens"]

COLUMNS = ("user_id", "played_at", "ms_played", "track_id", "source", "context_type",
           "context_uri", "platform", "reason_start", "reason_end", "shuffle", "skipped",
           "offline", "created_at")
INSERT = (f"INSERT OR IGNORE INTO listens ({', '.join(COLUMNS)}) "
          f"VALUES ({', '.join('?' for _ in COLUMNS)})")


class SqliteListens(ListenRollups):
    def __init__(self, db: Database) -> None:
        super().__init__(db)

    async def add_many(self, listens: Sequence[NewListen], detail_since: str = "") -> int:
        """Insert the listens not stored yet (same user, played_at and track) and add them to
        the rollups (per-day track rows from the UTC day `detail_since`), in one transaction;
        how many were new."""
        if not listens:
            return 0
        now = time.time()
        # sqlite3 stores a bool as the integer 1 or 0
        rows = [(x.user_id, x.played_at, x.ms_played, x.track_id, x.source, x.context_type,
                 x.context_uri, x.platform, x.reason_start, x.reason_end, x.shuffle, x.skipped,
                 x.offline, now) for x in listens]
        async with self.db.write() as conn:
            # the writer is ours until the end of the block: every id above `before` is new
            async with conn.execute("SELECT COALESCE(MAX(id), 0) FROM listens") as cur:
                row = await cur.fetchone()
            before = int(row[0]) if row else 0
            cur = await conn.executemany(INSERT, rows)
            inserted = max(cur.rowcount, 0)
            if inserted:
                newest = max(x.played_at for x in listens)
                await add_rollups(conn, before, detail_since, newest)
        return inserted

    async def page(self, user_id: int, *, artist: str = "", track: str = "",
                   start: float | None = None, end: float | None = None, offset: int = 0,
                   limit: int = 50) -> tuple[list[Listen], int]:
        where: list[str] = ["l.user_id = ?"]
        params: list[object] = [user_id]
        joins = ""
        if artist or track:
            joins = " JOIN catalog c ON c.id = l.track_id"
        if artist:
            where.append("c.artist_names LIKE ? ESCAPE '\\'")
            params.append(f"%{_escape(artist)}%")
        if track:
            where.append("c.name LIKE ? ESCAPE '\\'")
            params.append(f"%{_escape(track)}%")
        if start is not None:
            where.append("l.played_at >= ?")
            params.append(start)
        if end is not None:
            where.append("l.played_at < ?")
            params.append(end)
        clause = " AND ".join(where)
        rows = await self.db.fetch_all(
            f"SELECT l.* FROM listens l{joins} WHERE {clause} "
            "ORDER BY l.played_at DESC, l.id DESC LIMIT ? OFFSET ?", (*params, limit, offset))
        total = await self.db.fetch_one(f"SELECT COUNT(*) FROM listens l{joins} WHERE {clause}",
                                        params)
        return [_listen(row) for row in rows], int(total[0]) if total else 0

    async def count(self, user_id: int) -> int:
        row = await self.db.fetch_one("SELECT COUNT(*) FROM listens WHERE user_id = ?",
                                      (user_id,))
        return int(row[0]) if row else 0

    async def between(self, user_id: int, *, since: float | None = None,
                      before: float | None = None, limit: int = 25) -> list[Listen]:
        where: list[str] = ["user_id = ?"]
        params: list[object] = [user_id]
        if since is not None:
            where.append("played_at >= ?")
            params.append(since)
        if before is not None:
            where.append("played_at < ?")
            params.append(before)
        # from `since` on, the listens just after it; otherwise the newest
        order = "ASC" if since is not None and before is None else "DESC"
        rows = await self.db.fetch_all(
            f"SELECT * FROM listens WHERE {' AND '.join(where)} "
            f"ORDER BY played_at {order}, id {order} LIMIT ?", (*params, limit))
        listens = [_listen(row) for row in rows]
        return listens[::-1] if order == "ASC" else listens

    async def span(self, user_id: int) -> tuple[float, float] | None:
        row = await self.db.fetch_one(
            "SELECT MIN(played_at), MAX(played_at) FROM listens WHERE user_id = ?", (user_id,))
        return None if row is None or row[0] is None else (float(row[0]), float(row[1]))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _listen(row: object) -> Listen:
    data = dict(row)  # type: ignore[call-overload]
    for flag in ("shuffle", "skipped", "offline"):
        if data[flag] is not None:
            data[flag] = bool(data[flag])
    return Listen(**data)
