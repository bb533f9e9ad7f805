"""Full-text search over the FTS5 tables: what a user typed as a safe query with prefix
matching, and the rows of a table matching it with their bm25 rank.

The repositories reach it through their `fulltext` attribute, which the PostgreSQL store
replaces (store.postgres._fts) so that their SQL around it stays the same.
"""

from __future__ import annotations

import re

__all__ = ["fts_query", "FullText", "RANKS"]

_TOKEN = re.compile(r"\w+", re.UNICODE)

# bm25 weights, one per indexed column, in the order of each FTS table's columns
RANKS = {
    "posts": "bm25(posts_fts, 10.0, 2.0)",  # name, text
    # name, artists, album, playlist, description, genres
    "catalog": "bm25(catalog_fts, 10.0, 6.0, 4.0, 4.0, 1.0, 2.0)",
    "users": "bm25(users_fts, 10.0, 8.0, 10.0, 3.0)",  # name, surname, username, labels
    "collections": "bm25(collections_fts, 10.0, 2.0)",  # title, description
}


def fts_query(text: str, max_tokens: int = 8) -> str:
    """`coco jam` -> `"coco"* "jam"*` (every word must match, each as a prefix); "" if none.

    Quoting every token keeps FTS5 operators (AND, NEAR, ^, :, -) in user input inert.
    """
    tokens = _TOKEN.findall(text or "")[:max_tokens]
    return " ".join(f'"{token}"*' for token in tokens)


class FullText:
    """FTS5: each searchable table `t` has its index `t_fts` (migration 0003)."""

    def query(self, text: str, genres: str = "") -> str:
        """Every word of `text` in any column and every word of `genres` in the genres
        column (the catalog's), each as a prefix; "" when neither has a word."""
        words, genre_words = fts_query(text), fts_query(genres)
        parts = [words] if words else []
        if genre_words:
            parts.append(f"genres : ({genre_words})")
        return " AND ".join(parts)

    def hits(self, table: str) -> str:
        """A SELECT of (id, rank) of the rows of `table` matching the query given as its one
        `?` parameter; the lower the rank, the better the match."""
        fts = f"{table}_fts"
        return f"SELECT rowid AS id, {RANKS[table]} AS rank FROM {fts} WHERE {fts} MATCH ?"
