"""Full-text search reads on PostgreSQL (implements store.interface.SearchRepo): the SQLite
repository's SQL around tsvector matches instead of FTS5 ones (store.postgres._fts)."""

from __future__ import annotations

from store.postgres._fts import PgFullText
from store.sqlite.search import SqliteSearch

__all__ = ["PgSearch"]


class PgSearch(SqliteSearch):
    fulltext = PgFullText()
