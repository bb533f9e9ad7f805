"""OAuth links and server-side OAuth states in SQLite (implements store.interface.OAuthRepo)."""

from __future__ import annotations

import time

from store.records import OAuthAccount, OAuthState
from store.sqlite._rows import encode_value, to_record
from store.sqlite.db import Database

__all__ = ["SqliteOAuth"]


class SqliteOAuth:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save_state(self, state: OAuthState) -> None:
        async with self.db.write() as conn:
            await conn.execute("DELETE FROM oauth_states WHERE expires_at < ?", (time.time(),))
            await conn.execute(
                "INSERT INTO oauth_states (state, provider, purpose, user_id, redirect, created_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (state.state, state.provider, state.purpose, state.user_id, state.redirect,
                 state.created_at, state.expires_at),
            )

    async def take_state(self, state: str) -> OAuthState | None:
        """Remove and return the state (single use); None if unknown."""
        async with self.db.write() as conn:
            async with conn.execute("SELECT * FROM oauth_states WHERE state = ?", (state,)) as cur:
                row = await cur.fetchone()
            if row is not None:
                await conn.execute("DELETE FROM oauth_states WHERE state = ?", (state,))
        return to_record(OAuthState, row)

    async def get_account(self, provider: str, subject: str) -> OAuthAccount | None:
        row = await self.db.fetch_one(
            "SELECT * FROM oauth_accounts WHERE provider = ? AND subject = ?", (provider, subject)
        )
        return to_record(OAuthAccount, row)

    async def user_account(self, user_id: int, provider: str) -> OAuthAccount | None:
        row = await self.db.fetch_one(
            "SELECT * FROM oauth_accounts WHERE user_id = ? AND provider = ?", (user_id, provider)
        )
        return to_record(OAuthAccount, row)

    async def linked_users(self, provider: str) -> list[int]:
        rows = await self.db.fetch_all(
            "SELECT DISTINCT user_id FROM oauth_accounts WHERE provider = ? ORDER BY user_id",
            (provider,))
        return [int(r[0]) for r in rows]

    async def user_accounts(self, user_id: int) -> list[OAuthAccount]:
        rows = await self.db.fetch_all(
            "SELECT * FROM oauth_accounts WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [a for a in (to_record(OAuthAccount, r) for r in rows) if a is not None]

    async def link(self, account: OAuthAccount) -> OAuthAccount:
        """Insert or update the link of (provider, subject) to account.user_id; a link of
        that user to another account of the same provider is replaced (one per provider)."""
        async with self.db.write() as conn:
            await conn.execute(
                "DELETE FROM oauth_accounts WHERE user_id = ? AND provider = ? AND subject != ?",
                (account.user_id, account.provider, account.subject))
            await conn.execute(
                "INSERT INTO oauth_accounts (user_id, provider, subject, email, access_token_enc, "
                "refresh_token_enc, expires_at, profile, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (provider, subject) DO UPDATE SET email = excluded.email, "
                "access_token_enc = excluded.access_token_enc, "
                "refresh_token_enc = coalesce(excluded.refresh_token_enc, oauth_accounts.refresh_token_enc), "
                "expires_at = excluded.expires_at, profile = excluded.profile",
                (account.user_id, account.provider, account.subject, account.email,
                 account.access_token_enc, account.refresh_token_enc, account.expires_at,
                 encode_value("profile", account.profile), time.time()),
            )
        linked = await self.get_account(account.provider, account.subject)
        assert linked is not None
        return linked

    async def unlink(self, user_id: int, provider: str) -> bool:
        async with self.db.write() as conn:
            cur = await conn.execute(
                "DELETE FROM oauth_accounts WHERE user_id = ? AND provider = ?", (user_id, provider)
            )
            return cur.rowcount > 0
