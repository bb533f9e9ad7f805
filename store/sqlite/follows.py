"""Follows in SQLite (implements store.interface.FollowRepo)."""

from __future__ import annotations

import time

from store.records import Follow, User
from store.sqlite._rows import to_record
from store.sqlite.db import Database

__all__ = ["SqliteFollows"]


class SqliteFollows:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def follow(self, follower_id: int, followee_id: int) -> bool:
        """True when the follow is new; following oneself is no follow (False), as INSERT OR
        IGNORE left it before ON CONFLICT, which ignores no CHECK, replaced it."""
        if follower_id == followee_id:
            return False
        async with self.db.write() as conn:
            cur = await conn.execute(
                "INSERT INTO follows (follower_id, followee_id, created_at) "
                "VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (follower_id, followee_id, time.time()))
            return cur.rowcount == 1

    async def unfollow(self, follower_id: int, followee_id: int) -> bool:
        """True when there was a follow to remove."""
        async with self.db.write() as conn:
            cur = await conn.execute(
                "DELETE FROM follows WHERE follower_id = ? AND followee_id = ?",
                (follower_id, followee_id))
            return cur.rowcount == 1

    async def get(self, follower_id: int, followee_id: int) -> Follow | None:
        row = await self.db.fetch_one(
            "SELECT * FROM follows WHERE follower_id = ? AND followee_id = ?",
            (follower_id, followee_id))
        return to_record(Follow, row)

    async def follower_ids(self, user_id: int) -> list[int]:
        rows = await self.db.fetch_all(
            "SELECT follower_id FROM follows WHERE followee_id = ?", (user_id,))
        return [r[0] for r in rows]

    async def followee_ids(self, user_id: int) -> list[int]:
        rows = await self.db.fetch_all(
            "SELECT followee_id FROM follows WHERE follower_id = ?", (user_id,))
        return [r[0] for r in rows]

    async def followers(self, user_id: int, *, offset: int = 0, limit: int = 50
                        ) -> list[User]:
        """Users following `user_id`, newest follow first."""
        rows = await self.db.fetch_all(
            "SELECT u.* FROM follows f JOIN users u ON u.id = f.follower_id "
            "WHERE f.followee_id = ? AND u.state != 'deleted' "
            "ORDER BY f.created_at DESC, u.id DESC LIMIT ? OFFSET ?", (user_id, limit, offset))
        return [u for u in (to_record(User, r) for r in rows) if u is not None]

    async def following(self, user_id: int, *, offset: int = 0, limit: int = 50) -> list[User]:
        """Users `user_id` follows, newest follow first."""
        rows = await self.db.fetch_all(
            "SELECT u.* FROM follows f JOIN users u ON u.id = f.followee_id "
            "WHERE f.follower_id = ? AND u.state != 'deleted' "
            "ORDER BY f.created_at DESC, u.id DESC LIMIT ? OFFSET ?", (user_id, limit, offset))
        return [u for u in (to_record(User, r) for r in rows) if u is not None]

    async def counts(self, user_id: int) -> tuple[int, int]:
        """(followers, following)."""
        row = await self.db.fetch_one(
            "SELECT (SELECT count(*) FROM follows WHERE followee_id = ?), "
            "(SELECT count(*) FROM follows WHERE follower_id = ?)", (user_id, user_id))
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def following_among(self, follower_id: int, user_ids: list[int]) -> set[int]:
        """Which of `user_ids` the follower follows (for isSubscribing flags)."""
        if not user_ids:
            return set()
        marks = ",".join("?" for _ in user_ids)
        rows = await self.db.fetch_all(
            f"SELECT followee_id FROM follows WHERE follower_id = ? AND followee_id IN ({marks})",
            (follower_id, *user_ids))
        return {r[0] for r in rows}
