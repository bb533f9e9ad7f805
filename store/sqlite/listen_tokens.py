"""Listen tokens in SQLite, one row per user (implements store.interface.ListenTokenRepo)."""

from __future__ import annotations

from store.records import ListenToken
from store.sqlite._rows import to_record
from store.sqlite.db import Database

__all__ = ["SqliteListenTokens"]


class SqliteListenTokens:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int) -> ListenToken | None:
        row = await self.db.fetch_one("SELECT * FROM listen_tokens WHERE user_id = ?", (user_id,))
        return to_record(ListenToken, row)

    async def by_hash(self, token_hash: str) -> ListenToken | None:
        row = await self.db.fetch_one("SELECT * FROM listen_tokens WHERE token_hash = ?",
                                      (token_hash,))
        return to_record(ListenToken, row)

    async def add(self, token: ListenToken) -> ListenToken:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO listen_tokens (user_id, token_hash, token_encrypted, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
                (token.user_id, token.token_hash, token.token_encrypted, token.created_at))
            rows = await conn.execute_fetchall("SELECT * FROM listen_tokens WHERE user_id = ?",
                                               (token.user_id,))
        stored = to_record(ListenToken, next(iter(rows)))
        assert stored is not None
        return stored

    async def replace(self, token: ListenToken) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO listen_tokens (user_id, token_hash, token_encrypted, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                "token_hash = excluded.token_hash, token_encrypted = excluded.token_encrypted, "
                "created_at = excluded.created_at",
                (token.user_id, token.token_hash, token.token_encrypted, token.created_at))
