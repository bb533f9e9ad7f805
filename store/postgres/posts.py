"""Posts on PostgreSQL (implements store.interface.PostRepo): the SQLite repository with its
full-text search over the posts' tsvector (store.postgres._fts). Its place index needs nothing
here: posts_geo is a view over the posts' own indexed coordinates (migration 0003)."""

from __future__ import annotations

from store.postgres._fts import PgFullText
from store.sqlite.posts import SqlitePosts

__all__ = ["PgPosts"]


class PgPosts(SqlitePosts):
    fulltext = PgFullText()
