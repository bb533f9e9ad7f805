"""Reads over the local catalog on PostgreSQL (implements store.interface.CatalogSearchRepo):
the SQLite repository's SQL with tsvector matches (store.postgres._fts) and the artists of an
item read with json_array_elements_text."""

from __future__ import annotations

from store.postgres._fts import PgFullText
from store.sqlite.catalog_search import SqliteCatalogSearch

__all__ = ["PgCatalogSearch"]


class PgCatalogSearch(SqliteCatalogSearch):
    fulltext = PgFullText()
    artist_rows = "json_array_elements_text(c.artist_names::json) AS a(value)"
