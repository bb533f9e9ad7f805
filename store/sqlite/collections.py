"""Collections (Openwhyd playlists, Sono collections) in SQLite
(implements store.interface.CollectionRepo)."""

from __future__ import annotations

import time
from typing import Any

from store.records import Collection, CollectionCollaborator
from store.sqlite._private import recount_reposts, reposted_in
from store.sqlite._rows import inserted_id, to_record
from store.sqlite.db import Database

__all__ = ["SqliteCollections"]

# owners whose collections nobody else sees (as handlers.social.collections.HIDDEN_STATES)
VISIBLE_OWNER = "owner_id IN (SELECT id FROM users WHERE state NOT IN ('deleted', 'disabled'))"
UPDATABLE = frozenset({"title", "description", "kind", "artist", "curator_note", "image",
                       "is_public", "is_collaborative"})


class SqliteCollections:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, owner_id: int, title: str, **fields: Any) -> Collection:
        """A new collection numbered after the owner's highest (the first one is 0)."""
        now = time.time()
        extra = {k: v for k, v in fields.items() if k in UPDATABLE}
        columns = ", ".join(["owner_id", "number", "title", "created_at", "updated_at", *extra])
        marks = ", ".join(["?", "(SELECT coalesce(max(number) + 1, 0) FROM collections "
                           "WHERE owner_id = ?)", "?", "?", "?", *("?" for _ in extra)])
        async with self.db.write() as conn:
            # the owner's row held first (PostgreSQL; SQLite's writer is already ours), so two
            # collections made at once by one owner take the numbers one after the other
            await conn.execute(f"SELECT id FROM users WHERE id = ?{self.db.dialect.for_update}",
                               (owner_id,))
            cur = await conn.execute(
                f"INSERT INTO collections ({columns}) VALUES ({marks}) RETURNING id",
                (owner_id, owner_id, title, now, now, *extra.values()))
            new_id = await inserted_id(cur)
            async with conn.execute("SELECT * FROM collections WHERE id = ?", (new_id,)) as c:
                row = await c.fetchone()
        created = to_record(Collection, row)
        assert created is not None
        return created

    async def get(self, collection_id: int) -> Collection | None:
        return to_record(Collection, await self.db.fetch_one(
            "SELECT * FROM collections WHERE id = ?", (collection_id,)))

    async def by_number(self, owner_id: int, number: int) -> Collection | None:
        return to_record(Collection, await self.db.fetch_one(
            "SELECT * FROM collections WHERE owner_id = ? AND number = ?", (owner_id, number)))

    async def of_owner(self, owner_id: int) -> list[Collection]:
        rows = await self.db.fetch_all(
            "SELECT * FROM collections WHERE owner_id = ? ORDER BY number", (owner_id,))
        return [c for c in (to_record(Collection, r) for r in rows) if c is not None]

    async def update(self, collection_id: int, **fields: Any) -> Collection | None:
        changes = {k: v for k, v in fields.items() if k in UPDATABLE}
        if changes:
            assignments = ", ".join(f"{k} = ?" for k in changes)
            async with self.db.write() as conn:
                await conn.execute(
                    f"UPDATE collections SET {assignments}, updated_at = ? WHERE id = ?",
                    (*changes.values(), time.time(), collection_id))
                if "is_public" in changes:  # reposts filed here are counted or no longer
                    await recount_reposts(conn, await reposted_in(conn, collection_id))
        return await self.get(collection_id)

    async def delete(self, collection_id: int) -> bool:
        """Delete it; its posts stay, back on the owner's profile (no collection)."""
        async with self.db.write() as conn:
            originals = await reposted_in(conn, collection_id)
            await conn.execute(
                "UPDATE posts SET collection_id = NULL, track_order = NULL "
                "WHERE collection_id = ?", (collection_id,))
            cur = await conn.execute("DELETE FROM collections WHERE id = ?", (collection_id,))
            await recount_reposts(conn, originals)
            return cur.rowcount == 1

    async def track_ids(self, collection_id: int, *, for_update: bool = False) -> list[int]:
        """The ids of the collection's posts in the order they show (as posts.in_collection);
        `for_update`: the collection's row is locked first (PostgreSQL; SQLite's transaction
        holds the writer), so concurrent edits read the order one after the other."""
        if for_update:
            await self.db.fetch_all(
                f"SELECT id FROM collections WHERE id = ?{self.db.dialect.for_update}",
                (collection_id,))
        rows = await self.db.fetch_all(
            "SELECT id FROM posts WHERE collection_id = ? "
            "ORDER BY track_order IS NULL, track_order, id DESC", (collection_id,))
        return [int(r[0]) for r in rows]

    async def set_order(self, collection_id: int, post_ids: list[int]) -> int:
        """Number the listed posts 1..n in the given order (the others lose their order, so
        that no two share one); returns how many matched. Only the posts whose order changes
        are written: appending one track writes one row."""
        wanted = {post_id: position for position, post_id in enumerate(post_ids, start=1)}
        async with self.db.write() as conn:
            async with conn.execute("SELECT id, track_order FROM posts WHERE collection_id = ?",
                                    (collection_id,)) as cur:
                current = {int(r[0]): r[1] for r in await cur.fetchall()}
            changed = [pid for pid, order in current.items() if wanted.get(pid) != order]
            # cleared first, so that no two rows hold one order at any moment (unique index)
            await conn.executemany("UPDATE posts SET track_order = NULL WHERE id = ?",
                                   [(pid,) for pid in changed])
            await conn.executemany("UPDATE posts SET track_order = ? WHERE id = ?",
                                   [(wanted[pid], pid) for pid in changed if pid in wanted])
            return sum(1 for pid in post_ids if pid in current)

    async def track_counts(self, collection_ids: list[int]) -> dict[int, int]:
        if not collection_ids:
            return {}
        marks = ",".join("?" for _ in collection_ids)
        rows = await self.db.fetch_all(
            f"SELECT collection_id, count(*) FROM posts WHERE collection_id IN ({marks}) "
            "GROUP BY collection_id", tuple(collection_ids))
        counts = {cid: 0 for cid in collection_ids}
        counts.update({r[0]: int(r[1]) for r in rows})
        return counts

    async def page(self, *, owner_id: int | None = None, kind: str | None = None,
                   public_only: bool = False, viewer_id: int | None = None, offset: int = 0,
                   limit: int = 100) -> tuple[list[Collection], int]:
        where: list[str] = []
        params: list[Any] = []
        if owner_id is not None:
            where.append("owner_id = ?")
            params.append(owner_id)
        elif public_only or viewer_id is None:
            where.append(f"is_public = 1 AND {VISIBLE_OWNER}")
        else:
            where.append(f"((is_public = 1 AND {VISIBLE_OWNER}) OR owner_id = ? OR id IN "
                         "(SELECT collection_id FROM collection_collaborators WHERE user_id = ?))")
            params += [viewer_id, viewer_id]
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        clause = " AND ".join(where)
        total = await self.db.fetch_one(f"SELECT count(*) FROM collections WHERE {clause}",
                                        tuple(params))
        rows = await self.db.fetch_all(
            f"SELECT * FROM collections WHERE {clause} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset))
        found = [c for c in (to_record(Collection, r) for r in rows) if c is not None]
        return found, int(total[0]) if total is not None else 0

    async def collaborators(self, collection_ids: list[int]
                            ) -> dict[int, list[CollectionCollaborator]]:
        found: dict[int, list[CollectionCollaborator]] = {cid: [] for cid in collection_ids}
        if collection_ids:
            marks = ",".join("?" for _ in collection_ids)
            rows = await self.db.fetch_all(
                f"SELECT * FROM collection_collaborators WHERE collection_id IN ({marks}) "
                "ORDER BY id", tuple(collection_ids))
            for row in rows:
                one = to_record(CollectionCollaborator, row)
                if one is not None:
                    found[one.collection_id].append(one)
        return found

    async def collaborator(self, collection_id: int, user_id: int
                           ) -> CollectionCollaborator | None:
        return to_record(CollectionCollaborator, await self.db.fetch_one(
            "SELECT * FROM collection_collaborators WHERE collection_id = ? AND user_id = ?",
            (collection_id, user_id)))

    async def add_collaborator(self, collection_id: int, user_id: int, permission: str,
                               added_by_id: int) -> CollectionCollaborator | None:
        """None when `user_id` already collaborates on it."""
        async with self.db.write() as conn:
            cur = await conn.execute(
                "INSERT INTO collection_collaborators "
                "(collection_id, user_id, permission, added_by_id, created_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (collection_id, user_id, permission, added_by_id, time.time()))
            if cur.rowcount != 1:
                return None
        return await self.collaborator(collection_id, user_id)

    async def set_collaborator(self, collection_id: int, user_id: int, permission: str
                               ) -> CollectionCollaborator | None:
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE collection_collaborators SET permission = ? "
                "WHERE collection_id = ? AND user_id = ?", (permission, collection_id, user_id))
        return await self.collaborator(collection_id, user_id)

    async def remove_collaborator(self, collection_id: int, user_id: int) -> bool:
        async with self.db.write() as conn:
            cur = await conn.execute(
                "DELETE FROM collection_collaborators WHERE collection_id = ? AND user_id = ?",
                (collection_id, user_id))
            return cur.rowcount == 1
