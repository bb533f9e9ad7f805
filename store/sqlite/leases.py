"""Named leases (implements store.interface.LeaseRepo), in SQL both engines speak: an upsert
that takes the row only when it is free, expired, or already the caller's."""

from __future__ import annotations

import time

from store.sqlite.db import Database

__all__ = ["SqlLeases"]


class SqlLeases:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def acquire(self, name: str, holder: str, ttl: float) -> bool:
        now = time.time()
        async with self.db.write() as conn:
            cur = await conn.execute(
                "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                "expires_at = excluded.expires_at "
                "WHERE leases.holder = excluded.holder OR leases.expires_at < ? "
                "RETURNING holder", (name, holder, now + ttl, now))
            return await cur.fetchone() is not None

    async def release(self, name: str, holder: str) -> None:
        async with self.db.write() as conn:
            await conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
