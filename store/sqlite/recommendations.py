"""The recommender's two reads in SQLite (and on PostgreSQL, but for the ranking's last
step: store/postgres/recommendations.py), each bounded by an index range and a LIMIT.

- `co_listened`: the tracks played or posted by the people who played or posted the seed
  tracks (item-to-item co-occurrence). The seeds' holders are found through the
  `listen_tracks(track_id, user_id)` and `posts(catalog_id, user_id)` indexes and only the
  `holders` strongest are kept; their tracks come from their all-time track rollups by primary key. Work:
  O(seeds x holders-per-seed + holders x their rollup rows).
- `artist_tracks`: the catalog tracks whose first artist is one of `artists`
  (`catalog_first_artist` index), ranked by how often everyone played them.

Both leave out the tracks the user played `played_cap` times or more, and the seeds. Posts
filed in private collections count for nothing (others must not learn of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from store.records import Candidate
from store.sqlite._private import public_only
from store.sqlite.db import Database

__all__ = ["SqliteRecommendations", "POST_WEIGHT", "RANKED"]

POST_WEIGHT = 3  # a post counts as three plays

_PLAYED = "SELECT track_id FROM listen_tracks WHERE user_id = :user AND plays >= :cap"

# {seeds}: one `(CAST(:sN AS BIGINT))` row per seed track; {ranked}: the candidates from
# `per_seed`, most score first, each with the seed whose holders gave it most (RANKED; more
# CTEs may come first, after a comma)
_CO_LISTENED = f"""
WITH seed(track_id) AS (VALUES {{seeds}}),
holding(user_id, seed, w) AS (
    SELECT d.user_id, d.track_id, d.plays FROM listen_tracks d
      JOIN seed s ON d.track_id = s.track_id WHERE d.user_id != :user
    UNION ALL
    SELECT p.user_id, p.catalog_id, {POST_WEIGHT} FROM posts p
      JOIN seed s ON p.catalog_id = s.track_id WHERE p.user_id != :user
      AND {public_only("p.collection_id")}),
holders AS (
    SELECT user_id, seed, SUM(w) AS w FROM holding GROUP BY user_id, seed
    ORDER BY w DESC, user_id, seed LIMIT :holders),
theirs(seed, track_id, w) AS (
    SELECT h.seed, d.track_id, d.plays FROM holders h
      JOIN listen_tracks d ON d.user_id = h.user_id
    UNION ALL
    SELECT h.seed, p.catalog_id, {POST_WEIGHT} FROM holders h
      JOIN posts p ON p.user_id = h.user_id WHERE p.catalog_id IS NOT NULL
      AND {public_only("p.collection_id")}),
per_seed AS (
    SELECT track_id, seed, SUM(w) AS w FROM theirs
    WHERE track_id NOT IN (SELECT track_id FROM seed) AND track_id NOT IN ({_PLAYED})
    GROUP BY track_id, seed)
{{ranked}}"""

# SQLite's: the seed is a bare column beside MAX(w), read from the row holding the max (one
# pass; PostgreSQL has no bare columns: store/postgres/recommendations.py)
RANKED = """
SELECT p.track_id, p.seed, MAX(p.w), SUM(p.w) AS score FROM per_seed p
  JOIN catalog c ON c.id = p.track_id AND c.kind = 'track'
GROUP BY p.track_id ORDER BY score DESC, p.track_id LIMIT :limit
"""

# {first}: the first artist of `c` in the dialect's spelling (the catalog_first_artist index);
# {artists}: one `:aN` per artist
_ARTIST_TRACKS = f"""
SELECT c.id, {{first}},
       (SELECT COALESCE(SUM(d.plays), 0) FROM listen_tracks d WHERE d.track_id = c.id) AS score
FROM catalog c
WHERE c.kind = 'track' AND {{first}} IN ({{artists}})
  AND c.id NOT IN ({_PLAYED})
ORDER BY score DESC, c.id LIMIT :limit
"""


def _named(prefix: str, values: Sequence[Any]) -> dict[str, Any]:
    """One named parameter per value: {prefix0: first, prefix1: second, ...}."""
    return {f"{prefix}{i}": value for i, value in enumerate(values)}


class SqliteRecommendations:
    ranked = RANKED

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _rows(self, sql: str, params: dict[str, Any]) -> list[Any]:
        async with self.db.read() as conn:
            return list(await conn.execute_fetchall(sql, params))

    async def co_listened(self, user_id: int, seeds: Sequence[int], *, holders: int = 100,
                          played_cap: int = 3, limit: int = 100) -> list[Candidate]:
        if not seeds:
            return []
        named = _named("s", seeds)
        sql = _CO_LISTENED.format(seeds=", ".join(f"(CAST(:{k} AS BIGINT))" for k in named),
                                  ranked=self.ranked)
        rows = await self._rows(sql, {
            "user": user_id, "holders": holders, "cap": played_cap, "limit": limit, **named})
        return [Candidate(track_id=r[0], because=str(r[1]), score=float(r[3])) for r in rows]

    async def artist_tracks(self, user_id: int, artists: Sequence[str], *, played_cap: int = 3,
                            limit: int = 100) -> list[Candidate]:
        if not artists:
            return []
        named = _named("a", list(dict.fromkeys(artists)))
        sql = _ARTIST_TRACKS.format(first=self.db.dialect.json_value("c.artist_names", 0),
                                    artists=", ".join(f":{k}" for k in named))
        rows = await self._rows(sql, {"user": user_id, "cap": played_cap, "limit": limit,
                                      **named})
        return [Candidate(track_id=r[0], because=str(r[1]), score=float(r[2])) for r in rows]
