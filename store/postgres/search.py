"""Full-text search reads on PostgreSQL (implements store.interface.SearchRepo): the SQLite
repository's SQL around tsvector matches instead of FTS5 ones (store.postgres._fts)."""

from __future__ import annotations

from store.postgres._fts import PostgresFullText
from store.sqlite.search import SqliteSearch

__all__ = ["PostgresSearch"]


class PostgresSearch(SqliteSearch):
    fulltext = PostgresFullText()
