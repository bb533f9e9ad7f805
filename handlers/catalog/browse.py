"""Catalog operations every dialect shares: search and random tracks, with their checks."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.catalog.factory import catalog_for
from handlers.catalog.interface import MAX_LIMIT, SEARCH_TYPES, SearchResult, Track
from handlers.context import Context
from handlers.errors import FieldError, Invalid

__all__ = ["search_catalog", "random_tracks"]


def _check_limit(limit: int, top: int = MAX_LIMIT) -> None:
    if not 1 <= limit <= top:
        raise Invalid(f"limit must be between 1 and {top}", code="invalid_limit",
                      fields=[FieldError(("query", "limit"), f"between 1 and {top}")])


async def search_catalog(ctx: Context, query: str, types: Sequence[str], limit: int = 20,
                         offset: int = 0) -> SearchResult:
    """Search the catalog for `query` in each of `types`.

    Raises:
        Invalid: no query, an unknown type, limit outside 1..50 or a negative offset.
    """
    if not query.strip():
        raise Invalid("Query parameter 'q' is required", code="query_missing",
                      fields=[FieldError(("query", "q"), "Field required", "missing")])
    unknown = [t for t in types if t not in SEARCH_TYPES]
    if unknown or not types:
        raise Invalid(f"Invalid type: use {', '.join(SEARCH_TYPES)}", code="invalid_type",
                      fields=[FieldError(("query", "type"), "unknown type")])
    _check_limit(limit)
    if offset < 0:
        raise Invalid("offset must not be negative", code="invalid_offset")
    return await catalog_for(ctx).search(query.strip(), list(dict.fromkeys(types)), limit,
                                         offset)


async def random_tracks(ctx: Context, limit: int = 10, *, genre: str = "", query: str = ""
                        ) -> list[Track]:
    """Tracks picked at random from the catalog, of `genre` and matching `query` when given.

    Raises:
        Invalid: limit outside 1..50.
    """
    _check_limit(limit)
    return await catalog_for(ctx).sample_tracks(limit, query=query.strip(),
                                                genre=genre.strip())
