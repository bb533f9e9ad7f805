"""Jobs in SQLite (implements store.interface.JobRepo).

One process owns the file and every write holds the writer lock, so a claim (an UPDATE of the
oldest due rows, RETURNING them) is atomic without row locks.
"""

from __future__ import annotations

import builtins
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import aiosqlite
import msgspec

from store.records import Job, JobPage, JobStatus, Submitted
from store.sqlite.db import Database

__all__ = ["SqliteJobs"]

log = logging.getLogger("chorus.store")

ACTIVE = ("queued", "running")
TERMINAL = ("completed", "failed", "cancelled", "skipped")
_JSON = ("progress", "payload", "result")
# the job and every job below it (album -> tracks, artist -> albums -> tracks)
_TREE = ("WITH RECURSIVE tree(id) AS (SELECT CAST(? AS TEXT) UNION ALL "
         "SELECT jobs.id FROM jobs JOIN tree ON jobs.parent_id = tree.id) ")
_NO_ACTIVE_CHILD = ("NOT EXISTS (SELECT 1 FROM jobs AS c WHERE c.parent_id = jobs.id "
                    "AND c.status IN ('queued', 'running'))")


def _job(row: aiosqlite.Row) -> Job:
    data: dict[str, Any] = dict(zip(row.keys(), tuple(row), strict=True))
    for key in _JSON:
        if isinstance(data.get(key), str):
            data[key] = msgspec.json.decode(data[key])
    data["cancel_requested"] = bool(data["cancel_requested"])
    return msgspec.convert(data, Job)


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


