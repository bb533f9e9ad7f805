"""Outbox, consents and settings in SQLite (implements the matching store.interface repos)."""

from __future__ import annotations

import time
from typing import Any

import msgspec

from store.records import Consent, OutboxMail
from store.sqlite._rows import inserted_id, to_record
from store.sqlite.db import Database

__all__ = ["SqliteOutbox", "SqliteConsents", "SqliteSettings"]


class SqliteOutbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def enqueue(self, to_addr: str, subject: str, body: str) -> int:
        now = time.time()
        async with self.db.write() as conn:
            cur = await conn.execute(
                "INSERT INTO outbox (to_addr, subject, body, created_at, next_attempt_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id", (to_addr, subject, body, now, now),
            )
            return await inserted_id(cur)

    async def due(self, now: float, limit: int = 20) -> list[OutboxMail]:
        rows = await self.db.fetch_all(
            "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? "
            "ORDER BY id LIMIT ?", (now, limit),
        )
        return [m for m in (to_record(OutboxMail, r) for r in rows) if m is not None]

    async def get(self, mail_id: int) -> OutboxMail | None:
        return to_record(OutboxMail, await self.db.fetch_one(
            "SELECT * FROM outbox WHERE id = ?", (mail_id,)))

    async def list(self, to_addr: str | None = None) -> list[OutboxMail]:
        if to_addr is None:
            rows = await self.db.fetch_all("SELECT * FROM outbox ORDER BY id")
        else:
            rows = await self.db.fetch_all(
                "SELECT * FROM outbox WHERE to_addr = ? ORDER BY id", (to_addr,))
        return [m for m in (to_record(OutboxMail, r) for r in rows) if m is not None]

    async def mark_sent(self, mail_id: int) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1 "
                "WHERE id = ?", (time.time(), mail_id),
            )

    async def mark_failed(self, mail_id: int, error: str, retry_at: float | None) -> None:
        """Record a failed attempt; retry at `retry_at`, or give up when it is None."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, "
                "status = CASE WHEN CAST(? AS DOUBLE PRECISION) IS NULL THEN 'failed' ELSE 'pending' END, "
                "next_attempt_at = coalesce(?, next_attempt_at) WHERE id = ?",
                (error, retry_at, retry_at, mail_id),
            )


class SqliteConsents:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, user_id: int, consent_type: str, consent_version: str,
                  ip_address: str | None) -> Consent:
        now = time.time()
        async with self.db.write() as conn:
            cur = await conn.execute(
                "INSERT INTO consents (user_id, consent_type, consent_version, ip_address, "
                "created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                (user_id, consent_type, consent_version, ip_address, now),
            )
            consent_id = await inserted_id(cur)
        return Consent(id=consent_id, user_id=user_id, consent_type=consent_type,
                       consent_version=consent_version, ip_address=ip_address, created_at=now)

    async def list(self, user_id: int) -> list[Consent]:
        rows = await self.db.fetch_all(
            "SELECT * FROM consents WHERE user_id = ? ORDER BY id", (user_id,))
        return [c for c in (to_record(Consent, r) for r in rows) if c is not None]


class SqliteSettings:
    """Small JSON values by key (maintenance mode, ...)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> Any:
        row = await self.db.fetch_one("SELECT value FROM settings WHERE key = ?", (key,))
        return None if row is None else msgspec.json.decode(row[0])

    async def set(self, key: str, value: Any) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, msgspec.json.encode(value).decode()),
            )
