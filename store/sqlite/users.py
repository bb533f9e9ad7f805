"""Users in SQLite (implements store.interface.UserRepo)."""

from __future__ import annotations

import builtins
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite

from store.errors import Duplicate
from store.records import User, UserCounts, UserPatch
from store.sqlite._rows import encode_value, inserted_id, to_record
from store.sqlite.db import Database
from store.sqlite.listen_rollups import LISTEN_TABLES

__all__ = ["SqliteUsers"]


@asynccontextmanager
async def _unique_guard() -> AsyncIterator[None]:
    """Turn SQLite's UNIQUE violations on users into store.Duplicate(column)."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        match = re.search(r"UNIQUE constraint failed: users\.(\w+)", str(exc))
        if match:
            raise Duplicate(match.group(1)) from exc
        raise


class SqliteUsers:
    def __init__(self, db: Database) -> None:
        self.db = db

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        async with _unique_guard(), self.db.write() as conn:
            yield conn

    async def create(self, **fields: Any) -> User:
        now = time.time()
        fields = {**fields, "created_at": now, "updated_at": now}
        columns = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        values = [encode_value(k, v) for k, v in fields.items()]
        async with self._write() as conn:
            cur = await conn.execute(
                f"INSERT INTO users ({columns}) VALUES ({marks}) RETURNING id", values)
            user_id = await inserted_id(cur)
            async with conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)) as c2:
                row = await c2.fetchone()
        user = to_record(User, row)
        assert user is not None
        return user

    async def get(self, user_id: int) -> User | None:
        row = await self.db.fetch_one("SELECT * FROM users WHERE id = ?", (user_id,))
        return to_record(User, row)

    async def many(self, user_ids: list[int]) -> dict[int, User]:
        """The users among `user_ids` that exist, by id, in one query."""
        if not user_ids:
            return {}
        marks = ",".join("?" for _ in user_ids)
        rows = await self.db.fetch_all(f"SELECT * FROM users WHERE id IN ({marks})",
                                       tuple(user_ids))
        return {u.id: u for u in (to_record(User, r) for r in rows) if u is not None}

    async def by_username(self, username: str) -> User | None:
        row = await self.db.fetch_one("SELECT * FROM users WHERE username = ?", (username,))
        return to_record(User, row)

    async def by_email(self, email: str) -> User | None:
        row = await self.db.fetch_one("SELECT * FROM users WHERE email = ?", (email,))
        return to_record(User, row)

    async def by_login(self, login: str) -> User | None:
        """The user whose username or email is `login` (case-insensitive)."""
        row = await self.db.fetch_one(
            "SELECT * FROM users WHERE username = ? OR email = ? ORDER BY username = ? DESC LIMIT 1",
            (login, login, login),
        )
        return to_record(User, row)

    async def update(self, user_id: int, patch: UserPatch) -> User | None:
        changes = patch.changes()
        if changes:
            changes["updated_at"] = time.time()
            assignments = ", ".join(f"{k} = ?" for k in changes)
            values = [encode_value(k, v) for k, v in changes.items()]
            async with self._write() as conn:
                await conn.execute(
                    f"UPDATE users SET {assignments} WHERE id = ?", (*values, user_id)
                )
        return await self.get(user_id)

    async def delete(self, user_id: int) -> bool:
        async with self.db.write() as conn:
            cur = await conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
            return cur.rowcount > 0

    async def list(self, *, offset: int = 0, limit: int = 100) -> list[User]:
        rows = await self.db.fetch_all(
            "SELECT * FROM users WHERE state != 'deleted' ORDER BY id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [u for u in (to_record(User, r) for r in rows) if u is not None]

    async def count(self) -> int:
        row = await self.db.fetch_one("SELECT count(*) FROM users WHERE state != 'deleted'")
        return int(row[0]) if row else 0

    async def counts(self) -> UserCounts:
        rows = await self.db.fetch_all(
            "SELECT state, count(*), coalesce(sum(CASE WHEN role = 'admin' THEN 1 ELSE 0 END), 0) FROM users "
            "WHERE state != 'deleted' GROUP BY state")
        return UserCounts(total=sum(int(r[1]) for r in rows),
                          admins=sum(int(r[2]) for r in rows),
                          by_state={str(r[0]): int(r[1]) for r in rows})

    async def due_for_erasure(self, before: float) -> builtins.list[User]:
        rows = await self.db.fetch_all(
            "SELECT * FROM users WHERE state = 'pending_deletion' AND deletion_requested_at < ?",
            (before,),
        )
        return [u for u in (to_record(User, r) for r in rows) if u is not None]

    async def erase(self, user_id: int, placeholder: dict[str, Any]) -> None:
        """Hard deletion: personal data replaced by `placeholder`, every linked row removed."""
        now = time.time()
        async with self.db.write() as conn:
            await conn.execute("DELETE FROM now_playing_geo WHERE id IN "
                               "(SELECT id FROM now_playing WHERE user_id = ?)", (user_id,))
            for table in ("sessions", "refresh_tokens", "reset_tokens", "oauth_accounts",
                          "oauth_states", "consents", "now_playing", "listen_tokens",
                          *LISTEN_TABLES):
                await conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
            fields = {**placeholder, "updated_at": now}
            assignments = ", ".join(f"{k} = ?" for k in fields)
            values = [encode_value(k, v) for k, v in fields.items()]
            await conn.execute(f"UPDATE users SET {assignments} WHERE id = ?", (*values, user_id))
