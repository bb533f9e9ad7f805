"""Posts, reactions, comments and tags in SQLite (implements store.interface.PostRepo).

Counters on a post (likes, dislikes, reposts, plays) change in the same transaction as the
rows they count.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from typing import Any

import aiosqlite

from store.records import Comment, HotScore, Post
from store.sqlite._fts import FullText
from store.sqlite._private import public_only, recount_reposts, seen_by
from store.sqlite._rows import inserted_id, to_record
from store.sqlite.db import Database

__all__ = ["SqlitePosts", "POST_FIELDS"]

POST_FIELDS = frozenset({"link", "eid", "name", "text", "image", "catalog_id", "ctx", "src_id",
                         "src_name", "collection_id", "track_order", "latitude", "longitude",
                         "geohash"})
_UNSET: Any = object()


# events of the hot window: posts (reposts twice) and likes, minus reposts made from the hot
# page (ctx "hot") and their likes, and minus posts filed in private collections (the ranking
# is one for everyone); see SqlitePosts.hot
_HOT_SQL = """
WITH events(eid, post_id, at, posts, reposts, likes) AS (
    SELECT eid, id, created_at, 1, CASE WHEN repost_of IS NULL THEN 0 ELSE 1 END, 0 FROM posts
    WHERE created_at >= :since AND id > :after
      AND NOT (repost_of IS NOT NULL AND coalesce(ctx, '') = 'hot') AND {public}
    UNION ALL
    SELECT p.eid, p.id, r.created_at, 0, 0, 1 FROM post_reactions r JOIN posts p ON p.id = r.post_id
    WHERE r.kind = 'like' AND r.created_at >= :since AND p.id > :after
      AND NOT (p.repost_of IS NOT NULL AND coalesce(p.ctx, '') = 'hot') AND {public_p}
)
SELECT eid, min(post_id), sum((posts + reposts + likes) * exp((at - :now) * :rate)),
       sum(posts), sum(reposts), sum(likes)
