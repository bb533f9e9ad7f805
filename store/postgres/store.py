"""PgStore: the PostgreSQL backend (CHORUS_STORE=postgresql://...). The SQLite repositories
run on it through store/postgres/db.py where their SQL is portable; the ones written in SQLite's
own dialect (full-text search, spatial boxes, date functions, JSON) are replaced by the
PostgreSQL subclasses beside this module."""

from __future__ import annotations

from store.postgres.db import PgDatabase
from store.postgres.listens import PgListens
from store.postgres.recommendations import PgRecommendations
from store.sqlite.store import SqlStore

__all__ = ["PgStore"]


class PgStore(SqlStore):
    def __init__(self, url: str) -> None:
        super().__init__(PgDatabase(url))
        self.listens = PgListens(self.db)
        self.recommendations = PgRecommendations(self.db)

    async def drop(self) -> None:
        """Drop the store's schema with everything in it (tests' own schemas)."""
        await self.db.drop_schema()
