"""Sessions, refresh tokens, reset tokens in SQLite (implements store.interface.TokenRepo).

Every token arrives here already hashed; the store never sees a usable secret.
"""

from __future__ import annotations

import time

from store.records import RefreshToken, ResetToken, Session
from store.sqlite._rows import to_record
from store.sqlite.db import Database

__all__ = ["SqliteTokens"]


class SqliteTokens:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_session(self, session: Session) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO sessions (id, user_id, kind, token_hash, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (session.id, session.user_id, session.kind, session.token_hash,
                 session.created_at, session.expires_at),
            )

    async def create_session_with_refresh(self, session: Session, refresh: RefreshToken) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO sessions (id, user_id, kind, token_hash, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (session.id, session.user_id, session.kind, session.token_hash,
                 session.created_at, session.expires_at),
            )
            await self._insert_refresh(conn, refresh)

    @staticmethod
    async def _insert_refresh(conn, refresh: RefreshToken) -> None:  # type: ignore[no-untyped-def]
        await conn.execute(
            "INSERT INTO refresh_tokens (token_hash, family_id, session_id, user_id, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (refresh.token_hash, refresh.family_id, refresh.session_id, refresh.user_id,
             refresh.created_at, refresh.expires_at),
        )

    async def get_session(self, session_id: str) -> Session | None:
        row = await self.db.fetch_one("SELECT * FROM sessions WHERE id = ?", (session_id,))
        return to_record(Session, row)

    async def session_by_token(self, token_hash: str) -> Session | None:
        row = await self.db.fetch_one(
            "SELECT * FROM sessions WHERE token_hash = ?", (token_hash,)
        )
        return to_record(Session, row)

    async def revoke_session(self, session_id: str) -> None:
        now = time.time()
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (now, session_id),
            )
            await conn.execute(
                "UPDATE refresh_tokens SET revoked_at = ? WHERE session_id = ? "
                "AND revoked_at IS NULL", (now, session_id),
            )

    async def revoke_user_sessions(self, user_id: int, except_session: str | None = None) -> None:
        now = time.time()
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL "
                "AND id IS DISTINCT FROM ?", (now, user_id, except_session),
            )
            await conn.execute(
                "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL "
                "AND session_id IS DISTINCT FROM ?", (now, user_id, except_session),
            )

    async def get_refresh(self, token_hash: str) -> RefreshToken | None:
        row = await self.db.fetch_one(
            "SELECT * FROM refresh_tokens WHERE token_hash = ?", (token_hash,)
        )
        return to_record(RefreshToken, row)

    async def rotate_refresh(self, old_hash: str, new: RefreshToken) -> bool:
        """Mark `old_hash` used and store `new` in one transaction; False if it was already used."""
        now = time.time()
        async with self.db.write() as conn:
            cur = await conn.execute(
                "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL "
                "AND revoked_at IS NULL", (now, old_hash),
            )
            if cur.rowcount != 1:
                return False
            await self._insert_refresh(conn, new)
            return True

    async def revoke_family(self, family_id: str) -> None:
        """Revoke every token of the family and the sessions they belong to."""
        now = time.time()
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE sessions SET revoked_at = ? WHERE revoked_at IS NULL AND id IN "
                "(SELECT session_id FROM refresh_tokens WHERE family_id = ?)", (now, family_id),
            )
            await conn.execute(
                "UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? "
                "AND revoked_at IS NULL", (now, family_id),
            )

    async def create_reset(self, token: ResetToken) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO reset_tokens (token_hash, user_id, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (token.token_hash, token.user_id, token.created_at, token.expires_at),
            )

    async def get_reset(self, token_hash: str) -> ResetToken | None:
        row = await self.db.fetch_one(
            "SELECT * FROM reset_tokens WHERE token_hash = ?", (token_hash,)
        )
        return to_record(ResetToken, row)

    async def take_reset(self, token_hash: str) -> bool:
        """Mark the reset token used; False if it was used, expired or is gone."""
        now = time.time()
        async with self.db.write() as conn:
            cur = await conn.execute(
                "UPDATE reset_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL "
                "AND expires_at > ?", (now, token_hash, now),
            )
            return cur.rowcount == 1

    async def revoke_resets(self, user_id: int) -> None:
        """End every unused reset token of the user (used ones stay, to tell a reuse apart)."""
        async with self.db.write() as conn:
            await conn.execute(
                "DELETE FROM reset_tokens WHERE user_id = ? AND used_at IS NULL", (user_id,),
            )
