"""The recommender on PostgreSQL: SqliteRecommendations with the candidates ranked without
SQLite's bare column (store/sqlite/recommendations.py RANKED)."""

from __future__ import annotations

from store.sqlite.recommendations import SqliteRecommendations

__all__ = ["PgRecommendations"]

# the first `limit` candidates by score, then, of each one's seeds, the one whose holders gave
# it most (the smallest id among equals)
RANKED = """,
scored AS (
    SELECT p.track_id, MAX(p.w) AS w, SUM(p.w) AS score FROM per_seed p
      JOIN catalog c ON c.id = p.track_id AND c.kind = 'track'
    GROUP BY p.track_id ORDER BY score DESC, p.track_id LIMIT :limit)
SELECT s.track_id, MIN(p.seed), s.w, s.score FROM scored s
  JOIN per_seed p ON p.track_id = s.track_id AND p.w = s.w
GROUP BY s.track_id, s.w, s.score ORDER BY s.score DESC, s.track_id
"""


class PgRecommendations(SqliteRecommendations):
    ranked = RANKED
