"""Full-text search over PostgreSQL's generated `fts` tsvector columns (migration 0003): what a
user typed as a safe tsquery with prefix matching, and the rows of a table matching it ranked
by ts_rank. The one place the PostgreSQL store builds full-text SQL; the SQLite repositories
take it as their `fulltext` (store.sqlite._fts.FullText)."""

from __future__ import annotations

import re

from store.sqlite._fts import FullText

__all__ = ["PgFullText", "ts_query", "WEIGHTS"]

# letters and digits: `_` would be a word character to Python but is a separator to the
# text search parser, which would turn one token into a phrase
_TOKEN = re.compile(r"[^\W_]+")

# ts_rank weights {D, C, B, A} of each table's fts classes (0003 says which columns are in
# which class), after the bm25 column weights of store.sqlite._fts.RANKS scaled to A = 1
WEIGHTS = {
    "posts": "{0.2, 0.2, 0.2, 1.0}",  # A name, D text
    "catalog": "{0.1, 0.2, 0.5, 1.0}",  # A name, B artists album playlist, C genres, D description
    "users": "{0.1, 0.3, 0.8, 1.0}",  # A name username, B surname, C labels
    "collections": "{0.2, 0.2, 0.2, 1.0}",  # A title, D description
}
GENRES_CLASS = "C"  # the catalog's genres alone


def ts_query(text: str, weights: str = "", max_tokens: int = 8) -> str:
    """`coco jam` -> `'coco':* & 'jam':*` (every word must match, each as a prefix, only in the
    classes `weights` names when given); "" if there is no word.

    Tokens are letters and digits only, so quotes and tsquery operators (& | ! <-> :) in user
    input never reach to_tsquery.
    """
    tokens = _TOKEN.findall(text or "")[:max_tokens]
    return " & ".join(f"'{token}':*{weights}" for token in tokens)


class PgFullText(FullText):
    """The query is a to_tsquery text, unaccented in SQL (chorus_unaccent) as the indexed
    columns are; ts_rank is negated so that, as bm25's, the lower rank is the better match."""

    def query(self, text: str, genres: str = "") -> str:
        return " & ".join(part for part in (ts_query(text), ts_query(genres, GENRES_CLASS))
                          if part)

    def hits(self, table: str) -> str:
        # normalization 1 divides by 1 + log(length): a shorter text ranks higher, as in bm25
        return (f"SELECT id, -ts_rank('{WEIGHTS[table]}', fts, q, 1) AS rank FROM {table}, "
                "to_tsquery('simple', chorus_unaccent(?)) AS q WHERE fts @@ q")