class SqliteJobs:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._listeners: list[Callable[[Job], None]] = []

    def subscribe(self, listener: Callable[[Job], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    async def _queued(self, jobs: Iterable[Job]) -> None:
        """Tell the listeners about jobs that became queued, once the write commits."""
        queued = list(jobs)
        await self.db.after_commit(lambda: self._tell(queued))

    def _tell(self, jobs: list[Job]) -> None:
        for job in jobs:
            if job.status != JobStatus.QUEUED:
                continue
            for listener in list(self._listeners):
                try:
                    listener(job)
                except Exception:
                    log.exception("job listener failed")

    async def _rows(self, sql: str, params: Sequence[Any]) -> list[Job]:
        async with self.db.write() as conn, conn.execute(sql, tuple(params)) as cur:
            return [_job(row) for row in await cur.fetchall()]

    async def _row(self, sql: str, params: Sequence[Any]) -> Job | None:
        rows = await self._rows(sql, params)
        return rows[0] if rows else None

    async def submit(self, kind: str, payload: dict[str, Any] | None = None, *,
                     owner_id: int | None = None, parent_id: str | None = None,
                     dedupe_key: str | None = None, max_attempts: int = 3,
                     progress: dict[str, Any] | None = None) -> Submitted:
        now = time.time()
        async with self.db.write() as conn:
            # the active job of a dedupe key is unique (index jobs_dedupe_active): a concurrent
            # submit of the same key inserts nothing here and answers the job that won
            async with conn.execute(
                "INSERT INTO jobs (id, kind, owner_id, parent_id, payload, progress, dedupe_key, "
                "max_attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING RETURNING *",
                (str(uuid.uuid4()), kind, owner_id, parent_id, _json(payload or {}),
                 _json(progress or {}), dedupe_key, max(1, max_attempts), now, now),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                async with conn.execute(
                    "SELECT * FROM jobs WHERE dedupe_key = ? AND status IN ('queued', 'running')",
                    (dedupe_key,),
                ) as cur:
                    active = await cur.fetchone()
                if active is None:
                    raise RuntimeError(f"job with dedupe key {dedupe_key!r} neither made nor found")
                return Submitted(job=_job(active), duplicate=True)
        assert row is not None
        job = _job(row)
        await self._queued([job])
        return Submitted(job=job)

    async def get(self, job_id: str) -> Job | None:
        row = await self.db.fetch_one("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return None if row is None else _job(row)

    async def claim(self, kind: str, limit: int, worker: str) -> list[Job]:
        if limit <= 0:
            return []
        now = time.time()
        # the picked rows in a CTE, read once (an IN subquery may be read again per row)
        jobs = await self._rows(
            "WITH picked AS (SELECT id FROM jobs WHERE status = 'queued' AND kind = ? "
            f"AND run_after <= ? ORDER BY created_at, rowid LIMIT ?{self.db.dialect.skip_locked}) "
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, claimed_by = ?, "
            "started_at = ?, heartbeat_at = ?, updated_at = ? "
            "WHERE id IN (SELECT id FROM picked) AND status = 'queued' RETURNING *",
            (kind, now, limit, worker, now, now, now),
        )
        return sorted(jobs, key=lambda job: job.created_at)

    async def update_progress(self, job_id: str, progress: dict[str, Any]) -> Job | None:
        now = time.time()
        return await self._row(
            "UPDATE jobs SET progress = ?, heartbeat_at = ?, updated_at = ? "
            "WHERE id = ? AND status = 'running' RETURNING *",
            (_json(progress), now, now, job_id),
        )

    async def heartbeat(self, job_ids: Iterable[str], worker: str) -> list[str]:
        ids = list(job_ids)
        if not ids:
            return []
        async with self.db.write() as conn:
            await conn.execute(
                f"UPDATE jobs SET heartbeat_at = ? WHERE id IN ({_marks(ids)}) "
                "AND status = 'running' AND claimed_by = ?", (time.time(), *ids, worker))
            async with conn.execute(
                f"SELECT id FROM jobs WHERE id IN ({_marks(ids)}) AND cancel_requested = 1",
                ids,
            ) as cur:
                return [row[0] for row in await cur.fetchall()]

    async def finish(self, job_id: str, status: JobStatus, *, result: Any = None,
                     error: str | None = None, progress: dict[str, Any] | None = None
                     ) -> Job | None:
        if status not in TERMINAL:
            raise ValueError(f"not a terminal status: {status}")
        now = time.time()
        return await self._row(
            "UPDATE jobs SET status = ?, result = ?, error = ?, progress = coalesce(?, progress), "
            "finished_at = ?, updated_at = ?, heartbeat_at = ? "
            "WHERE id = ? AND status = 'running' RETURNING *",
            (str(status), None if result is None else _json(result), error,
             None if progress is None else _json(progress), now, now, now, job_id),
        )

    async def retry(self, job_id: str, error: str, run_after: float) -> Job | None:
        now = time.time()
        # a cancel requested meanwhile wins over the retry
        job = await self._row(
            "UPDATE jobs SET error = ?, run_after = ?, claimed_by = NULL, updated_at = ?, "
            "status = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'queued' END, "
            "finished_at = CASE WHEN cancel_requested = 1 THEN CAST(? AS DOUBLE PRECISION) END "
            "WHERE id = ? AND status = 'running' RETURNING *",
            (error, run_after, now, now, job_id),
        )
        await self._queued([job] if job else [])
        return job

    async def release(self, job_ids: Iterable[str]) -> list[Job]:
        ids = list(job_ids)
        if not ids:
            return []
        return await self._back_to_queue(
            f"id IN ({_marks(ids)}) AND status = 'running'", ids,
            "CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END")

    async def requeue_orphans(self, *, heartbeat_before: float | None = None,
                              exclude_worker: str | None = None) -> list[Job]:
        return await self._back_to_queue(
            "status = 'running' AND (CAST(? AS DOUBLE PRECISION) IS NULL "
            "OR coalesce(heartbeat_at, 0) < ?) "
            "AND (CAST(? AS TEXT) IS NULL OR claimed_by IS DISTINCT FROM ?)",
            (heartbeat_before, heartbeat_before, exclude_worker, exclude_worker), "attempts")

    async def _back_to_queue(self, where: str, params: Sequence[Any], attempts: str
                             ) -> list[Job]:
        """Running jobs matching `where` -> queued (cancelled when a cancel was requested)."""
        now = time.time()
        async with self.db.write() as conn:
            async with conn.execute(
                f"UPDATE jobs SET status = 'cancelled', finished_at = ?, updated_at = ? "
                f"WHERE cancel_requested = 1 AND {where} RETURNING *", (now, now, *params),
            ) as cur:
                jobs = [_job(row) for row in await cur.fetchall()]
            async with conn.execute(
                f"UPDATE jobs SET status = 'queued', attempts = {attempts}, claimed_by = NULL, "
                f"heartbeat_at = NULL, updated_at = ? WHERE {where} RETURNING *", (now, *params),
            ) as cur:
                jobs += [_job(row) for row in await cur.fetchall()]
        await self._queued(jobs)
        return jobs

    async def cancel(self, job_id: str) -> list[Job]:
        now = time.time()
        async with self.db.write() as conn:
            async with conn.execute(
                _TREE + "UPDATE jobs SET status = 'cancelled', finished_at = ?, updated_at = ? "
                "WHERE id IN (SELECT id FROM tree) AND status = 'queued' RETURNING *", (job_id, now, now),
            ) as cur:
                jobs = [_job(row) for row in await cur.fetchall()]
            async with conn.execute(
                _TREE + "UPDATE jobs SET cancel_requested = 1, updated_at = ? "
                "WHERE id IN (SELECT id FROM tree) AND status = 'running' AND cancel_requested = 0 "
                "RETURNING *",
                (job_id, now),
            ) as cur:
                jobs += [_job(row) for row in await cur.fetchall()]
        return sorted(jobs, key=lambda job: (job.id != job_id, job.created_at))

    async def list(self, *, owner_id: int | None = None, kinds: Sequence[str] = (),
                   statuses: Sequence[str] = (), parent_id: str | None = None,
                   roots_only: bool = False, since: float | None = None,
                   payload: Mapping[str, Any] | None = None,
                   offset: int = 0, limit: int = 50) -> JobPage:
        where: list[str] = ["1 = 1"]
        params: list[object] = []
        for field, value in (payload or {}).items():
            where.append(self.db.dialect.json_equals("payload", field))
            params.append(self.db.dialect.json_param(value))
        for column, value in (("owner_id", owner_id), ("parent_id", parent_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        for column, values in (("kind", kinds), ("status", statuses)):
            if values:
                where.append(f"{column} IN ({_marks(values)})")
                params.extend(str(v) for v in values)
        if roots_only:
            where.append("parent_id IS NULL")
        if since is not None:
            where.append("updated_at > ?")
            params.append(since)
        condition = " AND ".join(where)
        async with self.db.read() as conn:
            async with conn.execute(
                f"SELECT * FROM jobs WHERE {condition} ORDER BY created_at DESC, rowid DESC "
                "LIMIT ? OFFSET ?", (*params, max(0, limit), max(0, offset)),
            ) as cur:
                jobs = [_job(row) for row in await cur.fetchall()]
            async with conn.execute(f"SELECT count(*) FROM jobs WHERE {condition}", params) as cur:
                total = (await cur.fetchone() or (0,))[0]
        return JobPage(jobs=jobs, total=total)

    async def children(self, parent_id: str) -> builtins.list[Job]:
        rows = await self.db.fetch_all(
            "SELECT * FROM jobs WHERE parent_id = ? ORDER BY created_at, rowid", (parent_id,))
        return [_job(row) for row in rows]

    async def delete(self, job_id: str) -> bool:
        async with self.db.write() as conn:
            cur = await conn.execute(
                f"DELETE FROM jobs WHERE id = ? AND status IN ({_marks(TERMINAL)}) "
                f"AND {_NO_ACTIVE_CHILD}", (job_id, *TERMINAL))
            return cur.rowcount > 0

    async def cleanup(self, before: float) -> int:
        async with self.db.write() as conn:
            cur = await conn.execute(
                f"DELETE FROM jobs WHERE finished_at < ? AND status IN ({_marks(TERMINAL)}) "
                f"AND {_NO_ACTIVE_CHILD}", (before, *TERMINAL))
            return cur.rowcount
