"""PgStore: the PostgreSQL backend (CHORUS_STORE=postgresql://...). The SQLite repositories
run on it through store/postgres/db.py where their SQL is portable; the ones written in SQLite's
own dialect (full-text search, spatial boxes, date functions, JSON) are replaced by the
PostgreSQL subclasses beside this module."""

from __future__ import annotations

from store.postgres.catalog_search import PgCatalogSearch
from store.postgres.db import PgDatabase
from store.postgres.listens import PgListens
from store.postgres.posts import PgPosts
from store.postgres.recommendations import PgRecommendations
from store.postgres.search import PgSearch
from store.sqlite.store import SqlStore

__all__ = ["PgStore"]


class PgStore(SqlStore):
    shared = True  # several processes, on one machine or many

    def __init__(self, url: str) -> None:
        super().__init__(PgDatabase(url))
        self.posts = PgPosts(self.db)
        self.search = PgSearch(self.db)
        self.catalog_search = PgCatalogSearch(self.db)
        self.listens = PgListens(self.db)
        self.recommendations = PgRecommendations(self.db)

    async def drop(self) -> None:
        """Drop the store's schema with everything in it (tests' own schemas)."""
        await self.db.drop_schema()