FROM events WHERE eid NOT IN ('', '/sc/undefined') GROUP BY eid
ORDER BY 3 DESC, 2 LIMIT :limit OFFSET :offset
""".format(public=public_only("collection_id"), public_p=public_only("p.collection_id"))


def _seen_by(viewer_id: Any, where: list[str], params: list[Any], column: str = "collection_id"
             ) -> None:
    """Unless `viewer_id` is unset, keep only the posts the viewer may see (_private.seen_by)."""
    if viewer_id is not _UNSET:
        term, term_params = seen_by(column, viewer_id)
        where.append(term)
        params.extend(term_params)


def _posts(rows: Iterable[aiosqlite.Row]) -> list[Post]:
    return [p for p in (to_record(Post, r) for r in rows) if p is not None]


async def _write_tags(conn: aiosqlite.Connection, post_id: int, tags: Iterable[str]) -> None:
    await conn.execute("DELETE FROM post_tags WHERE post_id = ?", (post_id,))
    await conn.executemany("INSERT INTO post_tags (post_id, tag) VALUES (?, ?) "
                           "ON CONFLICT DO NOTHING",
                           [(post_id, t) for t in dict.fromkeys(tags) if t])


async def _write_geo(conn: aiosqlite.Connection, post_id: int, lat: float | None,
                     lon: float | None) -> None:
    await conn.execute("DELETE FROM posts_geo WHERE id = ?", (post_id,))
    if lat is not None and lon is not None:
        await conn.execute("INSERT INTO posts_geo (id, min_lat, max_lat, min_lon, max_lon) "
                           "VALUES (?, ?, ?, ?, ?)", (post_id, lat, lat, lon, lon))


class SqlitePosts:
    fulltext = FullText()

    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- posts ----------------------------------------------------------------------------

    async def create(self, *, user_id: int, link: str, eid: str, tags: Iterable[str] = (),
                     count_repost: bool = False, **fields: Any) -> Post:
        """Insert a post with its tags and place; with `count_repost`, the original
        (fields["repost_of"]) is recounted in the same transaction (public reposts only)."""
        now = time.time()
        values = {k: v for k, v in fields.items() if k in POST_FIELDS or k == "repost_of"}
        columns = ["user_id", "link", "eid", "created_at", "updated_at", *values]
        async with self.db.write() as conn:
            cur = await conn.execute(
                f"INSERT INTO posts ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)}) RETURNING id",
                (user_id, link, eid, now, now, *values.values()))
            post_id = await inserted_id(cur)
            await _write_tags(conn, post_id, tags)
            await _write_geo(conn, post_id, values.get("latitude"), values.get("longitude"))
            if count_repost and values.get("repost_of"):
                await recount_reposts(conn, [values["repost_of"]])
        post = await self.get(post_id)
        assert post is not None
        return post

    async def get(self, post_id: int) -> Post | None:
        return to_record(Post, await self.db.fetch_one("SELECT * FROM posts WHERE id = ?",
                                                       (post_id,)))

    async def many(self, post_ids: list[int]) -> dict[int, Post]:
        if not post_ids:
            return {}
        marks = ",".join("?" for _ in post_ids)
        rows = await self.db.fetch_all(f"SELECT * FROM posts WHERE id IN ({marks})",
                                       tuple(post_ids))
        return {p.id: p for p in _posts(rows)}

    async def update(self, post_id: int, *, tags: Iterable[str] | None = None,
                     **fields: Any) -> Post | None:
        """Change the given fields (and the tags when given); the place index follows."""
        changes = {k: v for k, v in fields.items() if k in POST_FIELDS}
        async with self.db.write() as conn:
            if changes:
                assignments = ", ".join(f"{k} = ?" for k in changes)
                await conn.execute(f"UPDATE posts SET {assignments}, updated_at = ? WHERE id = ?",
                                   (*changes.values(), time.time(), post_id))
            if "collection_id" in changes:  # a repost filed in or out of a private collection
                async with conn.execute("SELECT repost_of FROM posts WHERE id = ?",
                                        (post_id,)) as cur:
                    original = await cur.fetchone()
                if original is not None and original[0] is not None:
                    await recount_reposts(conn, [int(original[0])])
            if tags is not None:
                await _write_tags(conn, post_id, tags)
            if "latitude" in changes or "longitude" in changes:
                async with conn.execute("SELECT latitude, longitude FROM posts WHERE id = ?",
                                        (post_id,)) as cur:
                    row = await cur.fetchone()
                if row is not None:
                    await _write_geo(conn, post_id, row[0], row[1])
        return await self.get(post_id)

    async def delete(self, post_id: int) -> bool:
        """Remove the post with its reactions, comments and tags; its original loses a repost."""
        async with self.db.write() as conn:
            async with conn.execute("SELECT repost_of, user_id FROM posts WHERE id = ?",
                                    (post_id,)) as cur:
                row = await cur.fetchone()
            if row is None:
                return False
            await conn.execute("DELETE FROM posts WHERE id = ?", (post_id,))
            if row[0] is not None:
                await recount_reposts(conn, [int(row[0])])
            return True

    async def tags(self, post_ids: list[int]) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {pid: [] for pid in post_ids}
        if post_ids:
            marks = ",".join("?" for _ in post_ids)
            rows = await self.db.fetch_all(
                f"SELECT post_id, tag FROM post_tags WHERE post_id IN ({marks}) "
                "ORDER BY rowid", tuple(post_ids))
            for post_id, tag in rows:
                found[post_id].append(tag)
        return found

    async def page(self, *, user_ids: list[int] | None = None, collection_id: Any = _UNSET,
                   after: int | None = None, before: int | None = None, limit: int = 20,
                   viewer_id: Any = _UNSET) -> list[Post]:
        """Newest first. `after`: older than that post id; `before`: newer than it.
        `user_ids` None means everyone; `collection_id` None means "in no collection";
        `viewer_id` (None: nobody signed in) leaves out posts filed in private collections
        the viewer neither owns nor collaborates on."""
        where: list[str] = ["true"]
        params: list[Any] = []
        _seen_by(viewer_id, where, params)
        if user_ids is not None:
            if not user_ids:
                return []
            where.append(f"user_id IN ({','.join('?' for _ in user_ids)})")
            params.extend(user_ids)
        if collection_id is not _UNSET:
            if collection_id is None:
                where.append("collection_id IS NULL")
            else:
                where.append("collection_id = ?")
                params.append(collection_id)
        if after is not None:
            where.append("id < ?")
            params.append(after)
        if before is not None:
            where.append("id > ?")
            params.append(before)
        rows = await self.db.fetch_all(
            f"SELECT * FROM posts WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
            (*params, limit))
        return _posts(rows)

    async def in_collection(self, collection_id: int) -> list[Post]:
        """A collection's posts in their set order (unordered ones newest first after them)."""
        rows = await self.db.fetch_all(
            "SELECT * FROM posts WHERE collection_id = ? "
            "ORDER BY track_order IS NULL, track_order, id DESC", (collection_id,))
        return _posts(rows)

    async def in_collections(self, collection_ids: list[int]) -> dict[int, list[Post]]:
        """The posts of each collection, each list in its set order (as `in_collection`)."""
        found: dict[int, list[Post]] = {cid: [] for cid in collection_ids}
        if collection_ids:
            marks = ",".join("?" for _ in collection_ids)
            rows = await self.db.fetch_all(
                f"SELECT * FROM posts WHERE collection_id IN ({marks}) "
                "ORDER BY track_order IS NULL, track_order, id DESC", tuple(collection_ids))
            for post in _posts(rows):
                found[post.collection_id or 0].append(post)
        return found

    async def by_link(self, link: str, limit: int = 100, *, viewer_id: Any = _UNSET
                      ) -> list[Post]:
        where, params = ["link = ?"], [link]
        _seen_by(viewer_id, where, params)
        rows = await self.db.fetch_all(
            f"SELECT * FROM posts WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
            (*params, limit))
        return _posts(rows)

    async def by_date(self, start: float, end: float, *, offset: int = 0, limit: int = 20,
                      viewer_id: Any = _UNSET) -> tuple[list[Post], int]:
        """Posts created in [start, end], newest first, and how many there are in all (both
        without those private to others when `viewer_id` is given, as in `page`)."""
        where, params = ["created_at BETWEEN ? AND ?"], [start, end]
        _seen_by(viewer_id, where, params)
        terms = " AND ".join(where)
        rows = await self.db.fetch_all(
            f"SELECT * FROM posts WHERE {terms} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset))
        total = await self.db.fetch_one(f"SELECT count(*) FROM posts WHERE {terms}", params)
        return _posts(rows), int(total[0]) if total else 0

    async def count_by_user(self, user_id: int, *, viewer_id: Any = _UNSET) -> int:
        where, params = ["user_id = ?"], [user_id]
        _seen_by(viewer_id, where, params)
        row = await self.db.fetch_one(
            f"SELECT count(*) FROM posts WHERE {' AND '.join(where)}", params)
        return int(row[0]) if row else 0

    async def by_user(self, user_id: int, *, offset: int = 0, limit: int = 20,
                      viewer_id: Any = _UNSET) -> list[Post]:
        """The user's posts, newest first, by offset (Spot On's numbered pages)."""
        where, params = ["user_id = ?"], [user_id]
        _seen_by(viewer_id, where, params)
        return _posts(await self.db.fetch_all(
            f"SELECT * FROM posts WHERE {' AND '.join(where)} ORDER BY id DESC "
            "LIMIT ? OFFSET ?", (*params, limit, offset)))

    async def reposts_of(self, post_id: int) -> list[Post]:
        """The original's public reposts (none filed in a private collection), oldest first."""
        return _posts(await self.db.fetch_all(
            f"SELECT * FROM posts WHERE repost_of = ? AND {public_only('collection_id')} "
            "ORDER BY id", (post_id,)))

    async def incr_play(self, post_id: int) -> Post | None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE posts SET play_count = play_count + 1 WHERE id = ?",
                               (post_id,))
        return await self.get(post_id)

    async def since(self, created_after: float) -> list[Post]:
        """Every post newer than the time (hot-track scoring reads its window with this)."""
        return _posts(await self.db.fetch_all(
            "SELECT * FROM posts WHERE created_at >= ? ORDER BY id", (created_after,)))

    async def hot(self, *, since: float, now: float, half_life: float, after_id: int = 0,
                  limit: int = 20, offset: int = 0) -> list[HotScore]:
        """Aggregated in SQL over the window (one row per eId): a post weighs 1, a repost 2
        (a post and a repost, as Openwhyd's nbPosts + nbReposts), a like 1, each decayed by
        its age; ties go to the track posted first."""
        rate = math.log(2) / half_life
        rows = await self.db.fetch_all(_HOT_SQL, {"since": since, "after": after_id,
                                                  "rate": rate, "now": now, "limit": limit,
                                                  "offset": offset})
        return [HotScore(eid=r[0], post_id=r[1], score=r[2], posts=r[3], reposts=r[4],
                         likes=r[5]) for r in rows]

    async def in_box(self, min_lat: float, max_lat: float, min_lon: float, max_lon: float,
                     *, viewer_id: Any = _UNSET) -> list[Post]:
        """Located posts inside the box, through the R*Tree."""
        where = ["g.min_lat >= ?", "g.max_lat <= ?", "g.min_lon >= ?", "g.max_lon <= ?"]
        params: list[Any] = [min_lat, max_lat, min_lon, max_lon]
        _seen_by(viewer_id, where, params, "p.collection_id")
        return _posts(await self.db.fetch_all(
            "SELECT p.* FROM posts_geo g JOIN posts p ON p.id = g.id "
            f"WHERE {' AND '.join(where)}", params))

    async def search(self, text: str, *, limit: int = 20, offset: int = 0) -> list[Post]:
        """Full-text search over names and comments (prefix match), best match first."""
        query = self.fulltext.query(text)
        if not query:
            return []
        return _posts(await self.db.fetch_all(
            f"SELECT p.* FROM ({self.fulltext.hits('posts')}) h JOIN posts p ON p.id = h.id "
            "ORDER BY h.rank, p.id DESC LIMIT ? OFFSET ?", (query, limit, offset)))

    # ---- reactions ------------------------------------------------------------------------

    async def react(self, post_id: int, user_id: int, kind: str) -> str:
        """Like or dislike: "added", "changed" (the other one was replaced) or "already"."""
        async with self.db.write() as conn:
            async with conn.execute("SELECT kind FROM post_reactions WHERE post_id = ? AND "
                                    "user_id = ?", (post_id, user_id)) as cur:
                row = await cur.fetchone()
            if row is not None and row[0] == kind:
                return "already"
            if row is not None:
                await conn.execute(f"UPDATE posts SET {row[0]}_count = {row[0]}_count - 1 "
                                   "WHERE id = ?", (post_id,))
            await conn.execute(
                "INSERT INTO post_reactions (post_id, user_id, kind, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (post_id, user_id) DO UPDATE SET "
                "kind = excluded.kind, created_at = excluded.created_at",
                (post_id, user_id, kind, time.time()))
            await conn.execute(f"UPDATE posts SET {kind}_count = {kind}_count + 1 WHERE id = ?",
                               (post_id,))
            return "added" if row is None else "changed"

    async def unreact(self, post_id: int, user_id: int) -> str | None:
        """Remove the user's reaction; the kind removed, or None."""
        async with self.db.write() as conn:
            async with conn.execute("SELECT kind FROM post_reactions WHERE post_id = ? AND "
                                    "user_id = ?", (post_id, user_id)) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            await conn.execute("DELETE FROM post_reactions WHERE post_id = ? AND user_id = ?",
                               (post_id, user_id))
            await conn.execute(f"UPDATE posts SET {row[0]}_count = {row[0]}_count - 1 "
                               "WHERE id = ?", (post_id,))
            return str(row[0])

    async def reaction(self, post_id: int, user_id: int) -> str | None:
        row = await self.db.fetch_one(
            "SELECT kind FROM post_reactions WHERE post_id = ? AND user_id = ?",
            (post_id, user_id))
        return None if row is None else str(row[0])

    async def lovers(self, post_ids: list[int]) -> dict[int, list[int]]:
        """User ids who like each post, in the order they did."""
        found: dict[int, list[int]] = {pid: [] for pid in post_ids}
        if post_ids:
            marks = ",".join("?" for _ in post_ids)
            rows = await self.db.fetch_all(
                f"SELECT post_id, user_id FROM post_reactions WHERE kind = 'like' AND "
                f"post_id IN ({marks}) ORDER BY created_at, user_id", tuple(post_ids))
            for post_id, user_id in rows:
                found[post_id].append(user_id)
        return found

    async def liked_by(self, user_id: int, *, after: int | None = None,
                       before: int | None = None, limit: int = 20, viewer_id: Any = _UNSET
                       ) -> list[Post]:
        """Posts the user likes, newest post first, paged by post id like `page` (and, with
        `viewer_id`, without those private to others as there)."""
        where: list[str] = ["r.user_id = ?", "r.kind = 'like'"]
        params: list[Any] = [user_id]
        _seen_by(viewer_id, where, params, "p.collection_id")
        if after is not None:
            where.append("p.id < ?")
            params.append(after)
        if before is not None:
            where.append("p.id > ?")
            params.append(before)
        return _posts(await self.db.fetch_all(
            f"SELECT p.* FROM post_reactions r JOIN posts p ON p.id = r.post_id "
            f"WHERE {' AND '.join(where)} ORDER BY p.id DESC LIMIT ?", (*params, limit)))

    async def count_liked_by(self, user_id: int, *, viewer_id: Any = _UNSET) -> int:
        where: list[str] = ["r.user_id = ?", "r.kind = 'like'"]
        params: list[Any] = [user_id]
        _seen_by(viewer_id, where, params, "p.collection_id")
        row = await self.db.fetch_one(
            "SELECT count(*) FROM post_reactions r JOIN posts p ON p.id = r.post_id "
            f"WHERE {' AND '.join(where)}", params)
        return int(row[0]) if row else 0

    # ---- comments -------------------------------------------------------------------------

    async def add_comment(self, post_id: int, user_id: int, text: str) -> Comment:
        now = time.time()
        async with self.db.write() as conn:
            cur = await conn.execute(
                "INSERT INTO comments (post_id, user_id, text, created_at) VALUES (?, ?, ?, ?) "
                "RETURNING id",
                (post_id, user_id, text, now))
            comment_id = await inserted_id(cur)
        return Comment(id=comment_id, post_id=post_id, user_id=user_id, text=text,
                       created_at=now)

    async def get_comment(self, comment_id: int) -> Comment | None:
        return to_record(Comment, await self.db.fetch_one(
            "SELECT * FROM comments WHERE id = ?", (comment_id,)))

    async def delete_comment(self, comment_id: int) -> bool:
        async with self.db.write() as conn:
            cur = await conn.execute("DELETE FROM comments WHERE id = ?", (comment_id,))
            return cur.rowcount == 1

    async def comments(self, post_ids: list[int]) -> dict[int, list[Comment]]:
        found: dict[int, list[Comment]] = {pid: [] for pid in post_ids}
        if post_ids:
            marks = ",".join("?" for _ in post_ids)
            rows = await self.db.fetch_all(
                f"SELECT * FROM comments WHERE post_id IN ({marks}) ORDER BY id",
                tuple(post_ids))
            for comment in (to_record(Comment, r) for r in rows):
                if comment is not None:
                    found[comment.post_id].append(comment)
        return found
