"""Reads over the local catalog by kind, words, genre, album and artist (implements
store.interface.CatalogSearchRepo); words go through the catalog's full-text index as
prefixes (store.sqlite._fts: the `fulltext` that the PostgreSQL store replaces)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from store.records import CatalogItem
from store.sqlite._fts import FullText
from store.sqlite._rows import to_record
from store.sqlite.db import Database

__all__ = ["SqliteCatalogSearch"]


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" for _ in values)


def _items(rows: Sequence[Any]) -> list[CatalogItem]:
    return [i for i in (to_record(CatalogItem, r) for r in rows) if i is not None]


class SqliteCatalogSearch:
    fulltext = FullText()
    # an item's artists as rows of a column `a.value` (artist_names is a JSON list)
    artist_rows = "json_each(c.artist_names) a"

    def __init__(self, db: Database) -> None:
        self.db = db

    async def search(self, text: str, kinds: Sequence[str], *, genre: str = "",
                     offset: int = 0, limit: int = 20) -> tuple[list[CatalogItem], int]:
        """Items of `kinds` matching the words of `text` (and `genre` in their genres), best
        first; with neither, every item of `kinds`, most recently seen first."""
        if not kinds:
            return [], 0
        query = self.fulltext.query(text, genre)
        if not query and (text.strip() or genre.strip()):
            return [], 0  # only punctuation: nothing can match
        if not query:
            where, params = f"kind IN ({_marks(kinds)})", [*kinds]
            return await self._page("catalog c", where, params,
                                    "c.updated_at DESC, c.id DESC", offset, limit)
        source = f"({self.fulltext.hits('catalog')}) h JOIN catalog c ON c.id = h.id"
        where = f"c.kind IN ({_marks(kinds)})"
        return await self._page(source, where, [query, *kinds], "h.rank, c.id DESC",
                                offset, limit)

    async def _page(self, source: str, where: str, params: list[Any], order: str,
                    offset: int, limit: int) -> tuple[list[CatalogItem], int]:
        total = await self.db.fetch_one(f"SELECT count(*) FROM {source} WHERE {where}", params)
        rows = await self.db.fetch_all(
            f"SELECT c.* FROM {source} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            (*params, limit, offset))
        return _items(rows), int(total[0]) if total else 0

    async def by_provider_id(self, kinds: Sequence[str], provider_id: str) -> CatalogItem | None:
        """The item of one of `kinds` with that provider id (Spotify's first, then the oldest)."""
        if not kinds:
            return None
        return to_record(CatalogItem, await self.db.fetch_one(
            f"SELECT * FROM catalog WHERE provider_id = ? AND kind IN ({_marks(kinds)}) "
            "ORDER BY provider = 'spotify' DESC, id LIMIT 1", (provider_id, *kinds)))

    async def in_album(self, album_name: str, kinds: Sequence[str], *, provider: str,
                       offset: int = 0, limit: int = 50) -> tuple[list[CatalogItem], int]:
        """Items of `kinds` from `provider` whose album is `album_name` (case-insensitive)."""
        where = (f"c.provider = ? AND c.kind IN ({_marks(kinds)}) "
                 "AND c.album_name = ? COLLATE NOCASE")
        return await self._page("catalog c", where, [provider, *kinds, album_name],
                                "c.id", offset, limit)

    async def by_artist(self, artist_name: str, kinds: Sequence[str], *, offset: int = 0,
                        limit: int = 20) -> tuple[list[CatalogItem], int]:
        """Items of `kinds` naming `artist_name` among their artists (case-insensitive)."""
        where = (f"c.kind IN ({_marks(kinds)}) AND EXISTS (SELECT 1 FROM "
                 f"{self.artist_rows} WHERE a.value = ? COLLATE NOCASE)")
        return await self._page("catalog c", where, [*kinds, artist_name],
                                "c.updated_at DESC, c.id DESC", offset, limit)

    async def sample(self, kinds: Sequence[str], *, text: str = "", genre: str = "",
                     limit: int = 10) -> list[CatalogItem]:
        """Up to `limit` items of `kinds` picked at random (among matches of `text`/`genre`)."""
        if not kinds:
            return []
        query = self.fulltext.query(text, genre)
        if not query and (text.strip() or genre.strip()):
            return []
        if query:
            rows = await self.db.fetch_all(
                f"SELECT c.* FROM ({self.fulltext.hits('catalog')}) h "
                f"JOIN catalog c ON c.id = h.id WHERE c.kind IN ({_marks(kinds)}) "
                "ORDER BY random() LIMIT ?", (query, *kinds, limit))
        else:
            rows = await self.db.fetch_all(
                f"SELECT * FROM catalog WHERE kind IN ({_marks(kinds)}) ORDER BY random() "
                "LIMIT ?", (*kinds, limit))
        return _items(rows)
